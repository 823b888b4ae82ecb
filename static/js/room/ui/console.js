/**
 * The facilitator's controls, layered on the participant room (console page
 * only). Every control sends one documented frame (docs/protocol.md §5) and
 * shows the server's refusal, if any, beside itself. Timer bounds come from
 * the page's config (`limits`), as the server checks them.
 */

import { byId, el, replaceList, setText, show } from "../dom.js";
import { currentTurn } from "../state.js";

/** Whether `seconds` is a whole number within [min, max]. */
export function wholeWithin(seconds, min, max) {
  return Number.isInteger(seconds) && seconds >= min && seconds <= max;
}

/** The seconds a quiet reflection of `minutes` lasts, or null when the server would refuse it. */
export function reflectionSeconds(minutes, limits) {
  if (!(minutes > 0)) return null;
  const seconds = Math.round(minutes * 60);
  return seconds >= limits.timer_seconds_min && seconds <= limits.timer_seconds_max ? seconds : null;
}

export function init(ctx) {
  if (!ctx.config.can_facilitate) return;
  const limits = ctx.limits;
  const on = (id, handler) => byId(id)?.addEventListener("click", handler);
  on("session-open", () => ctx.act({ type: "session_open" }, "session-console-error"));
  on("phase-advance", () => ctx.act({ type: "phase_advance" }, "session-console-error"));
  on("room-pause", () => ctx.act({ type: "pause" }, "session-console-error"));
  on("room-resume", () => ctx.act({ type: "resume_room" }, "session-console-error"));
  on("session-close", () => {
    if (window.confirm("Close the session? Off-the-record words are erased, and people are asked for their commitments.")) {
      ctx.act({ type: "session_close" }, "session-console-error");
    }
  });
  on("queue-call-next", () => ctx.act({ type: "queue_call_next" }, "queue-console-error"));
  on("queue-clear", () => {
    if (window.confirm("Clear everyone from the speaking queue?")) ctx.act({ type: "queue_clear" }, "queue-console-error");
  });
  on("turn-skip", () => ctx.act({ type: "turn_skip" }, "round-console-error"));
  on("turn-extend", () => {
    const seconds = Number(byId("turn-extend-seconds").value);
    const [min, max] = [limits.extend_seconds_min, limits.extend_seconds_max];
    if (!wholeWithin(seconds, min, max)) {
      setText("round-console-error", `Extend by a whole number of seconds, from ${min} to ${max}.`);
      return;
    }
    ctx.act({ type: "turn_extend", seconds }, "round-console-error");
  });
  on("round-end", () => ctx.act({ type: "round_end" }, "round-console-error"));
  on("reflection-end", () => ctx.act({ type: "reflection_end" }, "reflection-console-error"));

  byId("round-order-select").addEventListener("change", () => renderArrange(ctx));
  byId("round-start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const order = byId("round-order-select").value;
    const raw = byId("round-turn-seconds").value.trim();
    const turnSeconds = raw === "" ? null : Number(raw);
    const [min, max] = [limits.timer_seconds_min, limits.timer_seconds_max];
    if (turnSeconds !== null && !wholeWithin(turnSeconds, min, max)) {
      setText("round-console-error", `Seconds per turn: a whole number from ${min} to ${max}, or leave it empty for no timer.`);
      return;
    }
    const frame = { type: "round_start", order, turn_seconds: turnSeconds };
    if (order === "arranged") frame.member_ids = arrangedOrder(ctx);
    ctx.act(frame, "round-console-error");
  });

  byId("reflection-start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const seconds = reflectionSeconds(Number(byId("reflection-minutes").value), limits);
    if (seconds === null) {
      setText("reflection-console-error", `Choose from 1 to ${Math.floor(limits.timer_seconds_max / 60)} minutes.`);
      return;
    }
    ctx.act({ type: "reflection_start", seconds }, "reflection-console-error");
  });
}

/**
 * The arranged order of a go-around: the order the facilitator set, for the
 * people still present, then anyone who arrived since, at the end.
 */
export function mergeArranged(arranged, presentIds) {
  const kept = arranged.filter((id) => presentIds.includes(id));
  for (const id of presentIds) if (!kept.includes(id)) kept.push(id);
  return kept;
}

function arrangedOrder(ctx) {
  const present = ctx.state ? ctx.state.present.map((m) => m.id) : [];
  ctx.ui.arranged = mergeArranged(ctx.ui.arranged, present);
  return ctx.ui.arranged.slice();
}

function arrangeButton(text, ariaLabel, disabled, focusKey, onclick) {
  return el("button", { type: "button", className: "button secondary small", text, "aria-label": ariaLabel, disabled, dataset: { focusKey }, onclick });
}

function renderArrange(ctx) {
  const visible = byId("round-order-select").value === "arranged";
  show("arrange-panel", visible);
  if (!visible || !ctx.state) return;
  const order = arrangedOrder(ctx);
  const names = new Map(ctx.state.present.map((m) => [m.id, m.display_name]));
  const move = (index, delta) => {
    const arranged = ctx.ui.arranged;
    const target = index + delta;
    [arranged[index], arranged[target]] = [arranged[target], arranged[index]];
    renderArrange(ctx);
  };
  const items = order.map((id, index) =>
    el(
      "li",
      {},
      el("span", { className: "person-name", text: names.get(id) }),
      arrangeButton("Up", `Move ${names.get(id)} earlier`, index === 0, `arrange-up-${id}`, () => move(index, -1)),
      arrangeButton("Down", `Move ${names.get(id)} later`, index === order.length - 1, `arrange-down-${id}`, () => move(index, 1)),
    ),
  );
  replaceList(byId("arrange-list"), items);
}

export function render(state, ctx) {
  if (!ctx.config.can_facilitate) return;
  const sessionState = state.session.state;
  show("session-open", sessionState === "scheduled");
  show("session-close", sessionState === "open");
  show("phase-advance", sessionState === "open");
  show("room-pause", sessionState === "open" && !state.session.paused);
  show("room-resume", sessionState === "open" && Boolean(state.session.paused));
  const running = Boolean(state.round);
  const turn = currentTurn(state.round);
  byId("round-start").disabled = running || sessionState !== "open";
  for (const id of ["turn-skip", "turn-extend", "round-end"]) byId(id).disabled = !running || (id !== "round-end" && !turn);
  byId("reflection-end").disabled = !state.reflection;
  byId("queue-call-next").disabled = state.queue.length === 0;
  byId("queue-clear").disabled = state.queue.length === 0;
  renderArrange(ctx);
}
