// Every box in the room where people write their own words keeps a long paste whole: a live
// count, the box marked invalid with a line saying nothing was cut, the crossing said once in
// the live region (not at every key), and nothing sent until the words are shortened. One
// helper (room/text_limit.js), checked here on its own and through each box that uses it:
// the composer, the scribe's capture, the inline edit, "I heard you", the private note, the
// commitment and a new theme's name. Run under Node against a small fake page.
import assert from "node:assert/strict";
import { test } from "node:test";

import "./fake_browser.mjs";

const { charCount, overLimitMessage } = await import("../../../static/js/room/dom.js");
const limit = await import("../../../static/js/room/text_limit.js");
const composer = await import("../../../static/js/room/ui/composer.js");
const capture = await import("../../../static/js/room/ui/capture.js");
const forms = await import("../../../static/js/room/ui/contribution_forms.js");
const notes = await import("../../../static/js/room/ui/notes.js");
const commitment = await import("../../../static/js/room/ui/commitment.js");
const themes = await import("../../../static/js/room/ui/themes.js");

const LIMITS = { text: 4000, note: 4000, commitment: 2000, ack_reflection: 280, theme_name: 60 };

/** Just enough of an element for the room's boxes: value, attributes, text, classes, listeners, children. */
class FakeElement {
  constructor(tag = "div", id = "") {
    this.tagName = tag.toUpperCase();
    this.id = id;
    this.value = "";
    this.textContent = "";
    this.hidden = false;
    this.dataset = {};
    this.className = "";
    this.children = [];
    this.attrs = new Map();
    this.listeners = {};
    const classes = new Set();
    this.classList = {
      toggle: (name, on) => (on ? classes.add(name) : classes.delete(name)),
      contains: (name) => classes.has(name),
    };
  }
  setAttribute(k, v) {
    if (k === "id") this.id = String(v);
    this.attrs.set(k, String(v));
  }
  getAttribute(k) {
    return this.attrs.has(k) ? this.attrs.get(k) : null;
  }
  removeAttribute(k) {
    this.attrs.delete(k);
  }
  hasAttribute(k) {
    return this.attrs.has(k);
  }
  addEventListener(name, fn) {
    (this.listeners[name] ||= []).push(fn);
  }
  fire(name) {
    for (const fn of this.listeners[name] || []) fn({ preventDefault() {}, stopPropagation() {} });
  }
  append(...nodes) {
    this.children.push(...nodes);
  }
  focus() {
    globalThis.document.activeElement = this;
  }
  contains() {
    return false;
  }
  querySelector() {
    return null;
  }
  querySelectorAll() {
    return [];
  }
  /** Every element under this one, itself included. */
  all() {
    return [this, ...this.children.flatMap((c) => (c instanceof FakeElement ? c.all() : []))];
  }
  find(id) {
    return this.all().find((node) => node.id === id) || null;
  }
}

/** A page whose elements come into being when first asked for by id. */
function fakePage() {
  const byId = new Map();
  globalThis.Node = FakeElement;
  globalThis.document = {
    activeElement: null,
    getElementById(id) {
      if (!byId.has(id)) byId.set(id, new FakeElement("div", id));
      return byId.get(id);
    },
    createElement: (tag) => new FakeElement(tag),
    createTextNode: (text) => Object.assign(new FakeElement("#text"), { textContent: text }),
  };
  return (id) => globalThis.document.getElementById(id);
}

function fakeContext() {
  const said = [];
  const acted = [];
  const saved = [];
  const ctx = {
    limits: LIMITS,
    labels: { attribution: {} },
    config: { can_facilitate: true },
    announcer: { say: (text) => said.push(text) },
    act: (frame) => (acted.push(frame), { client_id: "c" }),
    sendDurable: (frame) => (acted.push(frame), { client_id: "c" }),
    connection: { sendAction: (frame) => (saved.push(frame), frame) },
    ui: { drafts: new Map(), editing: new Set(), acking: new Set() },
    noteKey: "cg.note.test",
    wordsGone: false,
    redrawContributions() {},
  };
  return { ctx, said, acted, saved };
}

/** Type into a box as a person would: its value changes, then its input event fires. */
function type(box, value) {
  box.value = value;
  box.fire("input");
}

