/** Private pause signals ("I need a pause"), on the console: who asked, when, and dismissing them. */

import { gettext, interpolate } from "../../i18n.js";
import { byId, el, fillIn, replaceList, show, timeAgo } from "../dom.js";

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
        fillIn(gettext("%(name)s asked for a pause %(when)s"), {
          name: el("strong", { dir: "auto", text: signal.member.display_name }),
          when: el("span", { className: "muted", text: timeAgo(ctx.clock, signal.created_at) }),
        }),
        " ",
        el("button", {
          type: "button",
          className: "button secondary small",
          text: gettext("Dismiss"),
          "aria-label": interpolate(gettext("Dismiss %(name)s's pause signal"), { name: signal.member.display_name }, true),
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
    ctx.announcer.say(interpolate(gettext("%(name)s has asked, privately, for a pause."), { name: frame.signal.member.display_name }, true), {
      urgent: true,
    });
  }
  render(ctx.state, ctx);
}
