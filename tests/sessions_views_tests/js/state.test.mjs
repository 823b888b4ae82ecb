// The room's state rules for words and who said them (docs/protocol.md §3–4), run under Node.
import assert from "node:assert/strict";
import { test } from "node:test";

const { applyEvent, authorName, isAuthorHidden, isOwnContribution, memberName, stateFromHello } = await import(
  "../../../static/js/room/state.js"
);

const ANA = { id: 12, display_name: "Ana Ruiz", team: { id: 4, name: "Riverton, OH" }, stakeholder_role: "community_leader", exchange_role: "participant" };
const HIDDEN = { id: null, display_name: "Anonymous", team: null, stakeholder_role: null, exchange_role: null };

function contribution(id, extra = {}) {
  return { id, author: ANA, captured_by: null, kind: "story", text: `words ${id}`, reply_to: null, consent: "named", acks: 0, themes: [], ...extra };
}

function hello({ state = "open", contributions = [contribution(1)], note = { text: "private", updated_at: null }, me = 19 } = {}) {
  return stateFromHello({
    type: "hello",
    last_seq: 5,
    session: { id: 3, state, attribution_default: "named" },
    you: { member_id: me, actions: [] },
    state: { contributions, note, present: [ANA], queue: [], themes: [] },
  });
}

test("a contribution_added without a contribution only advances the seq", () => {
  const state = hello();
  applyEvent(state, { type: "event", seq: 6, event: "contribution_added", actor: null, contribution_id: 7 });
  applyEvent(state, { type: "event", seq: 7, event: "contribution_added", actor: null });
  // A projector's bare contribution: no id, no words.
  applyEvent(state, { type: "event", seq: 8, event: "contribution_added", actor: null, contribution: { kind: "story" } });
  assert.deepEqual(state.contributions.map((c) => c.id), [1]);
});

test("an edit without text (a replay) keeps the current words", () => {
  const state = hello();
  applyEvent(state, { type: "event", seq: 6, event: "contribution_edited", contribution_id: 1, actor: null });
  assert.equal(state.contributions[0].text, "words 1");
  applyEvent(state, { type: "event", seq: 7, event: "contribution_edited", contribution_id: 1, text: "new", edited_at: "t", revisions: 1 });
  assert.equal(state.contributions[0].text, "new");
});

test("withdrawn words leave at once, with what people heard in them", () => {
  const state = hello({ contributions: [contribution(1), contribution(2, { reply_to: 1 })] });
  applyEvent(state, { type: "event", seq: 6, event: "acknowledgement_added", contribution_id: 1, member_id: 19, display_name: "Ben", reflection: "heard", acks: 1 });
  assert.equal(state.ackReflections[1].length, 1);
  applyEvent(state, { type: "event", seq: 7, event: "contribution_withdrawn", contribution_id: 1, actor: null });
  assert.deepEqual(state.contributions.map((c) => c.id), [2]);
  assert.equal(state.ackReflections[1], undefined);
});

test("an anonymous contribution names nobody and is never the reader's own", () => {
  const state = hello({ contributions: [contribution(1, { author: HIDDEN, author_hidden: true, consent: "anonymous" })], me: 19 });
  const c = state.contributions[0];
  assert.equal(isAuthorHidden(c), true);
  assert.equal(authorName(c), "Anonymous");
  assert.equal(isOwnContribution(c, 19), false);
  // Even a reader with no member id (null === null) does not own it.
  assert.equal(isOwnContribution(c, null), false);
  // A null actor, or the hidden author's null id, never looks up a name.
  assert.equal(memberName(state, null), "someone");
});

test("consent_changed replaces the author as this reader may now see them", () => {
  const state = hello();
  applyEvent(state, { type: "event", seq: 6, event: "consent_changed", contribution_id: 1, consent: "anonymous", author: HIDDEN, author_hidden: true, actor: null });
  let c = state.contributions[0];
  assert.equal(c.consent, "anonymous");
  assert.equal(authorName(c), "Anonymous");
  assert.equal(c.author.team, null);
  applyEvent(state, { type: "event", seq: 7, event: "consent_changed", contribution_id: 1, consent: "named", author: ANA, author_hidden: false, actor: 12 });
  c = state.contributions[0];
  assert.equal(authorName(c), "Ana Ruiz");
  assert.equal(isOwnContribution(c, 12), true);
  // Without author_hidden, a null author id is enough to hide.
  applyEvent(state, { type: "event", seq: 8, event: "consent_changed", contribution_id: 1, consent: "anonymous", author: HIDDEN });
  assert.equal(isAuthorHidden(state.contributions[0]), true);
});

test("session_closed forgets every word: contributions, heard reflections, the note; hands, round and pause go", () => {
  const state = hello();
  state.queue = [{ id: 1 }];
  state.session.paused = true;
  applyEvent(state, { type: "event", seq: 6, event: "acknowledgement_added", contribution_id: 1, member_id: 19, display_name: "Ben", reflection: "heard", acks: 1 });
  applyEvent(state, { type: "event", seq: 7, event: "session_closed", closed_at: "t", commitments_until: "u", purged: [], archive_url: "/sessions/3/archive/review/", actor: 9 });
  assert.deepEqual(state.contributions, []);
  assert.deepEqual(state.ackReflections, {});
  assert.equal(state.note, null);
  assert.deepEqual(state.queue, []);
  assert.equal(state.session.paused, false);
  assert.equal(state.session.archive_url, "/sessions/3/archive/review/");
  assert.ok(!JSON.stringify(state).includes("words 1"));
  // Nothing about words is taken in after close, even if it arrives.
  applyEvent(state, { type: "event", seq: 8, event: "contribution_added", contribution: contribution(5) });
  assert.deepEqual(state.contributions, []);
});

test("a hello of a closed session holds no words even if some were sent", () => {
  const state = hello({ state: "closed" });
  assert.deepEqual(state.contributions, []);
  assert.equal(state.note, null);
});

test("after close every event but session_closed is bare: presence, hands and turns only advance the seq", () => {
  const state = hello({ state: "closed", contributions: [], note: null });
  for (const event of ["presence_joined", "presence_left", "hand_raised", "queue_called", "round_started", "turn_spoke", "reflection_started", "theme_created", "consent_changed", "acknowledgement_added"]) {
    applyEvent(state, { type: "event", seq: 6, event, at: "t", actor: null });
  }
  assert.deepEqual(state.present.map((m) => m.id), [12]);
  assert.deepEqual(state.queue, []);
  assert.equal(state.round ?? null, null);
});
