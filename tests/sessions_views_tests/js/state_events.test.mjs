// The room's reducer (static/js/room/state.js), event by event: every room event that
// docs/protocol.md §4 lists, the hello that replaces the state, and how a resume's replay
// lands on it. Run under Node; no page.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { FakeSocket } from "./fake_browser.mjs";

const { applyEvent, applyPresence, currentTurn, stateFromHello } = await import("../../../static/js/room/state.js");

const ME = 19;
const team = { id: 4, name: "Riverton, OH" };
const member = (id, name, extra = {}) => ({ id, display_name: name, team, stakeholder_role: "community_leader", exchange_role: "participant", ...extra });
const ANA = member(12, "Ana Ruiz");
const BEN = member(ME, "Ben Okafor");
const DANA = member(30, "Dana Lee");
const HIDDEN = { id: null, display_name: "Anonymous", team: null, stakeholder_role: null, exchange_role: null };
const PHASES = [
  { id: 5, order: 1, title: "Opening round", planned_minutes: 30 },
  { id: 6, order: 2, title: "Closing", planned_minutes: 15 },
];

function contribution(id, extra = {}) {
  return {
    id, author: ANA, author_hidden: false, captured_by: null, kind: "story", text: `words ${id}`, reply_to: null,
    consent: "named", phase_id: 5, created_at: "t", edited_at: null, revisions: 0, acks: 0, acked_by_me: false, themes: [], purged: false, ...extra,
  };
}
const entry = (id, who, extra = {}) => ({ id, member: who, kind: "new_point", reply_to: null, status: "waiting", raised_at: "t", called_at: null, ...extra });
const turn = (id, who, status, position) => ({ id, member: who, position, status, started_at: null, ends_at: null });
function round(turns, currentId, status = "active") {
  return { id: 2, status, order: "by_team", turn_seconds: 120, started_at: "t", turns, current_turn_id: currentId };
}

/** A full hello, as a facilitator's room gets it (docs/protocol.md §3). */
function helloFrame({ state = "open", facilitator = true, extra = {} } = {}) {
  return {
    type: "hello",
    last_seq: 5,
    server_time: "2026-03-05T14:02:11+00:00",
    session: { id: 3, title: "Morning", state, paused: false, attribution_default: "named", opened_at: "t0", closed_at: null, commitments_until: null, archive_url: null },
    you: { member_id: ME, display_name: "Ben Okafor", exchange_role: "facilitator", is_facilitator: facilitator, view: "room", actions: ["contribute"] },
    state: {
      server_time: "2026-03-05T14:02:11+00:00",
      phases: PHASES,
      current_phase: { ...PHASES[0], started_at: "t0" },
      present: [ANA, BEN],
      contributions: [contribution(1)],
      queue: [],
      queue_current: null,
      round: null,
      reflection: null,
      themes: [{ id: 1, name: "Mutual mistrust" }],
      not_yet_spoken: facilitator ? [ME] : null,
      note: { text: "my note", updated_at: "t" },
      commitment: null,
      signals: [],
      ...extra,
    },
  };
}

let seq = 5;
const ev = (event, payload = {}) => ({ type: "event", seq: ++seq, event, at: "t", actor: 12, ...payload });

