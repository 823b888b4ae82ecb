/**
 * The projector view: what a shared screen in the meeting room shows.
 *
 * It draws only what everyone in the room already sees (the phase, who has
 * the floor, the timers, the queue). Its socket asks for the projector view
 * (`?view=projector`, docs/protocol.md §1): the server then counts it as
 * nobody present, sends a `hello` with public state only and events without
 * anyone's words, and accepts nothing but `resume` and `heartbeat`.
 *
 * Events about contributions reach it bare (`{type, seq, event, at, actor:
 * null}`: no contribution, no ids, no words). They only advance the seq;
 * everything it shows (phase, queue, turns, timers) comes from the others.
 */

import { gettext, interpolate } from "../i18n.js";
import { RoomConnection } from "./connection.js";
import { applyEvent, applyPresence, currentTurn, stateFromHello } from "./state.js";
import {
  Announcer,
  ServerClock,
  TimerEnds,
  byId,
  el,
  formatDuration,
  labelFor,
  readConfig,
  replaceList,
  setText,
  show,
  turnKey,
} from "./dom.js";

// Set by start(), when the page runs this module; nothing is read from the page at import.
let config = null;
let clock = null;
let announcer = null;
let timerEnds = null;
let state = null;

/** Keep only the public parts of the room state (the server sends no more; this holds it to that). */
export function publicOnly(full) {
  return {
    session: { state: full.session.state, paused: full.session.paused },
    you: { member_id: null },
    phases: full.phases,
    currentPhase: full.currentPhase,
    present: full.present,
    contributions: [],
    queue: full.queue,
    queueCurrent: full.queueCurrent,
    round: full.round,
    reflection: full.reflection,
    themes: [],
    notYetSpoken: null,
    note: null,
    commitment: null,
    signals: [],
    ackReflections: {},
  };
}

/** Who has the floor: the turn's holder, else the hand last called, else nobody ("—"). */
export function speakerName(s) {
  const turn = currentTurn(s.round);
  if (turn) return turn.member.display_name;
  const called = s.queueCurrent && s.queueCurrent.status === "called" ? s.queueCurrent : null;
  return called ? called.member.display_name : "—";
}

/** " · direct reply": a waiting hand's kind, in the server's words (the config's labels), in lower case. */
export function queueKindSuffix(kind, labels) {
  return ` · ${String(labelFor(labels, kind)).toLowerCase()}`;
}

function render() {
  if (!state) return;
  show("projector-paused", Boolean(state.session.paused) && state.session.state === "open");
  setText("projector-speaker", speakerName(state));
  show("projector-reflection", Boolean(state.reflection));
  show("projector-queue-empty", state.queue.length === 0);
  replaceList(
    byId("projector-queue"),
    state.queue.map((entry) =>
      el(
        "li",
        {},
        el("span", { dir: "auto", text: entry.member.display_name }),
        el("span", { className: "projector-kind", text: queueKindSuffix(entry.kind, (config.labels || {}).queue_kind) }),
      ),
    ),
  );
  tick();
}

function tick() {
  if (!state) return;
  const phase = state.currentPhase;
  if (state.session.state === "closed") {
    setText("projector-phase", gettext("Session closed"));
    setText("projector-phase-time", gettext("What will you try at home before we meet again?"));
  } else if (state.session.state === "scheduled") {
    setText("projector-phase", gettext("Starting soon"));
    setText("projector-phase-time", "");
  } else if (phase) {
    setText("projector-phase", phase.title);
    const elapsed = phase.started_at ? clock.secondsSince(phase.started_at) : 0;
    setText(
      "projector-phase-time",
      interpolate(gettext("%(elapsed)s of %(planned)s minutes"), { elapsed: Math.floor(elapsed / 60), planned: phase.planned_minutes }, true),
    );
  }
  const turn = currentTurn(state.round);
  if (turn) {
    const where = interpolate(gettext("Go-around, turn %(position)s of %(total)s"), { position: turn.position, total: state.round.turns.length }, true);
    const left = turn.ends_at ? clock.secondsUntil(turn.ends_at) : null;
    const timer =
      left === null ? "" : left > 0 ? " · " + interpolate(gettext("%(time)s left"), { time: formatDuration(left) }, true) : " · " + gettext("time is up");
    setText("projector-turn-timer", where + timer);
    if (left === 0 && timerEnds.justEnded(turnKey(turn))) {
      announcer.say(interpolate(gettext("Time is up for %(name)s's turn."), { name: turn.member.display_name }, true));
    }
  } else {
    setText("projector-turn-timer", "");
  }
  if (state.reflection) {
    const left = clock.secondsUntil(state.reflection.ends_at);
    setText("projector-reflection-countdown", left > 0 ? formatDuration(left) : gettext("Time is up"));
    if (left === 0 && timerEnds.justEnded(`reflection-${state.reflection.id}`)) announcer.say(gettext("Quiet reflection has ended."));
  }
}

