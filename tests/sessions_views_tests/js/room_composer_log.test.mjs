// The composer's keys, limit and kept draft (with the consent it was written under); new
// contributions said in the log region, and taken out of it as soon as the words change; what
// the device forgets on arriving at a page; and a silent socket noticed within two heartbeats.
// Run under Node with no page.
import assert from "node:assert/strict";
import { test } from "node:test";

import { FakeSocket, store } from "./fake_browser.mjs";

globalThis.crypto ??= (await import("node:crypto")).webcrypto;
const { Draft } = await import("../../../static/js/room/draft.js");
const { charCount, overLimitMessage } = await import("../../../static/js/room/dom.js");
const composer = await import("../../../static/js/room/ui/composer.js");
const log = await import("../../../static/js/room/ui/contribution_log.js");
const { RoomConnection, silenceVerdict } = await import("../../../static/js/room/connection.js");
const { OWNER_KEY, forgetEverything, forgetOthersOnArrival } = await import("../../../static/js/storage.js");
const { applyEvent } = await import("../../../static/js/room/state.js");

class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  get length() {
    return this.map.size;
  }
  key(i) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.map.delete(k);
  }
}

test("Enter shares; Shift+Enter, Alt+Enter and Enter while an input method composes do not", () => {
  const key = (extra) => ({ key: "Enter", shiftKey: false, altKey: false, isComposing: false, keyCode: 13, ...extra });
  assert.equal(composer.sendsOnKey(key()), true);
  assert.equal(composer.sendsOnKey(key({ ctrlKey: true })), true);
  assert.equal(composer.sendsOnKey(key({ shiftKey: true })), false);
  assert.equal(composer.sendsOnKey(key({ altKey: true })), false);
  assert.equal(composer.sendsOnKey(key({ isComposing: true })), false);
  assert.equal(composer.sendsOnKey(key({ keyCode: 229 })), false);
  assert.equal(composer.sendsOnKey(key({ key: "a" })), false);
});

test("on a touch screen Enter starts a new line; Ctrl or Cmd+Enter from a keyboard still shares", () => {
  const key = (extra) => ({ key: "Enter", shiftKey: false, altKey: false, isComposing: false, keyCode: 13, ...extra });
  assert.equal(composer.sendsOnKey(key(), { touch: true }), false);
  assert.equal(composer.sendsOnKey(key({ ctrlKey: true }), { touch: true }), true);
  assert.equal(composer.sendsOnKey(key({ metaKey: true }), { touch: true }), true);
  assert.equal(composer.sendsOnKey(key({ ctrlKey: true, isComposing: true }), { touch: true }), false);
  const screen = (coarse) => ({ matchMedia: (query) => ({ matches: coarse || query.includes("hover") }) });
  assert.equal(composer.touchFirst(screen(true)), true);
  assert.equal(composer.touchFirst(screen(false)), false);
  assert.equal(composer.touchFirst({}), false);
});

test("text over the limit is counted as the server counts it and flagged, never cut", () => {
  assert.equal(charCount("  héllo 👋  "), 7); // code points after trimming: the emoji is one
  assert.equal(overLimitMessage(4000, 4000), "");
  assert.equal(
    overLimitMessage(5520, 4000),
    "This is 1520 characters over the 4000-character limit. Nothing has been cut: shorten it to share.",
  );
  assert.match(overLimitMessage(4001, 4000), /^This is 1 character over/);
  assert.equal(composer.counterText(5520, 4000).over, true);
});

