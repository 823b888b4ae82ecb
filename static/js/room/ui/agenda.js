/**
 * The agenda: the server renders the phases; this marks the one under way and
 * counts its minutes against the plan, by the server's clock.
 */

import { gettext, interpolate } from "../../i18n.js";
import { byId, setText } from "../dom.js";

export function render(state) {
  const current = state.session.state === "closed" ? null : state.currentPhase;
  for (const item of document.querySelectorAll("#phase-list li[data-phase-id]")) {
    const isNow = current && Number(item.dataset.phaseId) === current.id;
    item.classList.toggle("phase-current", Boolean(isNow));
    if (isNow) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
    const badge = item.querySelector(".phase-now");
    if (badge) badge.hidden = !isNow;
  }
}

/**
 * The line under the phases: "Opening round: 12 of 30 minutes", or null when
 * it should stay as it is (an open session between phases).
 */
export function phaseProgress(state, elapsedSeconds) {
  const phase = state.currentPhase;
  if (phase && phase.started_at && state.session.state === "open") {
    const over = elapsedSeconds > phase.planned_minutes * 60;
    const values = { phase: phase.title, elapsed: Math.floor(elapsedSeconds / 60), planned: phase.planned_minutes };
    const format = over
      ? gettext("%(phase)s: %(elapsed)s of %(planned)s minutes (over the planned time)")
      : gettext("%(phase)s: %(elapsed)s of %(planned)s minutes");
    return { text: interpolate(format, values, true), over };
  }
  if (state.session.state === "closed") return { text: gettext("The session has closed."), over: null };
  if (state.session.state === "scheduled") return { text: gettext("Not started."), over: null };
  return null;
}

/** Once a second. */
export function tick(state, ctx) {
  const phase = state.currentPhase;
  const elapsed = phase && phase.started_at ? ctx.clock.secondsSince(phase.started_at) : 0;
  const progress = phaseProgress(state, elapsed);
  if (!progress) return;
  setText("phase-progress", progress.text);
  if (progress.over !== null) byId("phase-progress").classList.toggle("flag", progress.over);
}
