/**
 * Quiet reflection: the panel shows while one runs, with its countdown from
 * the server-held end time and the private notes (ui/notes.js).
 */

import { gettext, interpolate } from "../../i18n.js";
import { byId, formatDuration, setText } from "../dom.js";
import { recount } from "../text_limit.js";
import { closeNoteShare } from "./notes.js";

export function render(state, ctx) {
  const reflection = state.reflection;
  const panel = byId("reflection-panel");
  const wasHidden = panel.hidden;
  panel.hidden = !reflection || Boolean(ctx.wordsGone);
  panel.classList.toggle("reflection-active", Boolean(reflection));
  if (panel.hidden) closeNoteShare({ focus: false });
  const notes = byId("reflection-notes");
  if (reflection && wasHidden && state.note && !ctx.wordsGone && !notes.value) {
    notes.value = state.note.text;
    recount(notes);
  }
}

/** What the countdown says with `left` seconds to go. */
export function countdownText(left) {
  return left > 0
    ? interpolate(gettext("%(time)s of quiet reflection left"), { time: formatDuration(left) }, true)
    : gettext("Quiet reflection has ended. The facilitator will continue when the room is ready.");
}

/** Once a second; the end is said once, by every client from the same end time. */
export function tick(state, ctx) {
  const reflection = state.reflection;
  if (!reflection) return;
  const left = ctx.clock.secondsUntil(reflection.ends_at);
  setText("reflection-countdown", countdownText(left));
  if (left === 0 && ctx.timerEnds.justEnded(`reflection-${reflection.id}`)) ctx.announcer.say(gettext("Quiet reflection has ended."));
}