test("a draft is kept per session and person, restored, and removed only once its send is acknowledged", () => {
  const storage = new MemoryStorage();
  const draft = new Draft("3.12", storage);
  assert.equal(draft.key, "cg.draft.3.12");
  assert.equal(draft.restore(() => false), null);
  draft.keep("Half a thought", { consent: "named" });
  // Another person on the same laptop, or another session, has a draft of their own.
  assert.equal(new Draft("3.19", storage).restore(() => false), null);
  assert.equal(new Draft("3.12", storage).restore(() => false).text, "Half a thought");
  // Emptying the box forgets an unsent draft.
  draft.keep("   ");
  assert.equal(storage.getItem("cg.draft.3.12"), null);

  // Shared: kept (with its client_id) until the server acknowledges it, never put back in the box.
  draft.keep("The whole thought");
  draft.sent("The whole thought", "c-1");
  assert.ok(storage.getItem("cg.draft.3.12"));
  draft.keep(""); // the box was emptied by the send: the sent draft stays until its ack
  assert.ok(storage.getItem("cg.draft.3.12"));
  assert.equal(draft.restore((id) => id === "c-1"), null); // the outbox still sends it: not restored, kept
  assert.ok(storage.getItem("cg.draft.3.12"));
  draft.acknowledged("c-other");
  assert.ok(storage.getItem("cg.draft.3.12"));
  draft.acknowledged("c-1");
  assert.equal(storage.getItem("cg.draft.3.12"), null);

  // Sent, then the tab closed before the ack; the outbox has since delivered it: nothing comes back.
  draft.sent("Delivered meanwhile", "c-2");
  assert.equal(draft.restore(() => false), null);
  assert.equal(storage.getItem("cg.draft.3.12"), null);

  // Signing out removes it with every other Common Ground key.
  draft.keep("Written on a shared laptop");
  forgetEverything(storage);
  assert.equal(new Draft("3.12", storage).restore(() => false), null);
});

test("a draft keeps the consent it was written under and the contribution it replies to", () => {
  const storage = new MemoryStorage();
  const draft = new Draft("3.12", storage);
  draft.keep("Said off the record.", { consent: "off_record", replyTo: 41 });
  assert.deepEqual(JSON.parse(storage.getItem("cg.draft.3.12")), {
    text: "Said off the record.",
    client_id: null,
    consent: "off_record",
    reply_to: 41,
  });
  assert.deepEqual(new Draft("3.12", storage).restore(() => false), {
    text: "Said off the record.",
    consent: "off_record",
    replyTo: 41,
  });
  // A draft kept before consents were kept, or with a consent that is not a string: none is restored.
  storage.setItem("cg.draft.3.12", JSON.stringify({ text: "Written as Anonymous.", client_id: null }));
  assert.deepEqual(draft.restore(() => false), { text: "Written as Anonymous.", consent: null, replyTo: null });
  storage.setItem("cg.draft.3.12", JSON.stringify({ text: "Odd.", consent: { named: true }, reply_to: "7" }));
  assert.deepEqual(draft.restore(() => false), { text: "Odd.", consent: null, replyTo: null });
  assert.equal(composer.restoredLine("Off the record"), "Restored draft — it will be shared as: Off the record");
  assert.equal(composer.restoredLine(""), "Restored draft — choose how it may be attributed before sharing it.");
});

const ANA = { id: 12, display_name: "Ana Ruiz", team: { id: 4, name: "Team Tulsa" } };
const ME = { id: 19, display_name: "Ben Okafor", team: null };
const HIDDEN = { id: null, display_name: "Anonymous", team: null };

function roomState(contributions, extra = {}) {
  return { session: { state: "open" }, you: { member_id: 19 }, contributions, ...extra };
}

function added(c, at = "now") {
  return { type: "event", event: "contribution_added", seq: 1, at, contribution: c };
}

test("new contributions from others are news; one's own, captured, old, bare or closed ones are not", () => {
  const fresh = () => 2;
  const theirs = { id: 1, author: ANA, author_hidden: false, captured_by: null, text: "We started walking the beat." };
  const mine = { id: 2, author: ME, author_hidden: false, captured_by: null, text: "Mine." };
  const captured = { id: 3, author: ANA, author_hidden: false, captured_by: 19, text: "Captured by me." };
  const state = roomState([theirs, mine, captured]);
  assert.equal(log.newFromOthers(added(theirs), state, fresh), theirs);
  assert.equal(log.newFromOthers(added(mine), state, fresh), null);
  assert.equal(log.newFromOthers(added(captured), state, fresh), null);
  // History brought by a replay is not news.
  assert.equal(log.newFromOthers(added(theirs, "long ago"), state, () => log.FRESH_SECONDS + 1), null);
  // A bare event, or words no longer held, say nothing.
  assert.equal(log.newFromOthers({ event: "contribution_added", seq: 2 }, state, fresh), null);
  assert.equal(log.newFromOthers(added({ ...theirs, id: 99 }), state, fresh), null);
  assert.equal(log.newFromOthers(added(theirs), roomState([theirs], { session: { state: "closed" } }), fresh), null);
  assert.equal(log.newFromOthers({ ...added(theirs), event: "contribution_edited" }, state, fresh), null);
});

