/**
 * The facilitator's controls, layered on the participant room (console page
 * only). Every control sends one documented frame (docs/protocol.md §5) and
 * shows the server's refusal, if any, beside itself. Timer bounds come from
 * the page's config (`limits`), as the server checks them.
 */

import { gettext, interpolate } from "../../i18n.js";
import { confirmInPage } from "../confirm.js";
import { byId, el, replaceList, setText, show } from "../dom.js";
import { currentTurn } from "../state.js";
import { roleWord, takesTurnByDefault } from "./round.js";

// "Next phase" takes the place of "Open the session": for this long after
// opening it stays disabled, so a double click on "Open" cannot land on it
// and skip the first phase.
const OPEN_GRACE_MS = 1200;

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

/**
 * The agenda's line and the "Next phase" button's words: what runs now and
 * what the button will start, so opening and advancing never surprise.
 */
export function phaseWords(state) {
  const phases = state.phases || [];
  const sessionState = state.session.state;
  const first = phases[0];
  if (sessionState === "scheduled") {
    return {
      now: first
        ? interpolate(gettext("Not started. Opening the session starts the first phase, “%(phase)s”."), { phase: first.title }, true)
        : gettext("Not started."),
      open: first ? interpolate(gettext("Open the session and start “%(phase)s”"), { phase: first.title }, true) : gettext("Open the session"),
      next: gettext("Next phase"),
      hasNext: false,
    };
  }
  if (sessionState === "closed") {
    return { now: gettext("The session has closed."), open: gettext("Open the session"), next: gettext("Next phase"), hasNext: false };
  }
  const current = state.currentPhase;
  const index = current ? phases.findIndex((p) => p.id === current.id) : -1;
  const following = index === -1 ? (current ? null : first) : phases[index + 1];
  const now = current
    ? interpolate(gettext("Now: “%(phase)s” (phase %(position)s of %(total)s)."), { phase: current.title, position: index + 1, total: phases.length }, true)
    : phases.length
      ? gettext("No phase under way.")
      : gettext("No phases planned.");
  return {
    now: following ? now : now + " " + gettext("This is the last phase."),
    open: gettext("Open the session"),
    next: following ? interpolate(gettext("Next phase: “%(phase)s”"), { phase: following.title }, true) : gettext("Next phase"),
    hasNext: Boolean(following),
  };
}

/** On a narrow screen the writing box is one tap away: the link at the top focuses it. */
function initJumpToComposer() {
  const link = byId("jump-to-compose");
  if (!link) return;
  link.addEventListener("click", (event) => {
    const box = byId("compose-text");
    if (!box || box.closest("[hidden]")) return;
    event.preventDefault();
    box.focus();
    box.scrollIntoView({ block: "center" });
  });
}

/**
 * On a wide screen the console's contributions scroll in their own box: it
 * can take the keyboard (it scrolls), and while it shows the newest words it
 * keeps showing them as more arrive.
 */
function initContributionsBox() {
  const list = byId("contribution-list");
  if (!list || !document.body.classList.contains("console-page")) return;
  list.tabIndex = 0;
  let atEnd = true;
  const nearEnd = () => list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  list.addEventListener("scroll", () => {
    atEnd = nearEnd();
  });
  if (typeof MutationObserver === "function") {
    new MutationObserver(() => {
      if (atEnd) list.scrollTop = list.scrollHeight;
    }).observe(list, { childList: true });
  }
}

