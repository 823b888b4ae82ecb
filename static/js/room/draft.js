/**
 * The composer's unsent draft, kept on the device (`cg.draft.<session>.<member>`)
 * so that closing the tab, a reload or a crash never loses what a person was
 * writing.
 *
 * Once shared, the words are the outbox's (static/js/room/outbox.js) until the
 * server acknowledges them; the draft remembers the `client_id` they went
 * with and is removed only when that acknowledgement arrives. A draft that went
 * out is never put back in the box on the next visit (the outbox sends it, or
 * it was stored already), so nothing is shared twice. Signing out removes it
 * with every other `cg.` key (static/js/storage.js).
 *
 * The draft keeps the consent it was written under (and the contribution it
 * replies to), so that words typed as Off the record or Anonymous never come
 * back dressed as the session's default: one Enter would share them named. A
 * draft without a consent (or with one this device cannot read) comes back
 * with none, and the person chooses before it can be shared.
 */

import { STORAGE_PREFIX } from "../storage.js";

export const DRAFT_PREFIX = `${STORAGE_PREFIX}draft.`;

export class Draft {
  /**
   * @param {string} localKey  "<session>.<member>": one person's draft in one session
   * @param {Storage} storage  localStorage, or a stand-in under Node
   */
  constructor(localKey, storage = window.localStorage) {
    this.key = `${DRAFT_PREFIX}${localKey}`;
    this.storage = storage;
  }

  /** The stored draft: {text, client_id, consent, reply_to}, a field missing or unreadable as null. */
  read() {
    try {
      const parsed = JSON.parse(this.storage.getItem(this.key) || "null");
      if (parsed && typeof parsed.text === "string") {
        return {
          text: parsed.text,
          client_id: parsed.client_id || null,
          consent: typeof parsed.consent === "string" && parsed.consent ? parsed.consent : null,
          reply_to: Number.isInteger(parsed.reply_to) ? parsed.reply_to : null,
        };
      }
    } catch {
      // Unreadable: treated as no draft.
    }
    return null;
  }

  write(value) {
    try {
      this.storage.setItem(this.key, JSON.stringify(value));
    } catch {
      // Storage full or disabled: the words are still in the box.
    }
  }

  /**
   * What the box holds now, with the consent chosen for it and the contribution
   * it replies to (removed when empty); a draft sent and not yet acknowledged is
   * replaced by the new one.
   */
  keep(text, { consent = null, replyTo = null } = {}) {
    if (text.trim()) {
      this.write({ text, client_id: null, consent: consent || null, reply_to: replyTo ?? null });
      return;
    }
    const draft = this.read();
    if (draft && !draft.client_id) this.forget();
  }

  /** The words went out with this client_id: keep them until the server acknowledges it. */
  sent(text, clientId) {
    this.write({ text, client_id: clientId });
  }

  /** The server acknowledged a frame: if it carried this draft, the draft is done with. */
  acknowledged(clientId) {
    const draft = this.read();
    if (draft && draft.client_id && draft.client_id === clientId) this.forget();
  }

  /**
   * What to put back in the composer on arriving: the unsent draft, if any, as
   * {text, consent, replyTo} (consent null when none was kept). A draft that
   * was sent is never restored (the outbox still holds it and sends it, or it
   * was stored); one no longer in the outbox is forgotten.
   */
  restore(outboxHas) {
    const draft = this.read();
    if (!draft) return null;
    if (draft.client_id) {
      if (!outboxHas(draft.client_id)) this.forget();
      return null;
    }
    if (!draft.text.trim()) return null;
    return { text: draft.text, consent: draft.consent, replyTo: draft.reply_to };
  }

  forget() {
    try {
      this.storage.removeItem(this.key);
    } catch {
      // Storage disabled: nothing kept to remove.
    }
  }
}