test("a line says no more than the screen shows: a hidden author stays Anonymous, the words are cut short", () => {
  const long = "x".repeat(500);
  assert.equal(
    log.contributionLine({ author: ANA, author_hidden: false, text: "We started walking the beat." }),
    "Ana Ruiz (Team Tulsa) said: We started walking the beat.",
  );
  assert.equal(log.contributionLine({ author: HIDDEN, author_hidden: true, text: "Hidden." }), "Anonymous said: Hidden.");
  // Even if a hidden author arrived with a name and a team, neither is said.
  assert.equal(
    log.contributionLine({ author: { ...ANA }, author_hidden: true, text: "Hidden." }),
    "Anonymous said: Hidden.",
  );
  const line = log.contributionLine({ author: { ...ANA, team: null }, author_hidden: false, text: long });
  assert.ok(line.startsWith("Ana Ruiz said: xxx"));
  assert.ok(line.length < 130);
  assert.equal(log.summaryLine(["one"]), "one");
  assert.equal(log.summaryLine(["one", "two", "three"]), "3 new contributions.");
});

function fakeRegion() {
  const region = {
    children: [],
    append(node) {
      this.children.push(node);
    },
    get firstElementChild() {
      const first = this.children[0];
      return first && { remove: () => this.children.shift() };
    },
    replaceChildren() {
      this.children = [];
    },
  };
  globalThis.document = {
    getElementById: (id) => (id === "contribution-log" ? region : null),
    createElement: (tag) => ({
      tag,
      attrs: {},
      setAttribute(k, v) {
        this.attrs[k] = v;
      },
      append() {},
    }),
  };
  return region;
}

test("the log only gains lines: one per contribution, a summary for several at once, none once words are gone", () => {
  const region = fakeRegion();
  const first = { id: 1, author: ANA, author_hidden: false, captured_by: null, text: "First." };
  const second = { id: 2, author: HIDDEN, author_hidden: true, captured_by: null, text: "Second." };
  const third = { id: 3, author: ANA, author_hidden: false, captured_by: null, text: "Third." };
  let state = roomState([first]);
  const contributionLog = new log.ContributionLog(() => state);
  contributionLog.heard(added(first), state, () => 0);
  contributionLog.flush();
  assert.deepEqual(region.children.map((p) => p.textContent), ["Ana Ruiz (Team Tulsa) said: First."]);
  assert.equal(region.children[0].attrs.dir, "auto");

  state = roomState([first, second, third]);
  contributionLog.heard(added(second), state, () => 0);
  contributionLog.heard(added(third), state, () => 0);
  contributionLog.flush();
  assert.deepEqual(region.children.map((p) => p.textContent), ["Ana Ruiz (Team Tulsa) said: First.", "2 new contributions."]);

  // Withdrawn before the window ended: not said.
  const fourth = { id: 4, author: ANA, author_hidden: false, captured_by: null, text: "Withdrawn at once." };
  contributionLog.heard(added(fourth), roomState([first, fourth]), () => 0);
  state = roomState([first]);
  contributionLog.flush();
  assert.equal(region.children.length, 2);

  // After close nothing waiting is said, and what was said goes.
  contributionLog.heard(added(third), roomState([third]), () => 0);
  contributionLog.clear();
  contributionLog.flush();
  assert.equal(region.children.length, 0);
  delete globalThis.document;
});

