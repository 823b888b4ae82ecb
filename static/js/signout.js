/**
 * Signing out forgets what this browser kept for the person: their live
 * rooms' unsent contributions (the outbox), unsaved private notes and the
 * composer's drafts. On a
 * shared laptop, the next person must never see, or send, someone else's words.
 *
 * Loaded on every page by templates/base.html. The header's sign-out form
 * carries `data-signout`; any other form posting to the same address (a
 * page's own "sign out" button) counts too. The keys are removed as the form
 * is submitted, before the page leaves.
 *
 * A session that ends another way (it expires, the server signs the person
 * out, the account is deactivated) leaves no sign-out to hear. So on arriving,
 * before any other script of the page runs: a page rendered for a signed-out
 * visitor (`<body data-signed-out>`) forgets every key, and a page rendered
 * for a signed-in person (`<body data-user="<id>">`) forgets every key kept
 * for anyone else. A page that says neither (an error page rendered without
 * the visitor) leaves the keys alone.
 */

import { forgetEverything, forgetOthersOnArrival } from "./storage.js";

const body = document.body;
try {
  if (body && body.dataset.user) forgetOthersOnArrival(window.localStorage, body.dataset.user);
  else if (body && "signedOut" in body.dataset) forgetOthersOnArrival(window.localStorage, null);
} catch {
  // Storage disabled (reading window.localStorage itself throws): nothing is kept to forget.
}

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
