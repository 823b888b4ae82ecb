/** Private pause signals ("I need a pause"), on the console: who asked, when, and dismissing them. */

import { byId, el, replaceList, show, timeAgo } from "../dom.js";

export function render(state, ctx) {
  if (!ctx.config.can_facilitate) return;
  const signals = state.signals || [];
  show("signals-empty", signals.length === 0);
  byId("signals-panel").classList.toggle("has-signals", signals.length > 0);
  replaceList(
    byId("signals-list"),
    signals.map((signal) =>
      el(
        "li",
        {},
        el("strong", { dir: "auto", text: signal.member.display_name }),
        " asked for a pause ",
        el("span", { className: "muted", text: timeAgo(ctx.clock, signal.created_at) }),
        " ",
        el("button", {
          type: "button",
          className: "button secondary small",
          text: "Dismiss",
          "aria-label": `Dismiss ${signal.member.display_name}'s pause signal`,
          dataset: { focusKey: `dismiss-${signal.id}` },
          onclick: () => ctx.act({ type: "signal_dismiss", signal_id: signal.id }, "signals-error"),
        }),
      ),
    ),
  );
}

/** Apply a `signal` frame to the state (no seq, not replayed; hello carries the open ones). */
export function applySignal(state, frame) {
  if (frame.kind === "pause_request") {
    if (!state.signals.some((s) => s.id === frame.signal.id)) state.signals.push(frame.signal);
  } else if (frame.kind === "signal_dismissed") {
    state.signals = state.signals.filter((s) => s.id !== frame.signal_id);
  }
}

export function onFrame(frame, ctx) {
  if (frame.type !== "signal" || !ctx.state) return;
  applySignal(ctx.state, frame);
  if (frame.kind === "pause_request") {
    ctx.announcer.say(`${frame.signal.member.display_name} has asked, privately, for a pause.`, { urgent: true });
  }
  render(ctx.state, ctx);
}