test("a silent socket is probed after one heartbeat and dropped (Reconnecting) after two", () => {
  assert.equal(silenceVerdict(4999, 5000), "ok");
  assert.equal(silenceVerdict(5000, 5000), "probe");
  assert.equal(silenceVerdict(10000, 5000), "dead");

  const statuses = [];
  const connection = new RoomConnection({
    url: "ws://test/ws/sessions/1/",
    sessionId: "silence",
    heartbeatSeconds: 2,
    onHello: () => {},
    onEvent: () => {},
    onStatus: (status) => statuses.push(status),
  });
  connection.start();
  const socket = FakeSocket.all.at(-1);
  socket.serverSends({ type: "hello", last_seq: 5, state: {}, session: {}, you: {} });
  const heard = connection.lastHeard;
  connection.checkAlive(heard + 1000);
  assert.deepEqual(socket.sent.filter((f) => f.type === "heartbeat"), []);
  connection.checkAlive(heard + 2100);
  connection.checkAlive(heard + 2500); // asked once per silence
  assert.deepEqual(socket.sent.filter((f) => f.type === "heartbeat"), [{ type: "heartbeat", last_seq: 5 }]);
  assert.equal(statuses.at(-1), "open");
  connection.checkAlive(heard + 4000);
  assert.equal(statuses.at(-1), "reconnecting");
  assert.equal(socket.readyState, FakeSocket.CLOSED);
  connection.stop();
});

// --- A restored draft in the composer, on a page made of just what the composer touches. ---

class FakeElement {
  constructor(id = null, tag = "div") {
    this.id = id;
    this.tag = tag;
    this.value = "";
    this.hidden = false;
    this.textContent = "";
    this.placeholder = "";
    this.dataset = {};
    this.attrs = {};
    this.listeners = {};
    this.classes = new Set();
    this.classList = { toggle: (name, on) => (on ? this.classes.add(name) : this.classes.delete(name)) };
  }
  setAttribute(k, v) {
    this.attrs[k] = String(v);
    if (k === "value") this.value = String(v);
  }
  getAttribute(k) {
    return k in this.attrs ? this.attrs[k] : null;
  }
  removeAttribute(k) {
    delete this.attrs[k];
  }
  addEventListener(name, fn) {
    (this.listeners[name] ||= []).push(fn);
  }
  dispatch(name, extra = {}) {
    for (const fn of this.listeners[name] || []) fn({ preventDefault() {}, ...extra });
  }
  append() {}
  replaceChildren() {}
  focus() {
    FakeElement.focused = this;
  }
  requestSubmit() {
    this.dispatch("submit");
  }
}

/** A <select>: its value is its selected option's, "" when none is selected. */
class FakeSelect extends FakeElement {
  constructor(id, choices, selected) {
    super(id, "select");
    this.options = [];
    for (const [value, label] of choices) this.append(Object.assign(new FakeElement(null, "option"), { value, textContent: label }));
    this.selected = this.options.find((o) => o.value === selected) || null;
  }
  append(option) {
    option.remove = () => {
      this.options = this.options.filter((o) => o !== option);
      if (this.selected === option) this.selected = null;
    };
    this.options.push(option);
  }
  prepend(option) {
    this.append(option);
    this.options.unshift(this.options.pop());
  }
  get value() {
    return this.selected ? this.selected.value : "";
  }
  set value(v) {
    // (The base constructor sets a value before there are options.)
    this.selected = (this.options || []).find((o) => o.value === v) || null;
  }
  get selectedOptions() {
    return this.selected ? [this.selected] : [];
  }
  querySelector(selector) {
    const wanted = selector.match(/value="(.*)"/)[1];
    return this.options.find((o) => o.value === wanted) || null;
  }
}

const CHOICES = [
  ["named", "On the record, named"],
  ["not_for_attribution", "Not for attribution"],
  ["anonymous", "Anonymous"],
  ["off_record", "Off the record"],
];

function composerPage(choices = CHOICES) {
  const nodes = new Map();
  const select = new FakeSelect("compose-attribution", choices, "named");
  select.dataset.default = "named";
  nodes.set("compose-attribution", select);
  for (const id of ["compose-restored", "compose-reply", "compose-offrecord-mark", "outbox"]) {
    nodes.set(id, Object.assign(new FakeElement(id), { hidden: true }));
  }
  globalThis.document = {
    getElementById: (id) => {
      if (!nodes.has(id)) nodes.set(id, new FakeElement(id));
      return nodes.get(id);
    },
    createElement: (tag) => new FakeElement(null, tag),
    createTextNode: (text) => ({ text }),
  };
  const sent = [];
  const ctx = {
    localKey: "3.12",
    config: {},
    state: null,
    limits: { text: 4000 },
    ui: { replyTo: null },
    wordsGone: null,
    announcer: { say() {} },
    connection: { outbox: { get: () => null }, isOpen: () => true, pending: () => [] },
    sendDurable(frame) {
      const out = { ...frame, client_id: `c-${sent.length + 1}` };
      sent.push(out);
      return out;
    },
  };
  const byId = (id) => globalThis.document.getElementById(id);
  return { ctx, sent, byId };
}