/** The whole behaviour, on one box: count, flag, say once, refuse, then accept once shortened. */
function assertKeptWholeAndFlagged({ box, counter, overLine, said, max, verb, submit, sentCount, error }) {
  const long = "word ".repeat(Math.ceil((max + 500) / 5)).trim();
  const used = charCount(long);
  type(box, long);
  assert.equal(box.value, long, "the paste is kept whole");
  assert.equal(counter.textContent, `${used} of ${max} characters: ${used - max} too many`);
  assert.ok(counter.classList.contains("flag"));
  assert.equal(box.getAttribute("aria-invalid"), "true");
  assert.equal(overLine.textContent, overLimitMessage(used, max, verb));
  assert.match(overLine.textContent, /Nothing has been cut/);
  assert.deepEqual(said, [`Over the ${max}-character limit: shorten it to ${verb}.`]);
  type(box, `${long}!`); // another key while still over: nothing more is said
  assert.equal(said.length, 1);
  const before = sentCount();
  submit();
  assert.equal(sentCount(), before, "nothing is sent over the limit");
  assert.equal(box.value, `${long}!`);
  if (error) {
    assert.match(error().textContent, new RegExp(`over the ${max}-character limit\\. Nothing has been cut: shorten it to ${verb}\\.`));
    assert.equal(globalThis.document.activeElement, box);
  }
  // Shortened: unflagged, said once, and sent.
  type(box, "x".repeat(max));
  assert.equal(counter.textContent, `${max} of ${max} characters`);
  assert.equal(box.getAttribute("aria-invalid"), null);
  assert.equal(overLine.textContent, "");
  assert.deepEqual(said.slice(1), [`Within the ${max}-character limit again.`]);
  submit();
  assert.equal(sentCount(), before + 1);
}

test("the counter's words: flagged near the limit (the last 200, or the last tenth of a short box), over it by how much", () => {
  assert.deepEqual(limit.counterText(3800, 4000), { text: "3800 of 4000 characters", flag: false, over: false });
  assert.deepEqual(limit.counterText(3801, 4000).flag, true);
  assert.deepEqual(limit.counterText(5520, 4000), { text: "5520 of 4000 characters: 1520 too many", flag: true, over: true });
  assert.equal(limit.counterText(1800, 2000).flag, false);
  assert.equal(limit.counterText(1801, 2000).flag, true);
  assert.equal(limit.counterText(10, 280).flag, false);
  assert.equal(limit.counterText(253, 280).flag, true);
  assert.equal(limit.counterText(0, 60).flag, false);
  assert.equal(limit.counterText(61, 60).text, "61 of 60 characters: 1 too many");
  // The composer's counter is this one, not a copy.
  assert.equal(composer.counterText, limit.counterText);
  assert.equal(overLimitMessage(2500, 2000, "save"), "This is 500 characters over the 2000-character limit. Nothing has been cut: shorten it to save.");
  assert.equal(limit.crossingText(true, 280, "send"), "Over the 280-character limit: shorten it to send.");
  assert.equal(limit.crossingText(false, 280, "send"), "Within the 280-character limit again.");
  // As the server counts: code points, trimmed where the words are sent trimmed, as typed for a note.
  assert.equal(charCount(" 👋👋 "), 2);
  assert.equal(limit.untrimmedCount(" 👋👋 "), 4);
});

test("flagLength: quiet when asked, said once on crossing either way, and recount follows the page's own changes", () => {
  const $ = fakePage();
  const box = $("box");
  const said = [];
  const announcer = { say: (text) => said.push(text) };
  box.value = "x".repeat(12);
  assert.equal(limit.flagLength(box, 10, { counter: $("c"), overLine: $("o"), announcer, quiet: true }), true);
  assert.equal(box.getAttribute("aria-invalid"), "true");
  assert.deepEqual(said, []); // a draft restored over the limit is flagged, not announced
  limit.watchLength(box, 10, { counter: $("c"), overLine: $("o"), announcer });
  box.value = "";
  assert.equal(limit.recount(box), false);
  assert.equal($("c").textContent, "0 of 10 characters");
  assert.equal(box.getAttribute("aria-invalid"), null);
  assert.deepEqual(said, []);
  assert.equal(limit.recount(null), false);
  assert.equal(limit.recount($("never-watched")), false);
  delete globalThis.document;
});

test("the composer keeps its count, flag and single announcement through the shared helper", () => {
  const $ = fakePage();
  const { ctx, said } = fakeContext();
  const box = $("compose-text");
  box.value = "y".repeat(5520);
  composer.updateCounter(ctx);
  assert.equal($("compose-counter").textContent, "5520 of 4000 characters: 1520 too many");
  assert.equal(box.getAttribute("aria-invalid"), "true");
  assert.equal($("compose-over").textContent, overLimitMessage(5520, 4000));
  composer.updateCounter(ctx);
  assert.deepEqual(said, ["Over the 4000-character limit: shorten it to share."]);
  delete globalThis.document;
});

test("the scribe's capture box", () => {
  const $ = fakePage();
  const { ctx, said, acted } = fakeContext();
  capture.init(ctx);
  $("capture-speaker").value = "12";
  assertKeptWholeAndFlagged({
    box: $("capture-text"), counter: $("capture-counter"), overLine: $("capture-over"), said, max: 4000, verb: "capture",
    submit: () => $("capture-form").fire("submit"), sentCount: () => acted.length, error: () => $("capture-error"),
  });
  assert.equal(acted.at(-1).type, "capture");
  assert.equal($("capture-text").value, "");
  assert.equal($("capture-counter").textContent, "0 of 4000 characters");
  delete globalThis.document;
});

