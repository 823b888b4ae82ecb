// The room client's ordering rules (docs/protocol.md §6), run under Node with a fake socket.
import assert from "node:assert/strict";
import { test } from "node:test";

import { FakeSocket, store } from "./fake_browser.mjs";

const { RoomConnection } = await import("../../../static/js/room/connection.js");

function setup(sessionId) {
  const applied = [];
  const hellos = [];
  const statuses = [];
  const connection = new RoomConnection({
    url: "ws://test/ws/sessions/1/",
    sessionId,
    onHello: (frame) => hellos.push(frame),
    onEvent: (frame) => applied.push(frame.seq),
    onStatus: (status) => statuses.push(status),
  });
  connection.start();
  const socket = FakeSocket.all.at(-1);
  socket.serverSends({ type: "hello", last_seq: 5, state: {}, session: {}, you: {} });
  return { connection, socket, applied, hellos, statuses };
}

const event = (seq) => ({ type: "event", seq, event: "presence_left", member_id: 1 });
const resumes = (socket) => socket.sent.filter((f) => f.type === "resume").map((f) => f.since);

test("events are applied in seq order; duplicates are ignored", () => {
  const { connection, socket, applied } = setup("a");
  socket.serverSends(event(5));
  socket.serverSends(event(6));
  socket.serverSends(event(6));
  socket.serverSends(event(4));
  socket.serverSends(event(7));
  assert.deepEqual(applied, [6, 7]);
  assert.equal(connection.lastSeq, 7);
  connection.stop();
});

test("a gap is buffered and resumed from the last applied seq, then filled in order", () => {
  const { connection, socket, applied } = setup("b");
  socket.sent.length = 0;
  socket.serverSends(event(8));
  socket.serverSends(event(9));
  assert.deepEqual(applied, []);
  assert.deepEqual(resumes(socket), [5]);
  socket.serverSends(event(6));
  socket.serverSends(event(7));
  assert.deepEqual(applied, [6, 7, 8, 9]);
  socket.serverSends(event(8));
  assert.deepEqual(applied, [6, 7, 8, 9]);
  connection.stop();
});

test("a heartbeat ahead of the client asks for the missing events", () => {
  const { connection, socket } = setup("c");
  socket.sent.length = 0;
  socket.serverSends({ type: "heartbeat", last_seq: 5 });
  assert.deepEqual(resumes(socket), []);
  socket.serverSends({ type: "heartbeat", last_seq: 9 });
  assert.deepEqual(resumes(socket), [5]);
  connection.stop();
});

test("contributions wait in the outbox with one client_id until acknowledged, across reconnects", () => {
  const { connection, socket, statuses } = setup("d");
  const sent = connection.sendDurable({ type: "contribute", text: "hello", kind: "story" });
  assert.match(sent.client_id, /^[0-9a-f-]{36}$/);
  assert.equal(socket.sent.filter((f) => f.type === "contribute").length, 1);
  // The line drops before the ack: the draft survives in storage under the session's key.
  socket.close(1006);
  assert.ok(statuses.includes("reconnecting"));
  assert.equal(JSON.parse(store.get("cg.outbox.d"))[0].client_id, sent.client_id);
  // A fresh page (same storage) re-sends it with the same client_id after its hello.
  const again = new RoomConnection({ url: "ws://x/", sessionId: "d", onHello() {}, onEvent() {} });
  again.connect();
  const next = FakeSocket.all.at(-1);
  next.serverSends({ type: "hello", last_seq: 5, state: {}, session: {}, you: {} });
  const resent = next.sent.filter((f) => f.type === "contribute");
  assert.equal(resent.length, 1);
  assert.equal(resent[0].client_id, sent.client_id);
  next.serverSends({ type: "ack", action: "contribute", client_id: sent.client_id, seq: 6 });
  assert.equal(again.pending().length, 0);
  assert.equal(store.has("cg.outbox.d"), false);
  connection.stop();
  again.stop();
});

test("a refused contribution leaves the outbox, but one held by a pause stays", () => {
  const { connection, socket } = setup("e");
  const tooLong = connection.sendDurable({ type: "contribute", text: "x" });
  const held = connection.sendDurable({ type: "contribute", text: "y" });
  socket.serverSends({ type: "error", code: "too_long", client_id: tooLong.client_id, message: "At most 4000." });
  socket.serverSends({ type: "error", code: "paused", client_id: held.client_id, message: "Paused." });
  assert.deepEqual(
    connection.pending().map((f) => f.client_id),
    [held.client_id],
  );
  connection.stop();
});

