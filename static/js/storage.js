/**
 * What Common Ground keeps in the browser's localStorage, and how it is forgotten.
 *
 * Every key starts with one prefix, so signing out (static/js/signout.js) can
 * remove all of them without knowing each one: a live room's unsent
 * contributions (`cg.outbox.<session>.<member>`), its unsaved private note
 * (`cg.note.<session>.<member>`) and anything added later. Keys written by
 * earlier versions already used this prefix, so they are removed too.
 */

export const STORAGE_PREFIX = "cg.";

/** Set (then removed) on sign-out, so other open tabs of the room hear of it through a `storage` event. */
export const SIGNED_OUT_KEY = `${STORAGE_PREFIX}signed-out`;

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