test("a draft written off the record comes back off the record, marked and said; a change of consent is kept", async () => {
  store.clear();
  store.set("cg.draft.3.12", JSON.stringify({ text: "Only for this room.", client_id: null, consent: "off_record", reply_to: null }));
  const { ctx, sent, byId } = composerPage();
  composer.init(ctx);
  assert.equal(byId("compose-text").value, "Only for this room.");
  assert.equal(byId("compose-attribution").value, "off_record");
  // The composer's usual off-the-record marker, and a line saying under what it will be shared.
  assert.equal(byId("compose-offrecord-mark").hidden, false);
  assert.ok(byId("compose-text").classes.has("off-record-draft"));
  assert.equal(byId("compose-restored").hidden, false);
  assert.equal(byId("compose-restored").textContent, "Restored draft — it will be shared as: Off the record");
  assert.ok(byId("compose-text").getAttribute("aria-describedby").split(" ").includes("compose-restored"));
  // (Enter then asks in the page before sharing off the record: the browser test presses it.)
  assert.equal(sent.length, 0);
  // Changing the consent is kept with the draft, and the line follows it.
  byId("compose-attribution").value = "anonymous";
  byId("compose-attribution").dispatch("change");
  assert.equal(byId("compose-restored").textContent, "Restored draft — it will be shared as: Anonymous");
  assert.equal(JSON.parse(store.get("cg.draft.3.12")).consent, "anonymous");
  byId("compose-form").requestSubmit();
  await Promise.resolve();
  assert.equal(sent.length, 1);
  assert.equal(sent[0].consent, "anonymous");
  assert.equal(sent[0].text, "Only for this room.");
  // Shared: the line goes and the menu is back at the session's default for the next words.
  assert.equal(byId("compose-restored").hidden, true);
  assert.equal(byId("compose-attribution").value, "named");
  delete globalThis.document;
});

test("a draft whose consent cannot be offered comes back with none chosen, and Enter shares nothing until one is", async () => {
  for (const kept of [
    { text: "Written as Anonymous.", client_id: null }, // kept before consents were kept
    { text: "Written under a consent no longer offered.", client_id: null, consent: "off_record" },
  ]) {
    store.clear();
    store.set("cg.draft.3.12", JSON.stringify(kept));
    const { ctx, sent, byId } = composerPage(CHOICES.filter(([value]) => value !== "off_record"));
    composer.init(ctx);
    const select = byId("compose-attribution");
    assert.equal(byId("compose-text").value, kept.text);
    assert.equal(select.value, "", "no consent chosen: never the session default");
    assert.equal(select.options[0].textContent, "Choose how it may be attributed");
    assert.equal(byId("compose-restored").textContent, "Restored draft — choose how it may be attributed before sharing it.");
    assert.equal(byId("compose-consent-explain").textContent, "");
    // Enter: nothing is sent, the person is told and taken to the menu.
    byId("compose-text").dispatch("keydown", { key: "Enter", shiftKey: false, altKey: false, isComposing: false, keyCode: 13 });
    await Promise.resolve();
    assert.equal(sent.length, 0);
    assert.equal(byId("compose-error").textContent, "Choose how it may be attributed before sharing.");
    assert.equal(FakeElement.focused, select);
    assert.equal(byId("compose-text").value, kept.text);
    // Chosen: the placeholder goes, the choice is kept with the draft, and Enter shares under it.
    select.value = "anonymous";
    select.dispatch("change");
    assert.equal(select.querySelector('option[value=""]'), null);
    assert.equal(JSON.parse(store.get("cg.draft.3.12")).consent, "anonymous");
    byId("compose-form").requestSubmit();
    await Promise.resolve();
    assert.deepEqual(sent.map((f) => [f.text, f.consent]), [[kept.text, "anonymous"]]);
  }
  delete globalThis.document;
});