// One case per room event of docs/protocol.md §4: what the event does to a fresh state.
const CASES = {
  session_opened() {
    const s = stateFromHello(helloFrame({ state: "scheduled", extra: { current_phase: null, themes: [] } }));
    const themes = [{ id: 1, name: "Mutual mistrust" }, { id: 2, name: "Trauma" }];
    applyEvent(s, ev("session_opened", { opened_at: "t1", current_phase: { ...PHASES[0], started_at: "t1" }, themes }));
    applyEvent(s, ev("session_opened", { opened_at: "t1", themes })); // themes merged, never doubled
    assert.equal(s.session.state, "open");
    assert.equal(s.session.opened_at, "t1");
    assert.equal(s.currentPhase.id, 5);
    assert.deepEqual(s.themes.map((t) => t.id), [1, 2]);
  },
  session_closed() {
    const s = stateFromHello(helloFrame({ extra: { queue: [entry(8, ANA)], queue_current: entry(7, BEN, { status: "called" }), round: round([turn(11, ANA, "current", 1)], 11), reflection: { id: 2, started_at: "t", ends_at: "u" } } }));
    s.session.paused = true;
    applyEvent(s, ev("session_closed", { closed_at: "t9", commitments_until: "t10", purged: [1], archive_url: "/review/" }));
    assert.equal(s.session.state, "closed");
    assert.equal(s.session.closed_at, "t9");
    assert.equal(s.session.commitments_until, "t10");
    assert.equal(s.session.archive_url, "/review/");
    assert.equal(s.session.paused, false);
    assert.deepEqual([s.contributions, s.queue, s.note, s.round, s.reflection, s.queueCurrent], [[], [], null, null, null, null]);
  },
  session_paused() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("session_paused", { paused: true }));
    assert.equal(s.session.paused, true);
  },
  session_resumed() {
    const s = stateFromHello(helloFrame());
    s.session.paused = true;
    applyEvent(s, ev("session_resumed", { paused: false }));
    assert.equal(s.session.paused, false);
  },
  phase_changed() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("phase_changed", { current_phase: { ...PHASES[1], started_at: "t2" } }));
    assert.equal(s.currentPhase.title, "Closing");
  },
  contribution_added() {
    const s = stateFromHello(helloFrame());
    const mine = contribution(2, { author: BEN, acked_by_me: true });
    applyEvent(s, ev("contribution_added", { contribution: mine }));
    applyEvent(s, ev("contribution_added", { contribution: mine })); // upserted by id
    assert.deepEqual(s.contributions.map((c) => c.id), [1, 2]);
    assert.equal(s.contributions[1].acked_by_me, false); // computed here, never taken from the event
    assert.deepEqual(s.notYetSpoken, []); // Ben has spoken now
    // Anonymous words do not count as anyone having spoken.
    const t = stateFromHello(helloFrame());
    applyEvent(t, ev("contribution_added", { contribution: contribution(3, { author: HIDDEN, author_hidden: true, consent: "anonymous" }) }));
    assert.deepEqual(t.notYetSpoken, [ME]);
    // Bare: it only advances the seq.
    applyEvent(t, { type: "event", seq: ++seq, event: "contribution_added", at: "t", actor: null, contribution_id: 9 });
    assert.deepEqual(t.contributions.map((c) => c.id), [1, 3]);
  },
  contribution_edited() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("contribution_edited", { contribution_id: 1, text: "better words", edited_at: "t3", revisions: 1 }));
    assert.deepEqual([s.contributions[0].text, s.contributions[0].edited_at, s.contributions[0].revisions], ["better words", "t3", 1]);
    // A replay without text keeps the words the client has; an unknown id changes nothing.
    applyEvent(s, ev("contribution_edited", { contribution_id: 1, edited_at: "t4" }));
    applyEvent(s, ev("contribution_edited", { contribution_id: 99, text: "x" }));
    assert.equal(s.contributions[0].text, "better words");
  },
  contribution_withdrawn() {
    const s = stateFromHello(helloFrame({ extra: { contributions: [contribution(1), contribution(2, { reply_to: 1 })] } }));
    applyEvent(s, ev("acknowledgement_added", { contribution_id: 1, member_id: 30, display_name: "Dana Lee", reflection: "heard", acks: 1 }));
    // Bare, as a replay sends it: the id is enough.
    applyEvent(s, { type: "event", seq: ++seq, event: "contribution_withdrawn", at: "t", actor: null, contribution_id: 1 });
    assert.deepEqual(s.contributions.map((c) => c.id), [2]); // the reply stays
    assert.equal(s.ackReflections[1], undefined);
  },
  consent_changed() {
    const s = stateFromHello(helloFrame({ extra: { contributions: [contribution(1, { lang: "es" })] } }));
    applyEvent(s, ev("consent_changed", { contribution_id: 1, consent: "anonymous", author: HIDDEN, author_hidden: true, lang: "", actor: null }));
    assert.deepEqual([s.contributions[0].consent, s.contributions[0].author.id, s.contributions[0].author_hidden], ["anonymous", null, true]);
    assert.equal(s.contributions[0].lang, ""); // the language goes with the name
    applyEvent(s, ev("consent_changed", { contribution_id: 1, consent: "named", author: ANA, author_hidden: false, lang: "es" }));
    assert.deepEqual([s.contributions[0].author.display_name, s.contributions[0].author_hidden, s.contributions[0].lang], ["Ana Ruiz", false, "es"]);
    // A frame without ``lang`` (an older server) still never leaves it on hidden words.
    applyEvent(s, ev("consent_changed", { contribution_id: 1, consent: "anonymous", author: HIDDEN, author_hidden: true }));
    assert.equal(s.contributions[0].lang, "");
  },
  acknowledgement_added() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("acknowledgement_added", { contribution_id: 1, member_id: 30, display_name: "Dana Lee", reflection: "", acks: 1 }));
    assert.deepEqual([s.contributions[0].acks, s.contributions[0].acked_by_me, s.ackReflections[1]], [1, false, undefined]);
    applyEvent(s, ev("acknowledgement_added", { contribution_id: 1, member_id: ME, display_name: "Ben Okafor", reflection: "Trust came back slowly.", acks: 2 }));
    assert.deepEqual([s.contributions[0].acks, s.contributions[0].acked_by_me], [2, true]);
    assert.deepEqual(s.ackReflections[1], [{ display_name: "Ben Okafor", reflection: "Trust came back slowly." }]);
  },
  hand_raised() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("hand_raised", { entry: entry(8, ANA), queue: [entry(8, ANA)] }));
    assert.deepEqual(s.queue.map((e) => e.id), [8]);
  },
  hand_lowered() {
    const s = stateFromHello(helloFrame({ extra: { queue: [entry(8, ANA), entry(9, BEN)] } }));
    applyEvent(s, ev("hand_lowered", { entry_id: 8, queue: [entry(9, BEN)] }));
    assert.deepEqual(s.queue.map((e) => e.id), [9]);
  },
  queue_called() {
    const s = stateFromHello(helloFrame({ extra: { queue: [entry(8, ANA), entry(9, BEN)] } }));
    applyEvent(s, ev("queue_called", { entry: entry(8, ANA, { status: "called" }), queue: [entry(9, BEN)] }));
    assert.deepEqual([s.queue.map((e) => e.id), s.queueCurrent.id, s.queueCurrent.status], [[9], 8, "called"]);
  },
  queue_reordered() {
    const s = stateFromHello(helloFrame({ extra: { queue: [entry(8, ANA), entry(9, BEN)] } }));
    applyEvent(s, ev("queue_reordered", { queue: [entry(9, BEN), entry(8, ANA)] }));
    assert.deepEqual(s.queue.map((e) => e.id), [9, 8]);
  },
  queue_cleared() {
    const s = stateFromHello(helloFrame({ extra: { queue: [entry(8, ANA)] } }));
    applyEvent(s, ev("queue_cleared", { queue: [] }));
    assert.deepEqual(s.queue, []);
  },
  round_started() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("round_started", { round: round([turn(11, ANA, "current", 1), turn(12, BEN, "pending", 2)], 11) }));
    assert.equal(currentTurn(s.round).member.display_name, "Ana Ruiz");
  },
  turn_spoke() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("turn_spoke", { turn_id: 12, round: round([turn(12, BEN, "spoke", 1), turn(11, ANA, "current", 2)], 11) }));
    assert.equal(currentTurn(s.round).id, 11);
    assert.deepEqual(s.notYetSpoken, []); // a turn spoken counts as having spoken
  },
  turn_passed() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("turn_passed", { turn_id: 12, round: round([turn(12, BEN, "passed", 1), turn(11, ANA, "current", 2)], 11) }));
    assert.equal(s.round.turns[0].status, "passed");
    assert.deepEqual(s.notYetSpoken, [ME]); // passing is not speaking
  },
  turn_skipped() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("turn_skipped", { turn_id: 12, round: round([turn(12, BEN, "skipped", 1), turn(11, ANA, "current", 2)], 11) }));
    assert.deepEqual([s.round.turns[0].status, currentTurn(s.round).id], ["skipped", 11]);
  },
  turn_extended() {
    const s = stateFromHello(helloFrame());
    const longer = round([{ ...turn(11, ANA, "current", 1), ends_at: "2026-03-05T14:10:00+00:00" }], 11);
    applyEvent(s, ev("turn_extended", { turn_id: 11, round: longer }));
    assert.equal(currentTurn(s.round).ends_at, "2026-03-05T14:10:00+00:00");
  },
  round_ended() {
    const s = stateFromHello(helloFrame({ extra: { round: round([turn(12, BEN, "current", 1)], 12) } }));
    applyEvent(s, ev("round_ended", { round: round([turn(12, BEN, "spoke", 1)], null, "ended") }));
    assert.equal(s.round, null);
    assert.deepEqual(s.notYetSpoken, []);
  },
  reflection_started() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("reflection_started", { reflection: { id: 2, started_at: "t", ends_at: "u" } }));
    assert.equal(s.reflection.id, 2);
  },
  reflection_ended() {
    const s = stateFromHello(helloFrame({ extra: { reflection: { id: 3, started_at: "t", ends_at: "u" } } }));
    applyEvent(s, ev("reflection_ended", { reflection_id: 2 })); // an older one: the running one stays
    assert.equal(s.reflection.id, 3);
    applyEvent(s, ev("reflection_ended", { reflection_id: 3 }));
    assert.equal(s.reflection, null);
  },
  theme_created() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("theme_created", { theme: { id: 7, name: "Youth voice" } }));
    applyEvent(s, ev("theme_created", { theme: { id: 7, name: "Youth voice" } }));
    assert.deepEqual(s.themes.map((t) => t.name), ["Mutual mistrust", "Youth voice"]);
  },
  theme_tagged() {
    const s = stateFromHello(helloFrame());
    applyEvent(s, ev("theme_tagged", { contribution_id: 1, theme_id: 1, themes: [1] }));
    assert.deepEqual(s.contributions[0].themes, [1]);
  },
  theme_untagged() {
    const s = stateFromHello(helloFrame({ extra: { contributions: [contribution(1, { themes: [1, 4] })] } }));
    applyEvent(s, ev("theme_untagged", { contribution_id: 1, theme_id: 1, themes: [4] }));
    assert.deepEqual(s.contributions[0].themes, [4]);
  },
};

