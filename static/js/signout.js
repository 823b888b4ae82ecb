/**
 * Signing out forgets what this browser kept for the person: their live
 * rooms' unsent contributions (the outbox) and unsaved private notes. On a
 * shared laptop, the next person must never see, or send, someone else's words.
 *
 * Loaded on every signed-in page by templates/base.html. The header's
 * sign-out form carries `data-signout`; any other form posting to the same
 * address (a page's own "sign out" button) counts too. The keys are removed
 * as the form is submitted, before the page leaves.
 */

import { forgetEverything } from "./storage.js";

const signoutActions = new Set(
  Array.from(document.querySelectorAll("form[data-signout]"), (form) => form.action),
);

function isSignout(form) {
  return form instanceof HTMLFormElement && (form.hasAttribute("data-signout") || signoutActions.has(form.action));
}

// Capture phase, on the document: it runs before any handler of the form's
// own, and covers forms added to the page later.
document.addEventListener(
  "submit",
  (event) => {
    if (isSignout(event.target)) forgetEverything(window.localStorage);
  },
  true,
);
