/**
 * What Common Ground keeps in the browser's localStorage, and how it is forgotten.
 *
 * Every key starts with one prefix, so signing out (static/js/signout.js) can
 * remove all of them without knowing each one: a live room's unsent
 * contributions (`cg.outbox.<session>.<member>`), its unsaved private note
 * (`cg.note.<session>.<member>`), the composer's draft
 * (`cg.draft.<session>.<member>`) and anything added later. Keys written by
 * earlier versions already used this prefix, so they are removed too.
 *
 * A session can also end without the sign-out form (it expires, the server
 * signs the person out, the account is deactivated), and the next person on a
 * shared computer must still find nothing. So every page says who it was
 * rendered for (static/js/signout.js, templates/base.html): a page for a
 * signed-out visitor forgets every key, and a page for a signed-in person
 * forgets every key kept for anyone else (the keys' owner, `cg.owner`).
 */

export const STORAGE_PREFIX = "cg.";

/** Set (then removed) on sign-out, so other open tabs of the room hear of it through a `storage` event. */
export const SIGNED_OUT_KEY = `${STORAGE_PREFIX}signed-out`;

/** Whose words the other keys are: the id of the signed-in user who last opened a page here. */
export const OWNER_KEY = `${STORAGE_PREFIX}owner`;

/** The keys of this origin's storage that belong to Common Ground. */
export function ownKeys(storage) {
  const keys = [];
  for (let i = 0; i < storage.length; i += 1) {
    const key = storage.key(i);
    if (key !== null && key.startsWith(STORAGE_PREFIX)) keys.push(key);
  }
  return keys;
}

/**
 * Remove every Common Ground key (drafts, outbox, unsaved notes), then tell
 * the person's other tabs. Returns the keys removed. Never throws: storage
 * may be disabled, and sign-out must go ahead regardless.
 */
export function forgetEverything(storage) {
  let removed = [];
  try {
    removed = ownKeys(storage);
    for (const key of removed) storage.removeItem(key);
    storage.setItem(SIGNED_OUT_KEY, String(Date.now()));
    storage.removeItem(SIGNED_OUT_KEY);
  } catch {
    // Storage disabled or full: nothing more can be done from here.
  }
  return removed;
}

/**
 * On arriving at a page: `user` is the signed-in user's id as the page was
 * rendered, or null for a signed-out visitor. Signed out, every key goes (and
 * open room tabs hear of it). Signed in, every key goes when another user owns
 * them: they are never shown to, or sent as, this one. Then this user owns
 * what is kept from now on. Returns the keys removed; never throws.
 */
export function forgetOthersOnArrival(storage, user) {
  if (!user) return forgetEverything(storage);
  let removed = [];
  try {
    const owner = storage.getItem(OWNER_KEY);
    if (owner === String(user)) return removed;
    // Keys with no owner recorded were kept before owners were: they are each
    // one member's (their names say whose) and are never shown to anyone else,
    // so they stay rather than lose words not yet sent.
    if (owner !== null) removed = forgetEverything(storage);
    storage.setItem(OWNER_KEY, String(user));
  } catch {
    // Storage disabled: nothing is kept to forget.
  }
  return removed;
}