/** The event names of docs/protocol.md §4's table. */
function documentedEvents() {
  const doc = readFileSync(new URL("../../../docs/protocol.md", import.meta.url), "utf8");
  const section = doc.slice(doc.indexOf("## 4. Room events"), doc.indexOf("### 4.1"));
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
}

test("every room event the protocol documents has a case here, and no other", () => {
  const documented = documentedEvents();
  assert.ok(documented.length >= 26, `found only ${documented.length} events in docs/protocol.md §4`);
  assert.deepEqual(Object.keys(CASES).sort(), [...documented].sort());
});

for (const [name, check] of Object.entries(CASES)) {
  test(`event ${name}`, check);
}

test("every event arrives bare after close (and at a projector): it changes nothing", () => {
  const s = stateFromHello(helloFrame({ state: "closed", extra: { contributions: [], note: null } }));
  const before = JSON.stringify(s);
  for (const name of Object.keys(CASES)) {
    if (name === "session_closed") continue;
    applyEvent(s, { type: "event", seq: ++seq, event: name, at: "t", actor: null });
  }
  assert.equal(JSON.stringify(s), before);
});

test("an event this client does not know changes nothing", () => {
  const s = stateFromHello(helloFrame());
  const before = JSON.stringify(s);
  applyEvent(s, ev("something_new", { payload: 1 }));
  assert.equal(JSON.stringify(s), before);
});

