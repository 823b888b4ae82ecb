/**
 * One websocket to the live room, and the rules that keep the room's picture
 * whole over an unreliable network.
 *
 * The server persists every change as an event with a per-session seq that
 * rises by exactly one, and the channel layer that carries them may drop some.
 * So this client treats seq as the truth: it applies events strictly in
 * order, ignores duplicates, buffers anything that arrives early and asks the
 * server to replay the gap, and on every reconnect picks up from the last
 * event it applied. Contributions go through an outbox that re-sends them
 * with the same client_id until the server acknowledges them.
 */

import { Outbox, newClientId } from "./outbox.js";

const RESUME_RETRY_MS = 4000;
const BACKOFF_BASE_MS = 1000;
// The server's heartbeat period when the page does not say (LIVE_ROOM["HEARTBEAT_SECONDS"]).
const DEFAULT_HEARTBEAT_SECONDS = 5;
const BACKOFF_MAX_MS = 30000;
// Close codes after which reconnecting cannot help (not allowed in, no such session).
const FINAL_CLOSE_CODES = new Set([4403, 4404]);
// "Your rights in this exchange changed" (a new role, a removal): reconnect at
// once for a fresh hello with the rights the person has now.
export const CLOSE_RIGHTS_CHANGED = 4401;
// Error codes for which re-sending the same contribution would fail the same way.
const FINAL_ERROR_CODES = new Set(["bad_request", "forbidden", "too_long", "session_closed", "not_found", "conflict"]);

/**
 * What a socket's silence means, the server beating every `heartbeatMs`: after
 * one period without a frame the client asks ("probe": a heartbeat the server
 * answers at once); after two, the link is dead ("dead": reconnect, and say so).
 * A dropped network often closes nothing, so this is how a person learns of it.
 */
export function silenceVerdict(quietMs, heartbeatMs) {
  if (quietMs >= 2 * heartbeatMs) return "dead";
  if (quietMs >= heartbeatMs) return "probe";
  return "ok";
}

export class RoomConnection {
  /**
   * @param {object} options
   * @param {string} options.url       websocket URL of the session
   * @param {string|number} options.sessionId
   * @param {function} options.onHello   (frame) full room state replaced
   * @param {function} options.onEvent   (frame, {replayed}) one event, in seq order; replayed: part of a resume
   * @param {function} options.onAck     (frame, sentFrame)
   * @param {function} options.onError   (frame, sentFrame|null)
   * @param {function} options.onStatus  (status, detail) connecting|open|reconnecting|refused|closed;
   *                                     detail.code is the close code when a close caused it
   * @param {function} options.onFrame   (frame) anything else the server sends
   * @param {function} options.onOutboxChange () pending list changed
   * @param {number} [options.heartbeatSeconds] the server's heartbeat period (the page's config)
   */
  constructor(options) {
    this.url = options.url;
    this.heartbeatMs = Math.max(1, Number(options.heartbeatSeconds) || DEFAULT_HEARTBEAT_SECONDS) * 1000;
    this.handlers = options;
    this.outbox = new Outbox(options.sessionId);
    this.socket = null;
    this.lastSeq = null; // null until the first hello: nothing applied yet
    this.buffer = new Map(); // seq -> event frame that arrived ahead of a gap
    this.resumeRequestedAt = 0;
    this.resumeSince = null;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.resumeTimer = null;
    this.stopped = false;
    this.everOpened = false;
    this.helloSeen = false;
    this.rightsRetried = false; // an immediate reconnect after 4401 was made and no hello has come since
    this.sentUnqueued = new Map(); // client_id -> frame, for matching errors of non-outbox actions
  }

  start() {
    this.stopped = false;
    this.connect();
    window.addEventListener("online", () => this.reconnectSoon(0));
    // A socket can die without a close event (a laptop lid, a dropped Wi-Fi): notice the
    // silence within two heartbeats, checking several times a period.
    this.lastHeard = Date.now();
    this.probedAt = 0;
    this.watchdog = window.setInterval(() => this.checkAlive(), Math.min(1000, this.heartbeatMs / 4));
  }