test("a refusal to join stops reconnecting", () => {
  const { connection, socket, statuses } = setup("f");
  const before = FakeSocket.all.length;
  socket.close(4403);
  assert.equal(statuses.at(-1), "refused");
  assert.equal(FakeSocket.all.length, before);
  connection.stop();
});

test("4403 after being in the room stops for good: not allowed, never retried", async () => {
  const { connection, socket, statuses } = setup("g");
  const before = FakeSocket.all.length;
  socket.close(4403);
  assert.equal(statuses.at(-1), "refused");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(FakeSocket.all.length, before);
  assert.equal(connection.isOpen(), false);
  connection.stop();
});

test("4404 (no such session) stops for good too", () => {
  const { connection, socket, statuses } = setup("h");
  const before = FakeSocket.all.length;
  socket.close(4404);
  assert.equal(statuses.at(-1), "refused");
  assert.equal(FakeSocket.all.length, before);
  connection.stop();
});

test("4401 (rights changed) reconnects at once: a fresh hello replaces the state, with no resume", () => {
  const details = [];
  const applied = [];
  const hellos = [];
  const connection = new RoomConnection({
    url: "ws://test/ws/sessions/1/",
    sessionId: "i",
    onHello: (frame) => hellos.push(frame),
    onEvent: (frame) => applied.push(frame.seq),
    onStatus: (status, detail) => details.push([status, detail]),
  });
  connection.start();
  const socket = FakeSocket.all.at(-1);
  socket.serverSends({ type: "hello", last_seq: 5, state: {}, session: {}, you: {} });
  socket.serverSends(event(6));
  // An event ahead of a gap, rendered for the old rights: it must not be applied after the change.
  socket.serverSends(event(9));
  assert.equal(connection.buffer.size, 1);
  const waiting = connection.sendDurable({ type: "contribute", text: "kept", kind: "story" });
  const before = FakeSocket.all.length;

  socket.close(4401);
  // At once: no back-off timer, a new socket right away, and no "refused".
  assert.equal(FakeSocket.all.length, before + 1);
  assert.ok(!details.some(([status]) => status === "refused"));
  assert.deepEqual(details.find(([, d]) => d && d.code === 4401), ["reconnecting", { code: 4401, delay: 0 }]);
  assert.equal(connection.buffer.size, 0);

  const next = FakeSocket.all.at(-1);
  next.serverSends({ type: "hello", last_seq: 8, state: {}, session: {}, you: {} });
  assert.equal(hellos.length, 2);
  assert.equal(connection.lastSeq, 8);
  // The fresh hello replaces the state; the server sends what follows it, as the person may see it now.
  assert.deepEqual(resumes(next), []);
  // Unsent words survive the change and go out again with the same client_id.
  const resent = next.sent.filter((f) => f.type === "contribute");
  assert.equal(resent.length, 1);
  assert.equal(resent[0].client_id, waiting.client_id);
  next.serverSends(event(9));
  next.serverSends(event(10));
  assert.deepEqual(applied, [6, 9, 10]);
  connection.stop();
});

test("a second 4401 before any hello backs off instead of reconnecting in a tight loop", () => {
  const { connection, socket, statuses } = setup("j");
  socket.close(4401);
  const retry = FakeSocket.all.at(-1);
  assert.notEqual(retry, socket);
  const count = FakeSocket.all.length;
  retry.close(4401);
  assert.equal(FakeSocket.all.length, count, "no immediate reconnect the second time");
  assert.equal(statuses.at(-1), "reconnecting");
  assert.ok(connection.reconnectTimer, "a back-off reconnect is scheduled");
  connection.stop();
});

test("after a rights change, a refusal (4403) is final", () => {
  const { connection, socket, statuses } = setup("k");
  socket.close(4401);
  const retry = FakeSocket.all.at(-1);
  const count = FakeSocket.all.length;
  retry.close(4403);
  assert.equal(statuses.at(-1), "refused");
  assert.equal(FakeSocket.all.length, count);
  assert.equal(connection.stopped, true);
  connection.stop();
});

test("once a hello arrives, a later 4401 reconnects at once again", () => {
  const { connection, socket } = setup("l");
  socket.close(4401);
  const second = FakeSocket.all.at(-1);
  second.serverSends({ type: "hello", last_seq: 6, state: {}, session: {}, you: {} });
  const count = FakeSocket.all.length;
  second.close(4401);
  assert.equal(FakeSocket.all.length, count + 1);
  connection.stop();
});
