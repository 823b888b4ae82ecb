/**
 * A confirmation step inside the page, for what cannot be taken back
 * (withdrawing words) or needs a knowing yes (words going off the record).
 *
 * One <dialog id="confirm-dialog"> in the room's template, opened modally:
 * focus moves into it, Tab stays inside it, Escape or the cancel button says
 * no, and focus returns to the control that asked (or, if the room redrew
 * that control meanwhile, to its replacement, found by data-focus-key).
 * Never `window.confirm`, which some browsers suppress and which cannot be
 * styled or worded for the room.
 */

import { gettext } from "../i18n.js";
import { byId } from "./dom.js";

let finishPending = null;
let wired = false;

function wire(dialog) {
  if (wired) return;
  wired = true;
  byId("confirm-dialog-yes").addEventListener("click", () => finishPending && finishPending(true));
  byId("confirm-dialog-no").addEventListener("click", () => finishPending && finishPending(false));
  // Escape: the browser fires "cancel" and then closes the dialog.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (finishPending) finishPending(false);
  });
  dialog.addEventListener("close", () => finishPending && finishPending(false));
}

function restoreFocus(opener, focusKey) {
  if (opener && opener.isConnected && !opener.closest("[hidden]")) {
    opener.focus();
    return;
  }
  if (focusKey) {
    const again = document.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus();
  }
}

/**
 * Ask; resolves true for yes, false for no (Escape, cancel, or another
 * question taking its place).
 *
 * @param {object} options
 * @param {string} options.title         the question, as the dialog's heading
 * @param {string} options.text          what will happen, in plain words
 * @param {string} options.confirmLabel  the yes button
 * @param {string} [options.cancelLabel] the no button
 * @param {boolean} [options.danger]     the yes button is drawn as destructive
 * @param {"confirm"|"cancel"} [options.focus] which button has the keyboard first
 */
export function confirmInPage({ title, text, confirmLabel, cancelLabel = gettext("Cancel"), danger = false, focus = "cancel" }) {
  const dialog = byId("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return Promise.resolve(false);
  wire(dialog);
  if (finishPending) finishPending(false);
  const opener = document.activeElement;
  const focusKey = opener && opener.dataset ? opener.dataset.focusKey : null;
  byId("confirm-dialog-title").textContent = title;
  byId("confirm-dialog-text").textContent = text;
  const yes = byId("confirm-dialog-yes");
  const no = byId("confirm-dialog-no");
  yes.textContent = confirmLabel;
  yes.className = danger ? "button danger" : "button";
  no.textContent = cancelLabel;
  return new Promise((resolve) => {
    const finish = (answer) => {
      if (finishPending !== finish) return;
      finishPending = null;
      if (dialog.open) dialog.close();
      restoreFocus(opener, focusKey);
      resolve(answer);
    };
    finishPending = finish;
    dialog.showModal();
    (focus === "confirm" ? yes : no).focus();
  });
}

/** Close a confirmation that no longer applies (its words left the room), answering no. */
export function dismissConfirm() {
  if (finishPending) finishPending(false);
}