export function init(ctx) {
  initJumpToComposer();
  if (!ctx.config.can_facilitate) return;
  initContributionsBox();
  const limits = ctx.limits;
  const on = (id, handler) => byId(id)?.addEventListener("click", handler);
  on("session-open", () => {
    ctx.ui.openedAt = Date.now();
    ctx.act({ type: "session_open" }, "session-console-error");
  });
  on("phase-advance", () => ctx.act({ type: "phase_advance" }, "session-console-error"));
  on("room-pause", () => ctx.act({ type: "pause" }, "session-console-error"));
  on("room-resume", () => ctx.act({ type: "resume_room" }, "session-console-error"));
  on("session-close", async () => {
    const yes = await confirmInPage({
      title: gettext("Close the session?"),
      text: gettext(
        "The live room ends for everyone and cannot be opened again. Off-the-record words are erased, and people are asked for their commitments.",
      ),
      confirmLabel: gettext("Close the session"),
      cancelLabel: gettext("Keep it open"),
      danger: true,
    });
    if (yes) ctx.act({ type: "session_close" }, "session-close-error");
  });
  on("queue-call-next", () => ctx.act({ type: "queue_call_next" }, "queue-console-error"));
  on("queue-clear", async () => {
    const yes = await confirmInPage({
      title: gettext("Clear the speaking queue?"),
      text: gettext("Everyone waiting to speak is taken off the queue."),
      confirmLabel: gettext("Clear the queue"),
      danger: true,
    });
    if (yes) ctx.act({ type: "queue_clear" }, "queue-console-error");
  });
  on("turn-skip", () => ctx.act({ type: "turn_skip" }, "round-console-error"));
  on("turn-extend", () => {
    const seconds = Number(byId("turn-extend-seconds").value);
    const [min, max] = [limits.extend_seconds_min, limits.extend_seconds_max];
    if (!wholeWithin(seconds, min, max)) {
      setText("round-console-error", interpolate(gettext("Extend by a whole number of seconds, from %(min)s to %(max)s."), { min, max }, true));
      return;
    }
    ctx.act({ type: "turn_extend", seconds }, "round-console-error");
  });
  on("round-end", () => ctx.act({ type: "round_end" }, "round-console-error"));
  on("reflection-end", () => ctx.act({ type: "reflection_end" }, "reflection-console-error"));

  byId("round-order-select").addEventListener("change", () => renderArrange(ctx));
  byId("round-include-facilitators").addEventListener("change", () => renderArrange(ctx));
  byId("round-start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const order = byId("round-order-select").value;
    const raw = byId("round-turn-seconds").value.trim();
    const turnSeconds = raw === "" ? null : Number(raw);
    const [min, max] = [limits.timer_seconds_min, limits.timer_seconds_max];
    if (turnSeconds !== null && !wholeWithin(turnSeconds, min, max)) {
      setText(
        "round-console-error",
        interpolate(gettext("Seconds per turn: a whole number from %(min)s to %(max)s, or leave it empty for no timer."), { min, max }, true),
      );
      return;
    }
    const frame = { type: "round_start", order, turn_seconds: turnSeconds, include_facilitators: includesFacilitators() };
    if (order === "arranged") frame.member_ids = arrangedOrder(ctx);
    ctx.act(frame, "round-console-error");
  });

  byId("reflection-start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const seconds = reflectionSeconds(Number(byId("reflection-minutes").value), limits);
    if (seconds === null) {
      setText(
        "reflection-console-error",
        interpolate(gettext("Choose from 1 to %(max)s minutes."), { max: Math.floor(limits.timer_seconds_max / 60) }, true),
      );
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

function includesFacilitators() {
  return Boolean(byId("round-include-facilitators")?.checked);
}

/** Who present takes a turn: participants, and facilitators and scribes when included. */
export function turnTakers(present, includeFacilitators) {
  return present.filter((m) => includeFacilitators || takesTurnByDefault(m));
}

function arrangedOrder(ctx) {
  const present = ctx.state ? turnTakers(ctx.state.present, includesFacilitators()).map((m) => m.id) : [];
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
  const roles = new Map(ctx.state.present.map((m) => [m.id, roleWord(m)]));
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
      el("span", { className: "person-name", dir: "auto", text: names.get(id) }),
      roles.get(id) ? el("span", { className: "muted", text: ` · ${roles.get(id)}` }) : null,
      arrangeButton(gettext("Up"), interpolate(gettext("Move %(name)s earlier"), { name: names.get(id) }, true), index === 0, `arrange-up-${id}`, () =>
        move(index, -1),
      ),
      arrangeButton(
        gettext("Down"),
        interpolate(gettext("Move %(name)s later"), { name: names.get(id) }, true),
        index === order.length - 1,
        `arrange-down-${id}`,
        () => move(index, 1),
      ),
    ),
  );
  replaceList(byId("arrange-list"), items);
}

export function render(state, ctx) {
  if (!ctx.config.can_facilitate) return;
  const sessionState = state.session.state;
  const words = phaseWords(state);
  setText("console-phase-now", words.now);
  setText("session-open", words.open);
  setText("phase-advance", words.next);
  show("session-open", sessionState === "scheduled");
  show("console-close-panel", sessionState === "open");
  show("phase-advance", sessionState === "open");
  const sinceOpen = Date.now() - (ctx.ui.openedAt || 0);
  const justOpened = sinceOpen < OPEN_GRACE_MS;
  byId("phase-advance").disabled = !words.hasNext || justOpened;
  if (justOpened && !ctx.ui.openRedraw) {
    ctx.ui.openRedraw = setTimeout(() => {
      ctx.ui.openRedraw = null;
      if (ctx.state) render(ctx.state, ctx);
    }, OPEN_GRACE_MS - sinceOpen + 20);
  }
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
