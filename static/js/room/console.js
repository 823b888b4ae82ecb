/**
 * The facilitator's controls, layered on the participant room (room.js).
 * Every control sends one documented frame (docs/protocol.md §5) and shows the
 * server's refusal, if any, beside itself.
 */

import { byId, el, replaceList, setText, show } from "./dom.js";
import { currentTurn } from "./state.js";

let arranged = []; // member ids in the order the facilitator arranged for a go-around

export function setupConsole(room) {
  const on = (id, handler) => byId(id)?.addEventListener("click", handler);
  on("session-open", () => room.act({ type: "session_open" }, "session-console-error"));
  on("phase-advance", () => room.act({ type: "phase_advance" }, "session-console-error"));
  on("room-pause", () => room.act({ type: "pause" }, "session-console-error"));
  on("room-resume", () => room.act({ type: "resume_room" }, "session-console-error"));
  on("session-close", () => {
    if (window.confirm("Close the session? Off-the-record words are erased, and people are asked for their commitments.")) {
      room.act({ type: "session_close" }, "session-console-error");
    }
  });
  on("queue-call-next", () => room.act({ type: "queue_call_next" }, "queue-console-error"));
  on("queue-clear", () => {
    if (window.confirm("Clear everyone from the speaking queue?")) room.act({ type: "queue_clear" }, "queue-console-error");
  });
  on("turn-skip", () => room.act({ type: "turn_skip" }, "round-console-error"));
  on("turn-extend", () => {
    const seconds = Number(byId("turn-extend-seconds").value);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
      setText("round-console-error", "Extend by a whole number of seconds, from 1 to 3600.");
      return;
    }
    room.act({ type: "turn_extend", seconds }, "round-console-error");
  });
  on("round-end", () => room.act({ type: "round_end" }, "round-console-error"));
  on("reflection-end", () => room.act({ type: "reflection_end" }, "reflection-console-error"));

  byId("round-order-select").addEventListener("change", () => renderArrange(room));
  byId("round-start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const order = byId("round-order-select").value;
    const raw = byId("round-turn-seconds").value.trim();
    const turnSeconds = raw === "" ? null : Number(raw);
    if (turnSeconds !== null && (!Number.isInteger(turnSeconds) || turnSeconds < 10 || turnSeconds > 3600)) {
      setText("round-console-error", "Seconds per turn: a whole number from 10 to 3600, or leave it empty for no timer.");
      return;
    }
    const frame = { type: "round_start", order, turn_seconds: turnSeconds };
    if (order === "arranged") frame.member_ids = arrangedOrder(room);
    room.act(frame, "round-console-error");
  });

  byId("reflection-start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const minutes = Number(byId("reflection-minutes").value);
    if (!(minutes > 0) || minutes > 60) {
      setText("reflection-console-error", "Choose from 1 to 60 minutes.");
      return;
    }
    room.act({ type: "reflection_start", seconds: Math.round(minutes * 60) }, "reflection-console-error");
  });

  byId("theme-create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = byId("theme-name").value.trim();
    if (!name) {
      setText("theme-error", "Name the theme first.");
      return;
    }
    if (room.act({ type: "theme_create", name }, "theme-error")) byId("theme-name").value = "";
  });
}

function arrangedOrder(room) {
  const present = room.state ? room.state.present.map((m) => m.id) : [];
  arranged = arranged.filter((id) => present.includes(id));
  for (const id of present) if (!arranged.includes(id)) arranged.push(id);
  return arranged.slice();
}

function renderArrange(room) {
  const visible = byId("round-order-select").value === "arranged";
  show("arrange-panel", visible);
  if (!visible || !room.state) return;
  const order = arrangedOrder(room);
  const names = new Map(room.state.present.map((m) => [m.id, m.display_name]));
  const move = (index, delta) => {
    const target = index + delta;
    [arranged[index], arranged[target]] = [arranged[target], arranged[index]];
    renderArrange(room);
  };
  const items = order.map((id, index) =>
    el(
      "li",
      {},
      el("span", { className: "person-name", text: names.get(id) }),
      el("button", {
        type: "button",
        className: "button secondary small",
        text: "Up",
        "aria-label": `Move ${names.get(id)} earlier`,
        disabled: index === 0,
        dataset: { focusKey: `arrange-up-${id}` },
        onclick: () => move(index, -1),
      }),
      el("button", {
        type: "button",
        className: "button secondary small",
        text: "Down",
        "aria-label": `Move ${names.get(id)} later`,
        disabled: index === order.length - 1,
        dataset: { focusKey: `arrange-down-${id}` },
        onclick: () => move(index, 1),
      }),
    ),
  );
  replaceList(byId("arrange-list"), items);
}

export function renderConsole(room, { tickOnly = false } = {}) {
  if (!room.config.can_facilitate || !room.state || tickOnly) return;
  const s = room.state;
  const state = s.session.state;
  show("session-open", state === "scheduled");
  show("session-close", state === "open");
  show("phase-advance", state === "open");
  show("room-pause", state === "open" && !s.session.paused);
  show("room-resume", state === "open" && Boolean(s.session.paused));
  const running = Boolean(s.round);
  const turn = currentTurn(s.round);
  byId("round-start").disabled = running || state !== "open";
  for (const id of ["turn-skip", "turn-extend", "round-end"]) byId(id).disabled = !running || (id !== "round-end" && !turn);
  byId("reflection-end").disabled = !s.reflection;
  byId("queue-call-next").disabled = s.queue.length === 0;
  byId("queue-clear").disabled = s.queue.length === 0;

  renderArrange(room);

  const signals = s.signals || [];
  show("signals-empty", signals.length === 0);
  byId("signals-panel").classList.toggle("has-signals", signals.length > 0);
  replaceList(
    byId("signals-list"),
    signals.map((signal) =>
      el(
        "li",
        {},
        el("strong", { text: signal.member.display_name }),
        " asked for a pause ",
        el("span", { className: "muted", text: timeAgo(room, signal.created_at) }),
        " ",
        el("button", {
          type: "button",
          className: "button secondary small",
          text: "Dismiss",
          "aria-label": `Dismiss ${signal.member.display_name}'s pause signal`,
          dataset: { focusKey: `dismiss-${signal.id}` },
          onclick: () => room.act({ type: "signal_dismiss", signal_id: signal.id }, "signals-error"),
        }),
      ),
    ),
  );

  replaceList(
    byId("theme-list"),
    s.themes.map((t) => {
      const count = s.contributions.filter((c) => (c.themes || []).includes(t.id)).length;
      return el("li", {}, el("span", { text: t.name }), el("span", { className: "muted", text: ` · ${count} tagged` }));
    }),
  );

  // Only a member who runs the room is told who has not spoken yet.
  show("not-spoken-panel", Array.isArray(s.notYetSpoken));
  const notYet = s.notYetSpoken || [];
  const names = new Map(s.present.map((m) => [m.id, m.display_name]));
  show("not-spoken-empty", notYet.length === 0);
  replaceList(
    byId("not-spoken-list"),
    notYet.filter((id) => names.has(id)).map((id) => el("li", { text: names.get(id) })),
  );
}

function timeAgo(room, iso) {
  const seconds = room.clock.secondsSince(iso);
  if (seconds === null) return "";
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
}