// --- hello -------------------------------------------------------------------------------

test("a hello replaces the state wholesale, copying what it keeps", () => {
  const frame = helloFrame();
  const s = stateFromHello(frame);
  assert.equal(s.session.title, "Morning");
  assert.equal(s.you.member_id, ME);
  assert.deepEqual(s.phases.map((p) => p.id), [5, 6]);
  assert.equal(s.currentPhase.id, 5);
  assert.deepEqual(s.present.map((m) => m.id), [12, ME]);
  assert.deepEqual(s.contributions.map((c) => c.id), [1]);
  assert.deepEqual([s.queue, s.queueCurrent, s.round, s.reflection, s.signals, s.commitment], [[], null, null, null, [], null]);
  assert.deepEqual(s.notYetSpoken, [ME]);
  assert.equal(s.note.text, "my note");
  assert.deepEqual(s.ackReflections, {});
  // Changing the state never changes the frame it came from.
  s.session.paused = true;
  assert.equal(frame.session.paused, false);
});

test("a hello keeps no bare contribution, and a closed session's hello no words at all", () => {
  const bare = stateFromHello(helloFrame({ extra: { contributions: [contribution(1), { kind: "story" }, { id: 4 }] } }));
  assert.deepEqual(bare.contributions.map((c) => c.id), [1]);
  const closed = stateFromHello(helloFrame({ state: "closed" }));
  assert.deepEqual([closed.contributions, closed.note], [[], null]);
});

test("a presence frame is the whole list: newcomers, leavers, twins and not yet spoken", () => {
  const s = stateFromHello(helloFrame());
  applyPresence(s, [DANA, ANA, BEN, DANA].slice(0, 3));
  assert.deepEqual(s.present.map((m) => m.display_name), ["Ana Ruiz", "Ben Okafor", "Dana Lee"]);
  // A newcomer who has not spoken joins the facilitators' "not yet spoken"; Ana already has words here.
  assert.deepEqual(s.notYetSpoken, [ME, 30]);
  applyPresence(s, [ANA, BEN, DANA]); // the same list again (another process told it too): nothing changes
  assert.deepEqual(s.notYetSpoken, [ME, 30]);
  applyPresence(s, [ANA]); // Ben and Dana left
  assert.deepEqual(s.present.map((m) => m.id), [12]);
  assert.deepEqual(s.notYetSpoken, []);
});

