/**
 * The room's state at a glance: the session badge, the pause banner, the
 * connection line, and the room's shape once it shows no words (closed, or the
 * person no longer let in): the panels that show or take words go, and after
 * close the way to the review page shows instead.
 */

import { gettext, interpolate } from "../../i18n.js";
import { byId, show } from "../dom.js";

// Panels that show or take words. None is shown once the session has closed,
// or once the person is no longer let into the room.
export const WORD_PANELS = [
  "round-panel",
  "queue-panel",
  "reflection-panel",
  "contributions-panel",
  "compose-panel",
  "capture-panel",
  "pause-signal-panel",
];

/** "Session open · paused": the badge's words for a session. */
export function sessionBadgeText(session) {
  let words;
  if (session.state === "scheduled") words = gettext("Session not yet open");
  else if (session.state === "open") words = gettext("Session open");
  else if (session.state === "closed") words = gettext("Session closed");
  else words = interpolate(gettext("Session %(state)s"), { state: session.state }, true);
  return session.paused ? words + " · " + gettext("paused") : words;
}

export function render(state, ctx) {
  renderShape(state, ctx);
  const s = state.session;
  const badge = byId("room-state");
  badge.dataset.state = s.state;
  badge.textContent = sessionBadgeText(s);
  show("pause-banner", Boolean(s.paused) && s.state === "open");
  document.body.classList.toggle("room-paused", Boolean(s.paused));
}

/** Hide what shows or takes words once there are none to show; point to the review page after close. */
export function renderShape(state, ctx) {
  const gone = Boolean(ctx.wordsGone);
  if (gone) for (const id of WORD_PANELS) show(id, false);
  show("closed-panel", ctx.wordsGone === "closed");
  const archiveUrl = state && state.session.archive_url;
  if (archiveUrl) byId("closed-review-link").href = archiveUrl;
}

/** Whether the keyboard is in a panel that shows or takes words (it moves when they go). */
export function focusInWords() {
  return WORD_PANELS.some((id) => byId(id)?.contains(document.activeElement));
}

/** The connection line: what the socket is doing, in plain words. */
export function renderConnection(status, detail, ctx) {
  const node = byId("connection-status");
  if (!node) return;
  node.dataset.status = status;
  if (ctx.wordsGone === "signed-out") {
    node.dataset.status = "refused";
    node.textContent = gettext("You signed out in another tab. Sign in again to return to the room.");
  } else if (status === "open") node.textContent = gettext("Connected");
  else if (status === "connecting") node.textContent = gettext("Connecting to the room…");
  else if (status === "reconnecting" && ctx.rightsChanged) {
    node.textContent = gettext("Your rights in this exchange changed. Reconnecting with them…");
  } else if (status === "reconnecting") {
    node.textContent = gettext("Reconnecting… anything you write is kept and sent when the room is back.");
  } else if (status === "refused") {
    node.textContent =
      detail.code === 4404
        ? gettext("This session no longer exists.")
        : gettext("You are not allowed in this room: you are not signed in as a member of this exchange. Sign in again to join the room.");
  } else node.textContent = gettext("Disconnected.");
  document.body.classList.toggle("room-offline", status !== "open");
}