test("a restored reply comes back as a reply; typing keeps the consent and reply with the words", () => {
  store.clear();
  store.set("cg.draft.3.12", JSON.stringify({ text: "Yes, and", client_id: null, consent: "not_for_attribution", reply_to: 41 }));
  const { ctx, byId } = composerPage();
  composer.init(ctx);
  assert.equal(ctx.ui.replyTo, 41);
  assert.equal(byId("compose-kind").value, "response");
  assert.equal(byId("compose-attribution").value, "not_for_attribution");
  byId("compose-text").value = "Yes, and more.";
  byId("compose-text").dispatch("input");
  assert.deepEqual(JSON.parse(store.get("cg.draft.3.12")), {
    text: "Yes, and more.",
    client_id: null,
    consent: "not_for_attribution",
    reply_to: 41,
  });
  delete globalThis.document;
});

// --- Lines in the log region leave as soon as the words they carry change, and soon in any case. ---

/** The log region, with lines that can leave it one by one (as `node.remove()` does). */
function removableRegion() {
  const region = {
    children: [],
    append(node) {
      node.remove = () => {
        region.children = region.children.filter((n) => n !== node);
      };
      region.children.push(node);
    },
    replaceChildren() {
      region.children = [];
    },
  };
  globalThis.document = {
    getElementById: (id) => (id === "contribution-log" ? region : null),
    createElement: (tag) => ({
      tag,
      attrs: {},
      setAttribute(k, v) {
        this.attrs[k] = v;
      },
      append() {},
    }),
  };
  return region;
}

const HER = { id: 12, display_name: "Ana Ruiz", team: { id: 4, name: "Team Tulsa" }, stakeholder_role: "law_enforcement", exchange_role: "participant" };
const NOBODY = { id: null, display_name: "Anonymous", team: null, stakeholder_role: null, exchange_role: null };

function liveRoom() {
  const region = removableRegion();
  const state = { session: { state: "open" }, you: { member_id: 19 }, contributions: [], ackReflections: {}, notYetSpoken: null };
  const contributionLog = new log.ContributionLog(() => state);
  const say = (...items) => {
    for (const c of items) {
      const frame = { type: "event", event: "contribution_added", seq: c.id, at: "now", contribution: c };
      applyEvent(state, frame);
      contributionLog.heard(frame, state, () => 0);
    }
    contributionLog.flush();
  };
  // As Room.onEvent does: the reducer first, then the log hears what the event retracts.
  const happen = (frame) => {
    applyEvent(state, { type: "event", at: "now", ...frame });
    contributionLog.retract(log.retractedBy(frame));
  };
  const lines = () => region.children.map((p) => p.textContent);
  const named = (id, text) => ({ id, author: HER, author_hidden: false, captured_by: null, consent: "named", text });
  return { region, state, contributionLog, say, happen, lines, named };
}

test("withdrawn, redacted, edited words and a name hidden since leave the log region at once", () => {
  const { region, contributionLog, say, happen, lines, named } = liveRoom();
  say(named(1, "I was assaulted by an officer in 2019."));
  say(named(2, "Second thing I said."));
  say(named(3, "First version, with a name in it."));
  say(named(4, "Said in the review window."));
  say(named(5, "Still as it was."));
  assert.equal(region.children.length, 5);
  assert.equal(region.children[0].attrs["data-contribution-ids"], "1");

  happen({ event: "contribution_withdrawn", seq: 6, contribution_id: 1 });
  assert.ok(!lines().some((l) => l.includes("assaulted")), "withdrawn words gone from the log");
  happen({ event: "consent_changed", seq: 7, contribution_id: 2, consent: "anonymous", author: NOBODY, author_hidden: true });
  assert.ok(!lines().some((l) => l.includes("Second thing")), "a line naming a now-anonymous author is gone");
  happen({ event: "contribution_edited", seq: 8, contribution_id: 3, text: "Edited version." });
  assert.ok(!lines().some((l) => l.includes("First version")), "the earlier version is gone");
  happen({ event: "contribution_redacted", seq: 9, contribution_id: 4 });
  assert.ok(!lines().some((l) => l.includes("review window")));
  // Other events leave lines alone; a bare withdrawal (id only) still retracts.
  happen({ event: "acknowledgement_added", seq: 10, contribution_id: 5, acks: 1 });
  assert.deepEqual(lines(), ["Ana Ruiz (Team Tulsa) said: Still as it was."]);
  assert.equal(log.retractedBy({ event: "contribution_withdrawn", seq: 11 }), null);
  happen({ event: "contribution_withdrawn", seq: 11, contribution_id: 5 });
  assert.deepEqual(lines(), []);
  contributionLog.clear();
  delete globalThis.document;
});