test("the inline edit of one's contribution", () => {
  const $ = fakePage();
  const { ctx, said, acted } = fakeContext();
  const form = forms.editForm(ctx, { id: 7, text: "Short." });
  const box = form.find("edit-text-7");
  assert.equal(box.getAttribute("maxlength"), null);
  assert.equal(box.getAttribute("aria-describedby"), "edit-text-7-counter edit-text-7-over contribution-error-7");
  assert.equal(form.find("edit-text-7-counter").textContent, "6 of 4000 characters");
  assertKeptWholeAndFlagged({
    box, counter: form.find("edit-text-7-counter"), overLine: form.find("edit-text-7-over"), said, max: 4000, verb: "save",
    submit: () => form.fire("submit"), sentCount: () => acted.length, error: () => $("contribution-error-7"),
  });
  assert.equal(acted.at(-1).type, "contribution_edit");
  // Redrawn with an over-long draft: flagged at once, without saying it again.
  ctx.ui.drafts.set("edit-7", "z".repeat(4100));
  const again = forms.editForm(ctx, { id: 7, text: "Short." });
  assert.equal(again.find("edit-text-7").getAttribute("aria-invalid"), "true");
  assert.equal(said.length, 2);
  delete globalThis.document;
});

test("“I heard you”: the one line of what was heard", () => {
  const $ = fakePage();
  const { ctx, said, acted } = fakeContext();
  const form = forms.ackForm(ctx, { id: 8 }, "contribution-error-8");
  const box = form.find("ack-reflection-8");
  assert.equal(box.getAttribute("maxlength"), null);
  assertKeptWholeAndFlagged({
    box, counter: form.find("ack-reflection-8-counter"), overLine: form.find("ack-reflection-8-over"), said, max: 280, verb: "send",
    submit: () => form.fire("submit"), sentCount: () => acted.length, error: () => $("contribution-error-8"),
  });
  assert.deepEqual(acted.at(-1), { type: "acknowledge", contribution_id: 8, reflection: "x".repeat(280) });
  delete globalThis.document;
});

test("the private note: kept whole on the device and not saved while over the limit", () => {
  const $ = fakePage();
  const { ctx, said, saved } = fakeContext();
  localStorage.removeItem(ctx.noteKey);
  notes.init(ctx);
  assertKeptWholeAndFlagged({
    box: $("reflection-notes"), counter: $("reflection-notes-counter"), overLine: $("reflection-notes-over"), said, max: 4000, verb: "save",
    // The note saves itself, as typed; over the limit it waits on the device.
    submit: () => notes.saveNote(ctx),
    sentCount: () => saved.length,
    error: null,
  });
  assert.equal(saved.at(-1).text, "x".repeat(4000));
  assert.equal(localStorage.getItem(ctx.noteKey), "x".repeat(4000));
  // Shared into the room, a note is held to a contribution's limit, and refused whole over it.
  ctx.limits = { ...LIMITS, text: 3000 };
  $("note-share-step").hidden = true;
  notes.openNoteShare(ctx);
  assert.equal($("reflection-error").textContent, overLimitMessage(4000, 3000));
  assert.equal($("note-share-step").hidden, true); // the share step did not open
  ctx.limits = LIMITS;
  // Counted as typed, as the server counts a note: trailing spaces count.
  type($("reflection-notes"), `${"x".repeat(4000)}  `);
  assert.equal($("reflection-notes").getAttribute("aria-invalid"), "true");
  localStorage.removeItem(ctx.noteKey);
  ctx.wordsGone = true; // the autosave timer still pending finds nothing to save
  delete globalThis.document;
});

test("the commitment", () => {
  const $ = fakePage();
  const { ctx, said, acted } = fakeContext();
  commitment.init(ctx);
  assertKeptWholeAndFlagged({
    box: $("commitment-text"), counter: $("commitment-counter"), overLine: $("commitment-over"), said, max: 2000, verb: "save",
    submit: () => $("commitment-form").fire("submit"), sentCount: () => acted.length, error: () => $("commitment-error"),
  });
  assert.equal(acted.at(-1).type, "commitment_set");
  delete globalThis.document;
});

test("a new theme's name, in the console", () => {
  const $ = fakePage();
  const { ctx, said, acted } = fakeContext();
  themes.init(ctx);
  $("theme-create-form"); // exists on the console
  assertKeptWholeAndFlagged({
    box: $("theme-name"), counter: $("theme-counter"), overLine: $("theme-over"), said, max: 60, verb: "create the theme",
    submit: () => $("theme-create-form").fire("submit"), sentCount: () => acted.length, error: () => $("theme-error"),
  });
  assert.equal(acted.at(-1).type, "theme_create");
  assert.equal($("theme-name").value, "");
  assert.equal($("theme-counter").textContent, "0 of 60 characters");
  delete globalThis.document;
});
