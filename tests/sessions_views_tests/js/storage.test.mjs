// Sign-out forgets every Common Ground key in localStorage and leaves the rest (static/js/storage.js).
import assert from "node:assert/strict";
import { test } from "node:test";

globalThis.window = globalThis;
globalThis.crypto ??= (await import("node:crypto")).webcrypto;
const { STORAGE_PREFIX, forgetEverything } = await import("../../../static/js/storage.js");
const { Outbox } = await import("../../../static/js/room/outbox.js");

class MemoryStorage {
  constructor() {
    this.map = new Map();
    this.events = [];
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
    this.events.push(["set", k]);
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.events.push(["remove", k]);
    this.map.delete(k);
  }
}

test("every room key shares the prefix, and sign-out removes them all, old and new", () => {
  const storage = new MemoryStorage();
  const outbox = new Outbox("3.12", storage);
  outbox.add({ type: "contribute", text: "unsent words" });
  assert.ok(outbox.key.startsWith(STORAGE_PREFIX));
  storage.setItem(`${STORAGE_PREFIX}note.3.12`, "an unsaved private note");
  storage.setItem("cg.outbox.7", "an outbox key of an earlier version");
  storage.setItem("someone-else", "kept");
  const removed = forgetEverything(storage);
  assert.deepEqual(removed.sort(), ["cg.note.3.12", "cg.outbox.3.12", "cg.outbox.7"]);
  assert.deepEqual([...storage.map.keys()], ["someone-else"]);
  // Other tabs are told through a storage event: the marker is set, then removed.
  assert.deepEqual(storage.events.slice(-2), [["set", "cg.signed-out"], ["remove", "cg.signed-out"]]);
});

test("sign-out goes ahead even when storage throws", () => {
  const broken = { get length() { throw new Error("disabled"); } };
  assert.deepEqual(forgetEverything(broken), []);
});
