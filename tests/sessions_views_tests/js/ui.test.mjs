// The room client's layout and its panels' pure helpers (static/js/room/ui/*.js), run under
// Node with no page: every module loads without touching the DOM, and what the panels say
// (turns, timers, the queue, the closing form, the console's bounds) is checked as data.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { test } from "node:test";

const ROOT = new URL("../../../static/js/", import.meta.url);

function sources(dir = ROOT) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const url = new URL(name, dir);
    if (statSync(url).isDirectory()) found.push(...sources(new URL(`${name}/`, dir)));
    else if (name.endsWith(".js")) found.push(url);
  }
  return found;
}

// The room's client, imported before any page-like global exists: a module that read the
// DOM (or the room's config) at import would throw here.
const modules = {};
for (const url of sources(new URL("room/", ROOT))) modules[url.pathname.slice(ROOT.pathname.length)] = await import(url);

const room = modules["room/room.js"];
const projector = modules["room/projector.js"];
const dom = modules["room/dom.js"];
const ui = Object.fromEntries(
  Object.entries(modules)
    .filter(([path]) => path.startsWith("room/ui/"))
    .map(([path, mod]) => [path.slice("room/ui/".length, -".js".length), mod]),
);

const LIMITS = {
  text: 4000, note: 4000, commitment: 2000, ack_reflection: 280, theme_name: 60,
  timer_seconds_min: 10, timer_seconds_max: 3600, extend_seconds_min: 1, extend_seconds_max: 3600,
};
const LABELS = {
  kind: { story: "Story", reflection: "Reflection", response: "Response", question: "Question" },
  stakeholder_role: { community_leader: "Community leader", law_enforcement: "Law enforcement" },
  attribution: { named: "On the record, named", anonymous: "Anonymous (no name, role or team)" },
  queue_kind: { new_point: "New point", direct_reply: "Direct reply" },
  exchange_role: { facilitator: "Facilitator", scribe: "Scribe", participant: "Participant" },
};
const ANA = { id: 12, display_name: "Ana Ruiz", team: { id: 4, name: "Riverton, OH" }, stakeholder_role: "community_leader" };
const BEN = { id: 19, display_name: "Ben Okafor", team: null, stakeholder_role: "law_enforcement" };

function baseState(extra = {}) {
  return {
    session: { state: "open", paused: false, commitments_until: null },
    you: { member_id: 19, actions: ["contribute"], is_facilitator: true },
    phases: [], currentPhase: null, present: [ANA, BEN], contributions: [], queue: [], queueCurrent: null,
    round: null, reflection: null, themes: [], notYetSpoken: null, note: null, commitment: null, signals: [], ackReflections: {},
    ...extra,
  };
}

test("every room module loads without a page, and no client source is over 600 lines", () => {
  assert.ok(Object.keys(modules).length >= 20);
  for (const url of sources()) {
    const lines = readFileSync(url, "utf8").split("\n").length;
    assert.ok(lines <= 600, `${url.pathname} has ${lines} lines`);
  }
  // Every panel draws with render(state, ctx).
  for (const [name, mod] of Object.entries(ui)) {
    if (name === "announcements" || name === "contribution_forms") continue;
    assert.equal(typeof mod.render, "function", `ui/${name}.js has no render`);
  }
});

test("the client keeps no copy of the server's choice labels", () => {
  assert.equal(dom.KIND_LABELS, undefined);
  assert.equal(dom.STAKEHOLDER_LABELS, undefined);
  for (const url of sources()) {
    const text = readFileSync(url, "utf8");
    for (const label of ['"Community leader"', '"Elected official"', '"On the record, named"', '"Story"']) {
      assert.ok(!text.includes(label), `${url.pathname} copies ${label}`);
    }
  }
});

test("labels come from the config, falling back to the value itself", () => {
  assert.equal(dom.labelFor(LABELS.kind, "story"), "Story");
  assert.equal(dom.labelFor(LABELS.kind, "poem"), "poem");
  assert.equal(dom.labelFor(undefined, "story"), "story");
  assert.equal(dom.labelFor(LABELS.kind, "constructor"), "constructor");
  assert.equal(dom.describeMember(ANA, LABELS.stakeholder_role), "Community leader, Riverton, OH");
  assert.equal(dom.describeMember({ ...BEN, stakeholder_role: null }, LABELS.stakeholder_role), "Member");
  // Facilitators and scribes are shown in that role, not as their stakeholder role.
  const kathleen = { ...ANA, exchange_role: "facilitator", stakeholder_role: "law_enforcement" };
  assert.equal(dom.describeMember(kathleen, LABELS.stakeholder_role, LABELS.exchange_role), "Facilitator, Riverton, OH");
  assert.equal(
    dom.describeMember({ ...ANA, exchange_role: "participant" }, LABELS.stakeholder_role, LABELS.exchange_role),
    "Community leader, Riverton, OH",
  );
});