  checkAlive(now = Date.now()) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    const verdict = silenceVerdict(now - this.lastHeard, this.heartbeatMs);
    if (verdict === "dead") {
      this.drop();
    } else if (verdict === "probe" && this.probedAt < this.lastHeard) {
      // Once per silence: the server answers a heartbeat at once if the link is alive.
      this.probedAt = now;
      this.send({ type: "heartbeat", last_seq: this.lastSeq ?? 0 });
    }
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    window.clearInterval(this.watchdog);
    if (this.socket) this.socket.close(1000, "leaving");
  }

  isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN && this.helloSeen;
  }

  connect() {
    clearTimeout(this.reconnectTimer);
    this.helloSeen = false;
    this.status(this.everOpened ? "reconnecting" : "connecting");
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (socket !== this.socket) return;
      this.everOpened = true;
      this.lastHeard = Date.now();
    });
    socket.addEventListener("message", (message) => {
      if (socket !== this.socket) return;
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.lastHeard = Date.now();
      if (frame && typeof frame === "object") this.receive(frame);
    });
    socket.addEventListener("close", (closeEvent) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.helloSeen = false;
      clearTimeout(this.resumeTimer);
      if (this.stopped) {
        this.status("closed", { code: closeEvent.code });
        return;
      }
      if (FINAL_CLOSE_CODES.has(closeEvent.code)) {
        this.stopped = true;
        clearTimeout(this.reconnectTimer);
        this.status("refused", { code: closeEvent.code });
        return;
      }
      if (closeEvent.code === CLOSE_RIGHTS_CHANGED) {
        this.rightsChanged();
        return;
      }
      this.scheduleReconnect();
    });
  }

  /**
   * The server closed with 4401: the person's rights changed. Events already
   * buffered were rendered for the old rights, so they are dropped; the fresh
   * hello replaces the state, and the resume that follows it fetches every
   * event after it as the person may see it now. Once at once; if the new
   * socket is closed again before its hello, the usual back-off applies, so a
   * server that keeps refusing is not hammered.
   */
  rightsChanged() {
    this.buffer.clear();
    this.resumeSince = null;
    if (this.rightsRetried) {
      this.scheduleReconnect();
      return;
    }
    this.rightsRetried = true;
    this.status("reconnecting", { code: CLOSE_RIGHTS_CHANGED, delay: 0 });
    this.connect();
  }

  /** Exponential back-off with jitter, so a whole room does not reconnect in one instant. */
  scheduleReconnect() {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.attempt += 1;
    this.status("reconnecting", { delay });
    this.reconnectSoon(delay);
  }

  reconnectSoon(delay) {
    if (this.stopped) return;
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** Drop the socket as a network failure would; the client reconnects by itself. */
  drop() {
    const socket = this.socket;
    if (!socket) return;
    // Detach first: on a dead network the close handshake may never finish.
    this.socket = null;
    this.helloSeen = false;
    try {
      socket.close(4000, "dropped");
    } catch {
      // Already closing.
    }
    if (!this.stopped) this.scheduleReconnect();
  }

  status(name, detail = {}) {
    if (this.handlers.onStatus) this.handlers.onStatus(name, detail);
  }

  receive(frame) {
    switch (frame.type) {
      case "hello":
        this.receiveHello(frame);
        break;
      case "event":
        this.receiveEvent(frame);
        break;
      case "heartbeat":
        if (this.lastSeq !== null && Number(frame.last_seq) > this.lastSeq) this.requestResume(true);
        if (this.handlers.onFrame) this.handlers.onFrame(frame);
        break;
      case "ack":
        this.receiveAck(frame);
        break;
      case "error":
        this.receiveError(frame);
        break;
      default:
        if (this.handlers.onFrame) this.handlers.onFrame(frame);
    }
  }

  receiveHello(frame) {
    const previous = this.lastSeq;
    this.lastSeq = Number(frame.last_seq) || 0;
    this.helloSeen = true;
    this.attempt = 0;
    this.rightsRetried = false;
    this.resumeSince = null;
    for (const seq of this.buffer.keys()) {
      if (seq <= this.lastSeq) this.buffer.delete(seq);
    }
    this.status("open", { resumed: previous !== null });
    this.handlers.onHello(frame);
    // No resume here: the server joins this socket to the room before it
    // reads the snapshot, so every later event follows the hello. One the
    // channel layer drops shows in the next heartbeat's last_seq.
    this.drainBuffer();
    this.flushOutbox();
  }

  receiveEvent(frame) {
    const seq = Number(frame.seq);
    if (!Number.isInteger(seq)) return;
    if (this.lastSeq === null) {
      this.buffer.set(seq, frame);
      return;
    }
    if (seq <= this.lastSeq) return; // a duplicate: replay or a late broadcast
    if (seq === this.lastSeq + 1) {
      this.apply(frame);
      this.drainBuffer();
      return;
    }
    this.buffer.set(seq, frame);
    this.requestResume(false);
  }

  apply(frame) {
    this.lastSeq = Number(frame.seq);
    // While a resume is answered, events are the replay of what was missed, not news.
    this.handlers.onEvent(frame, { replayed: this.resumeSince !== null });
    if (this.resumeSince !== null && this.buffer.size === 0) this.resumeSince = null;
  }

  drainBuffer() {
    while (this.lastSeq !== null && this.buffer.size) {
      const next = this.buffer.get(this.lastSeq + 1);
      for (const seq of this.buffer.keys()) {
        if (seq <= this.lastSeq) this.buffer.delete(seq);
      }
      if (!next) break;
      this.buffer.delete(this.lastSeq + 1);
      this.apply(next);
    }
    if (this.buffer.size) this.requestResume(false);
  }

  /** Ask for every event after the last one applied; at most one request in flight per gap. */
  requestResume(force) {
    if (this.lastSeq === null || !this.isOpen()) return;
    const now = Date.now();
    if (!force && this.resumeSince === this.lastSeq && now - this.resumeRequestedAt < RESUME_RETRY_MS) return;
    this.resumeSince = this.lastSeq;
    this.resumeRequestedAt = now;
    this.send({ type: "resume", since: this.lastSeq });
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      if (this.buffer.size) this.requestResume(true);
    }, RESUME_RETRY_MS);
  }

  receiveAck(frame) {
    const sent = this.outbox.get(frame.client_id) || this.sentUnqueued.get(frame.client_id) || null;
    this.outbox.remove(frame.client_id);
    this.sentUnqueued.delete(frame.client_id);
    if (this.handlers.onOutboxChange) this.handlers.onOutboxChange();
    if (this.handlers.onAck) this.handlers.onAck(frame, sent);
    // The ack names the event that stored it; if that event has not arrived, fetch it.
    if (frame.seq && this.lastSeq !== null && Number(frame.seq) > this.lastSeq) {
      setTimeout(() => {
        if (this.lastSeq !== null && Number(frame.seq) > this.lastSeq) this.requestResume(false);
      }, 1500);
    }
  }

  receiveError(frame) {
    let sent = null;
    if (frame.client_id) {
      sent = this.outbox.get(frame.client_id) || this.sentUnqueued.get(frame.client_id) || null;
      if (FINAL_ERROR_CODES.has(frame.code)) {
        this.outbox.remove(frame.client_id);
        if (this.handlers.onOutboxChange) this.handlers.onOutboxChange();
      } else if ((frame.code === "rate_limited" || frame.code === "unavailable") && this.outbox.get(frame.client_id)) {
        // Held, not refused: the outbox keeps it and sends it again shortly.
        setTimeout(() => this.flushOutbox(), 5000 + Math.random() * 3000);
      }
      this.sentUnqueued.delete(frame.client_id);
    }
    if (this.handlers.onError) this.handlers.onError(frame, sent);
  }

  send(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Send something that must not be lost (a contribution, a capture, a shared
   * note): it goes into the outbox first and leaves it only when acknowledged.
   */
  sendDurable(frame) {
    const stored = this.outbox.add(frame);
    if (this.handlers.onOutboxChange) this.handlers.onOutboxChange();
    if (this.isOpen()) this.send(stored);
    return stored;
  }

  /**
   * Send an action whose errors should come back to the control that caused
   * it. Actions are not queued: pressing "I'm done" an hour later would be wrong.
   * Returns the frame sent, or null when offline.
   */
  sendAction(frame) {
    const stored = { ...frame, client_id: frame.client_id || newClientId() };
    if (!this.isOpen()) return null;
    this.sentUnqueued.set(stored.client_id, stored);
    if (this.sentUnqueued.size > 200) {
      const oldest = this.sentUnqueued.keys().next().value;
      this.sentUnqueued.delete(oldest);
    }
    this.send(stored);
    return stored;
  }

  flushOutbox() {
    if (!this.isOpen()) return;
    for (const frame of this.outbox.frames()) this.send(frame);
  }

  pending() {
    return this.outbox.frames();
  }
}
