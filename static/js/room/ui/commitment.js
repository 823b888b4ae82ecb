/**
 * "What will you try at home before we meet again?": the commitment form,
 * shown in the closing phase and after close while `commitments_until` is
 * ahead; after that, the commitment as kept, with the way to report on it.
 */

import { gettext } from "../../i18n.js";
import { byId, setText, show } from "../dom.js";
import { recount, refuseOverLimit, watchLength } from "../text_limit.js";

function recorded() {
  return gettext("Your commitment is recorded. You can change it until the window closes.");
}

export function init(ctx) {
  const box = byId("commitment-text");
  const max = ctx.limits.commitment;
  // A long paste stays whole and flagged; it is saved once it is shortened (room/text_limit.js).
  watchLength(box, max, { counter: byId("commitment-counter"), overLine: byId("commitment-over"), announcer: ctx.announcer, verb: "save" });
  byId("commitment-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = box.value.trim();
    setText("commitment-status", "");
    setText("commitment-error", "");
    if (!value) {
      setText("commitment-error", gettext("Write what you will try first."));
      return;
    }
    if (refuseOverLimit(box, max, (message) => setText("commitment-error", message), { verb: "save" })) return;
    ctx.act({ type: "commitment_set", text: value }, "commitment-error");
  });
}

/**
 * Which parts show: the form (in the closing phase, the last one or any if
 * there are none, or after close while the window is open), the commitment as
 * kept (after the window), and the panel itself.
 */
export function closingView(state, nowMs) {
  const s = state.session;
  const phases = state.phases || [];
  const lastPhase = phases.length ? phases[phases.length - 1] : null;
  const inClosingPhase = s.state === "open" && (!lastPhase || Boolean(state.currentPhase && state.currentPhase.id === lastPhase.id));
  const closed = s.state === "closed";
  const afterClose = closed && (!s.commitments_until || Date.parse(s.commitments_until) > nowMs);
  const commitment = state.commitment;
  return {
    // After close, a member's own commitment stays in view (with the way to
    // report on it) even once the window to change it has ended.
    panel: inClosingPhase || afterClose || (closed && Boolean(commitment)),
    form: inClosingPhase || afterClose,
    kept: closed && !afterClose && Boolean(commitment),
    checkin: Boolean(closed && commitment && commitment.id != null),
  };
}

export function render(state, ctx) {
  const view = closingView(state, ctx.clock.now());
  const commitment = state.commitment;
  show("closing-panel", view.panel);
  show("commitment-form", view.form);
  show("commitment-kept", view.kept);
  setText("commitment-kept-text", commitment ? commitment.text : "");
  const checkin = view.checkin && ctx.config.checkin_url;
  if (checkin) byId("commitment-checkin-link").href = ctx.config.checkin_url.replace("{id}", String(commitment.id));
  show("commitment-checkin", Boolean(checkin));
  const box = byId("commitment-text");
  if (commitment && !box.value && document.activeElement !== box) {
    box.value = commitment.text;
    recount(box);
  }
  if (commitment && !byId("commitment-status").textContent) setText("commitment-status", recorded());
  byId("commitment-submit").textContent = commitment ? gettext("Update my commitment") : gettext("Record my commitment");
}

export function onAck(sent, ctx) {
  if (sent.type !== "commitment_set") return;
  setText("commitment-status", recorded());
  ctx.announcer.say(gettext("Your commitment is recorded."));
}

/** The commitment changed in another of the person's tabs. */
export function onFrame(frame, ctx) {
  if (frame.type !== "private" || frame.kind !== "commitment" || !ctx.state) return;
  ctx.state.commitment = frame.commitment;
  render(ctx.state, ctx);
}