/** Timers that ran out before this screen learned of them are not news. */
function noteEndedTimers() {
  const turn = currentTurn(state.round);
  if (turn && turn.ends_at && clock.secondsUntil(turn.ends_at) === 0) timerEnds.noteEnded([turnKey(turn)]);
  if (state.reflection && clock.secondsUntil(state.reflection.ends_at) === 0) {
    timerEnds.noteEnded([`reflection-${state.reflection.id}`]);
  }
}

function announce(frame, before) {
  const turn = currentTurn(state.round);
  if (turn && turn.id !== before.turnId) announcer.say(interpolate(gettext("It is now %(name)s's turn."), { name: turn.member.display_name }, true));
  if (frame.event === "phase_changed" && state.currentPhase) {
    announcer.say(interpolate(gettext("Now: %(phase)s."), { phase: state.currentPhase.title }, true));
  }
  if (frame.event === "reflection_started") announcer.say(gettext("Quiet reflection has begun."));
  if (frame.event === "reflection_ended" && !timerEnds.announced(`reflection-${frame.reflection_id}`)) {
    announcer.say(gettext("Quiet reflection has ended."));
  }
  if (frame.event === "session_paused") announcer.say(gettext("The room is paused."));
  if (frame.event === "session_resumed") announcer.say(gettext("The room has resumed."));
}

/** Start the projector on this page: read its config, connect, count down. */
export function start() {
  config = readConfig();
  clock = new ServerClock();
  announcer = new Announcer();
  timerEnds = new TimerEnds();
  const connection = new RoomConnection({
    url: config.ws_url,
    sessionId: `projector.${config.session_id}`,
    heartbeatSeconds: config.heartbeat_seconds,
    onHello(frame) {
      clock.sync(frame.server_time || (frame.state && frame.state.server_time));
      const first = state === null;
      state = publicOnly(stateFromHello(frame));
      if (first) noteEndedTimers();
      render();
    },
    onEvent(frame) {
      const turn = currentTurn(state.round);
      const before = { turnId: turn ? turn.id : null };
      applyEvent(state, frame);
      // Contributions and themes are not shown here; drop them rather than keep anyone's words in memory.
      state.contributions = [];
      state.ackReflections = {};
      state.note = null;
      announce(frame, before);
      render();
    },
    onStatus(status, detail = {}) {
      const node = byId("connection-status");
      node.dataset.status = status;
      if (status === "open") node.textContent = gettext("Connected");
      else if (status === "refused") {
        node.textContent =
          detail.code === 4404
            ? gettext("This session no longer exists.")
            : gettext("Not allowed in this room. Sign in as a member of the exchange.");
      } else node.textContent = gettext("Reconnecting…");
    },
    onFrame(frame) {
      if (frame.type === "heartbeat" && frame.server_time) clock.sync(frame.server_time);
      if (frame.type === "presence" && state && state.session.state !== "closed" && Array.isArray(frame.present)) {
        applyPresence(state, frame.present);
        render();
      }
    },
  });
  connection.start();
  window.setInterval(tick, 1000);
  return connection;
}

// The page's module script: start once it has loaded. Imported without a page (Node's tests), it only defines.
if (globalThis.document) start();
