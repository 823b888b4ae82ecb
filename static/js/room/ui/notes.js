/**
 * Private notes, written during a quiet reflection: kept on the device until
 * the server holds them (`note_save`), and shared into the room only when the
 * person chooses how they may be attributed, there and then (`note_share`).
 */

import { gettext } from "../../i18n.js";
import { CONSENT_EXPLANATIONS, byId, closeOnEscape, setText } from "../dom.js";
import { recount, refuseOverLimit, untrimmedCount, watchLength } from "../text_limit.js";
import { defaultConsent } from "./composer.js";

const SAVE_AFTER_MS = 1500;

/**
 * The note's count against its limit: untrimmed, as the server counts a note
 * saved as typed. Over it, the note stays whole on the device and is not saved
 * until it is shortened.
 */
function noteLength(ctx) {
  return { counter: byId("reflection-notes-counter"), overLine: byId("reflection-notes-over"), announcer: ctx.announcer, verb: "save", count: untrimmedCount };
}

export function init(ctx) {
  const notes = byId("reflection-notes");
  notes.value = window.localStorage.getItem(ctx.noteKey) || "";
  watchLength(notes, ctx.limits.note, noteLength(ctx));
  let noteTimer = null;
  notes.addEventListener("input", () => {
    if (ctx.wordsGone) return;
    // Kept on the device only until the server holds it: private notes should not linger in the browser.
    window.localStorage.setItem(ctx.noteKey, notes.value);
    window.clearTimeout(noteTimer);
    noteTimer = window.setTimeout(() => saveNote(ctx), SAVE_AFTER_MS);
  });
  // Sharing a note asks how it may be attributed, there and then (never the composer's menu).
  byId("reflection-share").addEventListener("click", () => {
    if (byId("note-share-step").hidden) openNoteShare(ctx);
    else closeNoteShare();
  });
  byId("note-share-confirm").addEventListener("click", () => shareNote(ctx));
  byId("note-share-cancel").addEventListener("click", () => closeNoteShare());
  byId("note-share-step").addEventListener("change", () => renderNoteConsent());
  closeOnEscape(byId("note-share-step"), () => closeNoteShare());
}

/** Save the private note; offline, it simply waits on the device for the next connection. */
export function saveNote(ctx) {
  if (ctx.wordsGone) return;
  const text = byId("reflection-notes").value;
  // Over the limit the server would refuse it: it waits on the device, whole, until it is shortened.
  if (untrimmedCount(text) > ctx.limits.note) return;
  ctx.connection.sendAction({ type: "note_save", text });
}

/**
 * After a hello: a note typed here and not yet saved wins over the server's
 * copy (and is saved); one the server already holds is forgotten on the device.
 * After close the note stays privately on the server and is never shown here.
 */
export function afterHello(state, ctx) {
  const unsavedNote = window.localStorage.getItem(ctx.noteKey);
  if (state.session.state === "closed") {
    // Kept privately on the server and forgotten here (forget, when the room leaves its words).
  } else if (unsavedNote !== null && (!state.note || state.note.text !== unsavedNote)) {
    state.note = { text: unsavedNote, updated_at: null };
    window.setTimeout(() => saveNote(ctx), 0);
  } else if (unsavedNote !== null) {
    window.localStorage.removeItem(ctx.noteKey);
  }
  const notes = byId("reflection-notes");
  if (state.note && notes && document.activeElement !== notes) {
    notes.value = state.note.text;
    recount(notes);
  }
}

export function onAck(sent, ctx) {
  if (sent.type === "note_save") {
    if (window.localStorage.getItem(ctx.noteKey) === sent.text) window.localStorage.removeItem(ctx.noteKey);
  } else if (sent.type === "note_share") {
    if (!ctx.wordsGone) ctx.announcer.say(gettext("Your note is shared into the room."));
  }
}

/** The note changed in another of the person's tabs. */
export function onFrame(frame, ctx) {
  if (frame.type !== "private" || frame.kind !== "note") return;
  const state = ctx.state;
  if (!state || ctx.wordsGone || state.session.state === "closed") return;
  state.note = frame.note;
  const box = byId("reflection-notes");
  if (box && document.activeElement !== box && frame.note && !box.value) {
    box.value = frame.note.text;
    recount(box);
  }
}

/** The room shows no words any more: empty the box; after close the device forgets the note too. */
export function forget(ctx, reason) {
  const box = byId("reflection-notes");
  if (box) box.value = "";
  recount(box);
  closeNoteShare({ focus: false });
  if (reason === "closed") {
    // The note as last saved stays, privately, on the server (a closed session
    // takes no more notes: its off-the-record words were erased from them at
    // the close); the device forgets it and never shows it here again.
    try {
      window.localStorage.removeItem(ctx.noteKey);
    } catch {
      // Storage disabled: nothing was kept there.
    }
  }
  // Refused (a lapsed sign-in, say): the device keeps an unsaved note for the
  // next time this person is let in; signing out removes it (signout.js).
}

export function openNoteShare(ctx) {
  const notes = byId("reflection-notes");
  setText("reflection-error", "");
  if (!notes.value.trim()) {
    setText("reflection-error", gettext("Write something in your notes first."));
    notes.focus();
    return;
  }
  // Shared as a contribution: held to the contribution's limit, never cut.
  if (refuseOverLimit(notes, ctx.limits.text, (message) => setText("reflection-error", message))) return;
  const step = byId("note-share-step");
  const choice = defaultConsent(ctx);
  let checked = null;
  for (const radio of step.querySelectorAll("input[name=note-consent]")) {
    radio.checked = radio.value === choice;
    if (radio.checked) checked = radio;
  }
  step.hidden = false;
  byId("reflection-share").setAttribute("aria-expanded", "true");
  renderNoteConsent();
  (checked || step.querySelector("input[name=note-consent]"))?.focus();
}

export function closeNoteShare({ focus = true } = {}) {
  const step = byId("note-share-step");
  if (!step || step.hidden) return;
  const hadFocus = step.contains(document.activeElement);
  step.hidden = true;
  byId("reflection-share").setAttribute("aria-expanded", "false");
  if (focus && hadFocus) byId("reflection-share").focus();
}

function renderNoteConsent() {
  const chosen = byId("note-share-step").querySelector("input[name=note-consent]:checked");
  setText("note-consent-explain", chosen ? CONSENT_EXPLANATIONS[chosen.value] || "" : "");
}

function shareNote(ctx) {
  const value = byId("reflection-notes").value.trim();
  const chosen = byId("note-share-step").querySelector("input[name=note-consent]:checked");
  if (!value) {
    setText("reflection-error", gettext("Write something in your notes first."));
    return;
  }
  if (!chosen) {
    setText("reflection-error", gettext("Choose how your note may be attributed."));
    return;
  }
  if (refuseOverLimit(byId("reflection-notes"), ctx.limits.text, (message) => setText("reflection-error", message))) return;
  ctx.sendDurable({ type: "note_share", text: value, consent: chosen.value }, "reflection-error");
  closeNoteShare();
  byId("reflection-share").focus();
}

/** Notes have no render of their own: the reflection panel shows them (ui/reflection.js). */
export function render() {}