test("small words: excerpts, durations, times ago, timer keys", () => {
  assert.equal(dom.excerpt("  one\n two  "), "one two");
  assert.equal(dom.excerpt("x".repeat(100), 10), `${"x".repeat(9)}…`);
  assert.equal(dom.formatDuration(125), "2:05");
  assert.equal(dom.spokenDuration(61), "1 minute 1 second");
  assert.equal(dom.spokenDuration(0), "0 seconds");
  const clock = { secondsSince: (iso) => ({ a: 5, b: 60, c: 180 })[iso] ?? null };
  assert.deepEqual(["a", "b", "c", "x"].map((iso) => dom.timeAgo(clock, iso)), ["just now", "1 minute ago", "3 minutes ago", ""]);
  // An extended turn can run out again: its key changes with its end time.
  assert.notEqual(dom.turnKey({ id: 1, ends_at: "t1" }), dom.turnKey({ id: 1, ends_at: "t2" }));
});

test("the room's context takes its limits and labels from the config", () => {
  globalThis.document = { getElementById: () => null };
  const ctx = room.createContext({ session_id: 3, member_id: 19, can_facilitate: true, limits: LIMITS, labels: LABELS });
  assert.equal(ctx.limits.text, 4000);
  assert.equal(ctx.labels.kind.story, "Story");
  assert.equal(ctx.noteKey, "cg.note.3.19");
  assert.equal(ctx.may("contribute"), false); // nothing before the hello
  ctx.state = baseState();
  assert.equal(ctx.may("contribute"), true);
  assert.equal(ctx.may("session_open"), false);
  assert.equal(ctx.runsRoom(), true);
  ctx.connection = { sendAction: () => null };
  assert.equal(ctx.act({ type: "pause" }, null), null);
  delete globalThis.document;
});

test("announcements: turns, phases, reflections, the pause and the floor", () => {
  const { snapshot, announcementsFor } = ui.announcements;
  const clock = { secondsUntil: () => 180, announced: (key) => key === "reflection-9" };
  const before = snapshot(baseState());
  const turnRound = (who) => ({ turns: [{ id: 11, member: who, position: 1, status: "current" }], current_turn_id: 11 });
  const texts = (frame, state) => announcementsFor(frame, before, state, clock);
  assert.deepEqual(texts({ event: "round_started" }, baseState({ round: turnRound(ANA) })), [
    ["A go-around has started.", {}],
    ["It is now Ana Ruiz's turn.", {}],
  ]);
  assert.deepEqual(texts({ event: "turn_passed" }, baseState({ round: turnRound(BEN) })), [
    ["Your turn. When you have finished, choose I'm done, or Pass.", { urgent: true }],
  ]);
  assert.deepEqual(texts({ event: "phase_changed" }, baseState({ currentPhase: { id: 6, title: "Closing" } })), [["Now: Closing.", {}]]);
  assert.deepEqual(texts({ event: "reflection_started" }, baseState({ reflection: { id: 2, ends_at: "u" } })), [
    ["Quiet reflection has begun, for 3 minutes. Your notes are private.", {}],
  ]);
  // A reflection whose end was already said as its timer ran out is not said again.
  assert.deepEqual(texts({ event: "reflection_ended", reflection_id: 9 }, baseState()), []);
  assert.deepEqual(texts({ event: "reflection_ended", reflection_id: 2 }, baseState()), [["Quiet reflection has ended.", {}]]);
  assert.deepEqual(texts({ event: "session_paused" }, baseState()), [["The room is paused.", { urgent: true }]]);
  assert.deepEqual(texts({ event: "queue_called", entry: { member: BEN } }, baseState()), [["You have the floor.", { urgent: true }]]);
  assert.deepEqual(texts({ event: "queue_called", entry: { member: ANA } }, baseState()), [["Ana Ruiz has the floor.", { urgent: false }]]);
  assert.match(texts({ event: "session_closed" }, baseState())[0][0], /now only on the review page/);
});