test("a summary line carries no words, names nobody, and leaves with any of its contributions", () => {
  const { region, contributionLog, say, happen, named } = liveRoom();
  say(named(1, "Secret one."), { ...named(2, "Secret two."), author: NOBODY, author_hidden: true }, named(3, "Secret three."));
  assert.equal(region.children.length, 1);
  const summary = region.children[0];
  assert.equal(summary.textContent, "3 new contributions.");
  assert.ok(!/Secret|Ana|Tulsa|Anonymous/.test(summary.textContent));
  assert.equal(summary.attrs["data-contribution-ids"], "1 2 3");
  happen({ event: "contribution_edited", seq: 4, contribution_id: 2, text: "Changed." });
  assert.equal(region.children.length, 0);
  contributionLog.clear();
  delete globalThis.document;
});

test("after a hello, a line stays only while its words are held as they were said", () => {
  const { state, contributionLog, say, lines, named } = liveRoom();
  say(named(1, "Withdrawn while away."));
  say(named(2, "Switched to anonymous while away."));
  say(named(3, "Edited while away."));
  say(named(4, "Unchanged."));
  say(named(5, "Erased."));
  // A fresh hello's state: 1 gone, 2 hidden, 3 edited, 5 purged; only 4 as it was.
  state.contributions = [
    { ...named(2, "Switched to anonymous while away."), author: NOBODY, author_hidden: true, consent: "anonymous" },
    named(3, "Edited while away, again."),
    named(4, "Unchanged."),
    { ...named(5, ""), purged: true },
  ];
  contributionLog.keepOnlyHeld(state);
  assert.deepEqual(lines(), ["Ana Ruiz (Team Tulsa) said: Unchanged."]);
  // A closed session's hello holds no words: nothing stays.
  contributionLog.keepOnlyHeld({ ...state, session: { state: "closed" } });
  assert.deepEqual(lines(), []);
  contributionLog.clear();
  delete globalThis.document;
});

test("every line leaves the region a few seconds after it was added, so nothing lingers", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { contributionLog, say, lines, named } = liveRoom();
  assert.equal(log.LINE_SECONDS, 15);
  say(named(1, "First."));
  t.mock.timers.tick(10_000);
  say(named(2, "Second."));
  assert.equal(lines().length, 2);
  t.mock.timers.tick(5_000);
  assert.deepEqual(lines(), ["Ana Ruiz (Team Tulsa) said: Second."]);
  t.mock.timers.tick(10_000);
  assert.deepEqual(lines(), []);
  // Arrivals within the window are said together once the window ends, then leave in turn.
  const heard = (c) => {
    contributionLog.getState().contributions.push(c);
    contributionLog.heard({ event: "contribution_added", at: "now", contribution: c }, contributionLog.getState(), () => 0);
  };
  heard(named(3, "Third."));
  heard(named(4, "Fourth."));
  t.mock.timers.tick(log.WINDOW_MS);
  assert.deepEqual(lines(), ["2 new contributions."]);
  t.mock.timers.tick(log.LINE_SECONDS * 1000);
  assert.deepEqual(lines(), []);
  contributionLog.clear();
  delete globalThis.document;
});

// --- What the device forgets on arriving at a page, however the last session ended. ---

function keptFor(storage) {
  storage.setItem("cg.draft.3.12", JSON.stringify({ text: "Ana's draft", client_id: null, consent: "anonymous" }));
  storage.setItem("cg.outbox.3.12", "[]");
  storage.setItem("cg.note.3.12", "Ana's note");
  storage.setItem("someone-else", "kept");
  return storage;
}

