/**
 * Contributions a person has sent but the server has not yet acknowledged.
 *
 * Kept in localStorage, keyed by session and member, so words typed while the network is
 * down survive a dropped socket, a reload, or a laptop going to sleep. Each
 * entry carries the client_id it was first sent with; re-sending it with the
 * same id never stores it twice, so the outbox can re-send freely until the
 * server acknowledges.
 */

import { STORAGE_PREFIX } from "../storage.js";

// Under the common prefix, so signing out removes it (static/js/signout.js).
const PREFIX = `${STORAGE_PREFIX}outbox.`;

function newClientId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  // randomUUID needs a secure context; plain http on a LAN address lacks one.
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Outbox {
  constructor(sessionId, storage = window.localStorage) {
    this.key = `${PREFIX}${sessionId}`;
    this.storage = storage;
    this.items = this.load();
  }

  load() {
    try {
      const raw = this.storage.getItem(this.key);
      const parsed = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed) ? parsed.filter((item) => item && item.client_id && item.frame) : [];
    } catch {
      return [];
    }
  }

  save() {
    try {
      if (this.items.length) {
        this.storage.setItem(this.key, JSON.stringify(this.items));
      } else {
        this.storage.removeItem(this.key);
      }
    } catch {
      // Storage full or disabled: the in-memory copy still re-sends while the page is open.
    }
  }

  /** Add a frame (a contribute, capture, …) and return it with its client_id. */
  add(frame) {
    const clientId = frame.client_id || newClientId();
    const stored = { ...frame, client_id: clientId };
    this.items.push({ client_id: clientId, frame: stored, queued_at: Date.now() });
    this.save();
    return stored;
  }

  remove(clientId) {
    const before = this.items.length;
    this.items = this.items.filter((item) => item.client_id !== clientId);
    if (this.items.length !== before) this.save();
    return before !== this.items.length;
  }

  get(clientId) {
    const found = this.items.find((item) => item.client_id === clientId);
    return found ? found.frame : null;
  }

  frames() {
    return this.items.map((item) => item.frame);
  }

  /** Forget every waiting frame, here and on the device (the room closed, or the person left it). */
  clear() {
    this.items = [];
    this.save();
  }

  /** Forget them in memory only: another tab has already cleared the device (sign-out). */
  dropInMemory() {
    this.items = [];
  }
}

export { newClientId };