test("status: the session badge and the words the composer shows under the form", () => {
  assert.equal(ui.status.sessionBadgeText({ state: "scheduled" }), "Session not yet open");
  assert.equal(ui.status.sessionBadgeText({ state: "open", paused: true }), "Session open · paused");
  assert.ok(ui.status.WORD_PANELS.includes("compose-panel"));
  assert.match(ui.composer.composeNote({ state: "closed" }), /no longer taken/);
  assert.match(ui.composer.composeNote({ state: "open", paused: true }), /held/);
  assert.equal(ui.composer.composeNote({ state: "open", paused: false }), "");
  assert.deepEqual(ui.composer.counterText(3800, 4000), { text: "3800 of 4000 characters", flag: false, over: false });
  assert.deepEqual(ui.composer.counterText(3801, 4000), { text: "3801 of 4000 characters", flag: true, over: false });
  assert.deepEqual(ui.composer.counterText(4000, 4000), { text: "4000 of 4000 characters", flag: true, over: false });
  // Over the limit: kept whole, counted, and said how far over.
  assert.deepEqual(ui.composer.counterText(5520, 4000), { text: "5520 of 4000 characters: 1520 too many", flag: true, over: true });
});

test("agenda: the phase's minutes against the plan", () => {
  const open = baseState({ currentPhase: { id: 5, title: "Opening round", planned_minutes: 1, started_at: "t" } });
  assert.deepEqual(ui.agenda.phaseProgress(open, 59), { text: "Opening round: 0 of 1 minutes", over: false });
  assert.deepEqual(ui.agenda.phaseProgress(open, 61), { text: "Opening round: 1 of 1 minutes (over the planned time)", over: true });
  assert.equal(ui.agenda.phaseProgress(baseState({ session: { state: "closed" } }), 0).text, "The session has closed.");
  assert.equal(ui.agenda.phaseProgress(baseState({ session: { state: "scheduled" } }), 0).text, "Not started.");
  assert.equal(ui.agenda.phaseProgress(baseState(), 0), null);
});

test("round: whose turn, and the reflection's countdown", () => {
  const turns = [
    { id: 11, member: ANA, position: 1, status: "spoke" },
    { id: 12, member: BEN, position: 2, status: "current" },
  ];
  assert.equal(ui.round.roundStatus(null, 19), "No go-around under way.");
  assert.equal(ui.round.roundStatus({ turns, current_turn_id: 12 }, 19), "Your turn (2 of 2).");
  assert.equal(ui.round.roundStatus({ turns, current_turn_id: 12 }, 12), "It is Ben Okafor's turn (2 of 2).");
  assert.equal(ui.round.roundStatus({ turns, current_turn_id: null }, 19), "The go-around is finishing.");
  assert.equal(ui.reflection.countdownText(75), "1:15 of quiet reflection left");
  assert.match(ui.reflection.countdownText(0), /^Quiet reflection has ended/);
});

test("queue: moving an entry up or down", () => {
  const queue = [{ id: 8 }, { id: 9 }, { id: 10 }];
  assert.deepEqual(ui.queue.reorderedIds(queue, 9, -1), [9, 8, 10]);
  assert.deepEqual(ui.queue.reorderedIds(queue, 9, 1), [8, 10, 9]);
  assert.equal(ui.queue.reorderedIds(queue, 8, -1), null);
  assert.equal(ui.queue.reorderedIds(queue, 10, 1), null);
  assert.equal(ui.queue.reorderedIds(queue, 99, 1), null);
});

test("contributions: the reply line and who heard", () => {
  assert.equal(ui.contributions.replyLine({ author: ANA, text: "We walked the beat." }), "Ana Ruiz: “We walked the beat.”");
  assert.equal(ui.contributions.replyLine({ author: { id: null, display_name: "Anonymous" }, author_hidden: true, text: "x" }), "Anonymous: “x”");
  assert.equal(ui.contributions.replyLine(null), "a contribution that was withdrawn");
  assert.equal(ui.contributions.heardBy({ acks: 1, acked_by_me: false }), "Heard by 1 person");
  assert.equal(ui.contributions.heardBy({ acks: 3, acked_by_me: true }), "Heard by 3 people, including you");
});