test("not_yet_spoken is null for a member who does not run the room", () => {
  const s = stateFromHello(helloFrame({ facilitator: false }));
  assert.equal(s.notYetSpoken, null);
  applyPresence(s, [ANA, BEN, DANA]);
  applyEvent(s, ev("contribution_added", { contribution: contribution(2, { author: DANA }) }));
  assert.equal(s.notYetSpoken, null);
});

test("a projector's public hello fills in every field the room reads", () => {
  const s = stateFromHello({
    type: "hello", last_seq: 57, server_time: "t",
    session: { id: 3, title: "Morning", question: "?", prompts: [], state: "open", paused: false },
    you: { view: "projector", actions: ["heartbeat", "resume"] },
    state: { server_time: "t", phases: PHASES, current_phase: null, present: [ANA], queue: [], queue_current: null, round: null, reflection: null },
  });
  assert.deepEqual([s.contributions, s.themes, s.signals, s.notYetSpoken, s.note, s.commitment], [[], [], [], null, null, null]);
  applyEvent(s, { type: "event", seq: 58, event: "contribution_added", at: "t", actor: null });
  assert.deepEqual(s.contributions, []);
});

// --- resume: the reducer behind the connection ---------------------------------------------

const { RoomConnection } = await import("../../../static/js/room/connection.js");

/** A room page's connection feeding the reducer, joined (hello at seq 5); stopped when the test ends. */
function joinedRoom(t, key) {
  const room = { state: null, hellos: 0 };
  const connection = new RoomConnection({
    url: "ws://test/ws/sessions/3/",
    sessionId: key,
    onHello: (frame) => {
      room.hellos += 1;
      room.state = stateFromHello(frame);
    },
    onEvent: (frame) => applyEvent(room.state, frame),
  });
  connection.start();
  t.after(() => connection.stop());
  const socket = FakeSocket.all.at(-1);
  socket.serverSends(helloFrame());
  socket.sent.length = 0; // the resume every hello is followed by
  return { room, connection, socket };
}

const added = (n, id) => ({ type: "event", seq: n, event: "contribution_added", at: "t", actor: 12, contribution: contribution(id) });

test("a gap is resumed and the replay lands in order; live events met again do no harm", (t) => {
  const { room, connection, socket } = joinedRoom(t, "resume-a");
  socket.serverSends(added(6, 2));
  socket.serverSends(added(8, 4)); // 7 was dropped: held back, and a resume asked for
  assert.deepEqual(room.state.contributions.map((c) => c.id), [1, 2]);
  assert.deepEqual(socket.sent.filter((f) => f.type === "resume").map((f) => f.since), [6]);
  // The replay: 7 and 8 again, then resumed.
  socket.serverSends(added(7, 3));
  socket.serverSends(added(8, 4));
  socket.serverSends({ type: "resumed", last_seq: 8 });
  socket.serverSends(added(6, 2));
  assert.deepEqual(room.state.contributions.map((c) => c.id), [1, 2, 3, 4]);
  assert.equal(connection.lastSeq, 8);
});

test("after a reconnect the fresh hello replaces the state, and the events after it bring it up to date", (t) => {
  const { room, connection, socket } = joinedRoom(t, "resume-b");
  socket.serverSends(added(6, 2));
  socket.close(4401); // rights changed: at once, a fresh hello with what this person may now see
  const next = FakeSocket.all.at(-1);
  assert.notEqual(next, socket);
  next.serverSends(helloFrame({ extra: { contributions: [contribution(1, { author: HIDDEN, author_hidden: true, consent: "anonymous" })] } }));
  assert.equal(room.hellos, 2);
  assert.deepEqual(room.state.contributions.map((c) => c.author.display_name), ["Anonymous"]);
  // No resume: the server sends every event after the hello's seq, as the person may see them now.
  assert.deepEqual(next.sent.filter((f) => f.type === "resume"), []);
  next.serverSends(added(6, 2));
  assert.deepEqual(room.state.contributions.map((c) => c.id), [1, 2]);
  assert.equal(connection.lastSeq, 6);
});