test("a page for a signed-out visitor forgets every cg. key, and open room tabs hear of it", () => {
  const storage = keptFor(new MemoryStorage());
  storage.setItem(OWNER_KEY, "12");
  const told = [];
  const setItem = storage.setItem.bind(storage);
  storage.setItem = (k, v) => {
    told.push(k);
    setItem(k, v);
  };
  const removed = forgetOthersOnArrival(storage, null);
  assert.deepEqual(removed.sort(), ["cg.draft.3.12", "cg.note.3.12", "cg.outbox.3.12", "cg.owner"]);
  assert.deepEqual([...storage.map.keys()], ["someone-else"]);
  assert.deepEqual(told, ["cg.signed-out"]);
});

test("a page for a signed-in person keeps their own keys and forgets anyone else's", () => {
  // The owner comes back: nothing goes.
  const own = keptFor(new MemoryStorage());
  own.setItem(OWNER_KEY, "12");
  assert.deepEqual(forgetOthersOnArrival(own, "12"), []);
  assert.equal(own.map.size, 5);
  // Someone else signs in on the same computer (the last session expired): everything goes, then theirs.
  const theirs = keptFor(new MemoryStorage());
  theirs.setItem(OWNER_KEY, "12");
  assert.equal(forgetOthersOnArrival(theirs, "19").length, 4);
  assert.deepEqual(Object.fromEntries(theirs.map), { "someone-else": "kept", "cg.owner": "19" });
  // Keys of nobody known (kept before owners were): each names its member, so
  // they stay (unsent words are not lost) and the person signed in owns them now.
  const unknown = keptFor(new MemoryStorage());
  assert.deepEqual(forgetOthersOnArrival(unknown, 12), []);
  assert.equal(unknown.map.size, 5);
  assert.equal(unknown.getItem(OWNER_KEY), "12");
  // Nothing kept: this person owns what comes.
  const empty = new MemoryStorage();
  assert.deepEqual(forgetOthersOnArrival(empty, "12"), []);
  assert.deepEqual(Object.fromEntries(empty.map), { "cg.owner": "12" });
  // Storage that throws: the page goes on.
  assert.deepEqual(forgetOthersOnArrival({ getItem() { throw new Error("disabled"); } }, "12"), []);
});

test("signout.js reads who the page was rendered for from <body>, and leaves keys alone when it does not say", async () => {
  const saved = globalThis.localStorage;
  const pages = [
    [{ user: "19" }, ["cg.owner"], "19"],
    [{ signedOut: "" }, [], null],
    [{}, ["cg.draft.3.12", "cg.note.3.12", "cg.outbox.3.12", "cg.owner"], "12"],
  ];
  try {
    for (const [i, [dataset, left, owner]] of pages.entries()) {
      const storage = keptFor(new MemoryStorage());
      storage.setItem(OWNER_KEY, "12");
      globalThis.localStorage = storage;
      globalThis.document = { body: { dataset }, querySelectorAll: () => [], addEventListener() {} };
      await import(`../../../static/js/signout.js?page=${i}`);
      assert.deepEqual(ownKeysOf(storage), left, JSON.stringify(dataset));
      assert.equal(storage.getItem(OWNER_KEY), owner);
    }
  } finally {
    globalThis.localStorage = saved;
    delete globalThis.document;
  }
});

function ownKeysOf(storage) {
  return [...storage.map.keys()].filter((k) => k.startsWith("cg.")).sort();
}

test("the language chosen beside the words goes with them; without a choice, none is guessed here", async () => {
  store.clear();
  const { ctx, sent, byId } = composerPage();
  composer.init(ctx);
  byId("compose-text").value = "Sin elección.";
  byId("compose-form").requestSubmit();
  await Promise.resolve();
  assert.equal(sent[0].lang, undefined); // the page's language is added by the room (room.js)
  byId("compose-lang").value = "es";
  byId("compose-text").value = "La confianza vuelve despacio.";
  byId("compose-form").requestSubmit();
  await Promise.resolve();
  assert.equal(sent[1].lang, "es");
  delete globalThis.document;
});