test("commitment: the form in the closing phase and while the window after close is open", () => {
  const phases = [{ id: 5 }, { id: 6 }];
  const now = Date.parse("2026-03-05T15:00:00Z");
  const view = (extra) => ui.commitment.closingView(baseState({ phases, ...extra }), now);
  assert.deepEqual(view({ currentPhase: { id: 5 } }), { panel: false, form: false, kept: false, checkin: false });
  assert.deepEqual(view({ currentPhase: { id: 6 } }), { panel: true, form: true, kept: false, checkin: false });
  const closed = (until, commitment = { id: 7, text: "Listen" }) => ({ session: { state: "closed", commitments_until: until }, commitment });
  assert.deepEqual(view(closed("2026-03-06T15:00:00Z")), { panel: true, form: true, kept: false, checkin: true });
  assert.deepEqual(view(closed("2026-03-05T14:00:00Z")), { panel: true, form: false, kept: true, checkin: true });
  assert.deepEqual(view(closed("2026-03-05T14:00:00Z", null)), { panel: false, form: false, kept: false, checkin: false });
  // No phases: any time while open.
  assert.equal(ui.commitment.closingView(baseState(), now).form, true);
});

test("console: timer bounds from the config's limits, and the arranged order", () => {
  assert.equal(ui.console.wholeWithin(60, LIMITS.extend_seconds_min, LIMITS.extend_seconds_max), true);
  assert.equal(ui.console.wholeWithin(0, LIMITS.extend_seconds_min, LIMITS.extend_seconds_max), false);
  assert.equal(ui.console.wholeWithin(1.5, 1, 3600), false);
  assert.equal(ui.console.wholeWithin(3601, 10, 3600), false);
  assert.equal(ui.console.reflectionSeconds(3, LIMITS), 180);
  assert.equal(ui.console.reflectionSeconds(60, LIMITS), 3600);
  assert.equal(ui.console.reflectionSeconds(61, LIMITS), null);
  assert.equal(ui.console.reflectionSeconds(0, LIMITS), null);
  assert.equal(ui.console.reflectionSeconds(Number.NaN, LIMITS), null);
  assert.equal(ui.console.reflectionSeconds(5, { ...LIMITS, timer_seconds_max: 120 }), null);
  assert.deepEqual(ui.console.mergeArranged([3, 1, 2], [1, 2, 4]), [1, 2, 4]);
  assert.deepEqual(ui.console.mergeArranged([2, 1], [1, 2, 4]), [2, 1, 4]);
});

test("console: themes' counts, who has not spoken, pause signals", () => {
  const themes = [{ id: 1 }, { id: 2 }];
  const counts = ui.themes.taggedCounts(themes, [{ themes: [1] }, { themes: [1, 2] }, {}]);
  assert.deepEqual([...counts], [[1, 2], [2, 1]]);
  assert.deepEqual(ui.not_spoken.notSpokenNames(baseState({ notYetSpoken: [19, 99, 12] })), ["Ben Okafor", "Ana Ruiz"]);
  assert.deepEqual(ui.not_spoken.notSpokenNames(baseState()), []);
  const state = baseState();
  const signal = { id: 3, member: ANA, created_at: "t" };
  ui.signals.applySignal(state, { type: "signal", kind: "pause_request", signal });
  ui.signals.applySignal(state, { type: "signal", kind: "pause_request", signal });
  assert.deepEqual(state.signals.map((s) => s.id), [3]);
  ui.signals.applySignal(state, { type: "signal", kind: "signal_dismissed", signal_id: 3 });
  assert.deepEqual(state.signals, []);
});

test("projector: only public state, who has the floor, the queue in the server's words", () => {
  const full = baseState({ contributions: [{ id: 1, text: "words" }], note: { text: "mine" }, themes: [{ id: 1 }], notYetSpoken: [19] });
  const shown = projector.publicOnly(full);
  assert.deepEqual([shown.contributions, shown.note, shown.themes, shown.notYetSpoken, shown.you.member_id], [[], null, [], null, null]);
  assert.ok(!JSON.stringify(shown).includes("words"));
  const turn = { id: 11, member: ANA, position: 1, status: "current" };
  assert.equal(projector.speakerName(baseState({ round: { turns: [turn], current_turn_id: 11 } })), "Ana Ruiz");
  assert.equal(projector.speakerName(baseState({ queueCurrent: { member: BEN, status: "called" } })), "Ben Okafor");
  assert.equal(projector.speakerName(baseState()), "—");
  assert.equal(projector.queueKindSuffix("direct_reply", LABELS.queue_kind), " · direct reply");
  assert.equal(projector.queueKindSuffix("new_point", LABELS.queue_kind), " · new point");
});
