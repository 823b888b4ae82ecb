/**
 * Writing to the room: the composer (kind, consent, reply), what others will
 * see under the chosen consent, the character counter, and the outbox of
 * words waiting to be sent.
 *
 * The consent menu starts at the session's default and returns to it after
 * every send, so the next words never go off the record (or unnamed) by
 * accident; sending off the record asks once, inside the page.
 *
 * Enter shares and Shift+Enter starts a new line, as in every chat a person
 * already knows (never while an input method is still composing a word). On
 * a touch screen, whose keyboard has no Shift+Enter, Enter starts a new line
 * and the Share button shares (Ctrl/Cmd+Enter still does, from a keyboard).
 * Text over the limit is kept whole and flagged, and cannot be shared until it
 * is shortened. The draft is kept on the device (room/draft.js) until the
 * server acknowledges it, with the consent it was written under and the
 * contribution it replies to: a restored draft comes back under that consent
 * (marked as usual, and said in a line: "Restored draft — it will be shared
 * as: Off the record"), or under none if that consent cannot be offered, so
 * the person chooses before Enter can share it.
 */

import { gettext, interpolate } from "../../i18n.js";
import { confirmInPage } from "../confirm.js";
import { CONSENT_EXPLANATIONS, byId, el, excerpt, offRecordMark, setText, show } from "../dom.js";
import { Draft } from "../draft.js";
import { authorName } from "../state.js";
import { counterText, flagLength, refuseOverLimit } from "../text_limit.js";

// The counter's words, shared with every other box in the room (room/text_limit.js).
export { counterText };

// Refusals after which the words are held and sent again, not handed back to the form.
const HELD_CODES = ["paused", "rate_limited", "unavailable"];

/**
 * Whether a key press in the composer shares the words: Enter (or Ctrl/Cmd+Enter), never
 * Shift+Enter or mid-composition; on a touch screen (``touch``) only Ctrl/Cmd+Enter.
 */
export function sendsOnKey(event, { touch = false } = {}) {
  if (event.key !== "Enter" || event.shiftKey || event.altKey) return false;
  if (touch && !(event.ctrlKey || event.metaKey)) return false;
  // An input method (Japanese, Chinese, Korean…) uses Enter to choose a word; 229 is its key code in older browsers.
  return !(event.isComposing || event.keyCode === 229);
}

// The consent menu's value when none is chosen (a restored draft whose consent cannot be offered).
const NO_CONSENT = "";

/** A screen whose main pointer is a finger: its keyboard's Enter is the only way to a new line. */
export function touchFirst(win = globalThis) {
  if (!win.matchMedia) return false;
  return win.matchMedia("(hover: none)").matches && win.matchMedia("(pointer: coarse)").matches;
}

export function init(ctx) {
  const text = byId("compose-text");
  const touch = touchFirst();
  if (touch) setText("compose-keys", gettext("Enter for a new line; the Share button shares."));
  ctx.draft = new Draft(ctx.localKey);
  const kept = ctx.draft.restore((clientId) => Boolean(ctx.connection.outbox.get(clientId)));
  if (kept && !text.value) restoreDraft(ctx, kept);
  text.addEventListener("input", () => {
    updateCounter(ctx);
    if (!text.value.trim() && byId("compose-restored")?.hidden === false) {
      // Nothing restored is left to describe (a hidden description would still be read).
      show("compose-restored", false);
      renderComposeConsent();
    }
    keepDraft(ctx);
  });
  text.addEventListener("keydown", (event) => {
    if (!sendsOnKey(event, { touch })) return;
    event.preventDefault();
    byId("compose-form").requestSubmit();
  });
  byId("compose-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitContribution(ctx);
  });
  byId("compose-attribution").addEventListener("change", () => {
    const select = byId("compose-attribution");
    if (select.value !== NO_CONSENT) removeNoConsentChoice();
    renderComposeConsent();
    keepDraft(ctx);
  });
  byId("compose-reply-cancel").addEventListener("click", () => setReplyTo(ctx, null));
  renderComposeConsent();
  renderOutbox(ctx);
  updateCounter(ctx, { quiet: true });
}

/** Whether the consent menu offers this consent now. */
export function consentOffered(select, consent) {
  return Boolean(consent) && [...select.options].some((o) => o.value === consent && !o.disabled);
}

/** The line under a restored draft: the consent it will be shared under, or that one must be chosen. */
export function restoredLine(label) {
  return label
    ? interpolate(gettext("Restored draft — it will be shared as: %(consent)s"), { consent: label }, true)
    : gettext("Restored draft — choose how it may be attributed before sharing it.");
}

/**
 * Put an unsent draft back as it was written: its words, its consent (or none,
 * if that consent cannot be offered: never the session's default, which could
 * name words written as Anonymous or share Off the record words unasked) and
 * the contribution it replied to.
 */
export function restoreDraft(ctx, kept) {
  byId("compose-text").value = kept.text;
  const select = byId("compose-attribution");
  if (consentOffered(select, kept.consent)) {
    removeNoConsentChoice();
    select.value = kept.consent;
  } else {
    chooseNoConsent(select);
  }
  if (kept.replyTo !== null && kept.replyTo !== undefined) {
    ctx.ui.replyTo = kept.replyTo;
    byId("compose-kind").value = "response";
  }
  show("compose-restored", true);
  renderComposeConsent();
}

/** No consent chosen: a placeholder choice, selected, that cannot be shared under. */
function chooseNoConsent(select) {
  if (!select.querySelector('option[value=""]')) {
    select.prepend(el("option", { value: NO_CONSENT, text: gettext("Choose how it may be attributed") }));
  }
  select.value = NO_CONSENT;
}

function removeNoConsentChoice() {
  byId("compose-attribution").querySelector('option[value=""]')?.remove();
}

/** Keep what the box holds on the device, with its consent and reply (never once the room shows no words). */
function keepDraft(ctx) {
  if (ctx.wordsGone || !ctx.draft) return;
  const consent = byId("compose-attribution").value;
  ctx.draft.keep(byId("compose-text").value, { consent: consent || null, replyTo: ctx.ui.replyTo });
}

/** What the composer says about the session's state under the form. */
export function composeNote(session) {
  if (session.state === "closed") return gettext("The session has closed; contributions are no longer taken.");
  if (session.state === "scheduled") return gettext("The session has not opened yet. You can draft here and share once it opens.");
  if (session.paused) return gettext("The room is paused: what you share now is held and sent when the facilitator resumes.");
  return "";
}

export function render(state, ctx) {
  renderComposeReply(ctx);
  setText("compose-note", composeNote(state.session));
}

/** The session's attribution default: what the composer and the note-share choice start from. */
export function defaultConsent(ctx) {
  const fromServer = ctx.state && ctx.state.session.attribution_default;
  return fromServer || byId("compose-attribution").dataset.default || ctx.config.attribution_default || "named";
}

/** Back to the session's default, so the next words never go off the record (or unnamed) by accident. */
export function resetComposeConsent(ctx) {
  const select = byId("compose-attribution");
  const value = defaultConsent(ctx);
  removeNoConsentChoice();
  if ([...select.options].some((o) => o.value === value)) select.value = value;
  show("compose-restored", false);
  renderComposeConsent();
}

/**
 * Say, next to the menu, what others will see under the chosen consent (a
 * polite live region, changed only when the choice does), and mark a draft
 * going off the record on the text box itself.
 */
function renderComposeConsent() {
  const select = byId("compose-attribution");
  const consent = select.value;
  setText("compose-consent-explain", CONSENT_EXPLANATIONS[consent] || "");
  const restored = byId("compose-restored");
  if (restored) setText(restored, restoredLine(consent ? select.selectedOptions[0]?.textContent.trim() : ""));
  const offRecord = consent === "off_record";
  show("compose-offrecord-mark", offRecord);
  const box = byId("compose-text");
  box.classList.toggle("off-record-draft", offRecord);
  box.placeholder = offRecord ? offRecordMark() : "";
  // A hidden description would still be read: it joins only while it shows.
  const marks = `${restored && !restored.hidden ? "compose-restored " : ""}${offRecord ? "compose-offrecord-mark " : ""}`;
  box.setAttribute("aria-describedby", `${marks}compose-keys compose-counter compose-over compose-error`);
  byId("compose-panel").classList.toggle("composing-off-record", offRecord);
}

/** The count under the box, flagged over the limit; the crossing is said once, either way, never at every key. */
export function updateCounter(ctx, { quiet = false } = {}) {
  return flagLength(byId("compose-text"), ctx.limits.text, {
    counter: byId("compose-counter"),
    overLine: byId("compose-over"),
    announcer: ctx.announcer,
    quiet,
  });
}

async function submitContribution(ctx) {
  const max = ctx.limits.text;
  const box = byId("compose-text");
  const value = box.value.trim();
  setText("compose-error", "");
  if (!value) {
    setText("compose-error", gettext("Write something before sharing."));
    box.focus();
    return;
  }
  // Refused here, kept whole: the person decides what to cut.
  if (refuseOverLimit(box, max, (message) => setText("compose-error", message))) return;
  const consent = byId("compose-attribution").value;
  if (consent === NO_CONSENT) {
    // A restored draft whose consent could not be offered: never shared under a guess.
    setText("compose-error", gettext("Choose how it may be attributed before sharing."));
    byId("compose-attribution").focus();
    return;
  }
  if (consent === "off_record") {
    // Once per send: off the record is a knowing choice, never a leftover.
    const yes = await confirmInPage({
      title: gettext("Share this off the record?"),
      text: CONSENT_EXPLANATIONS.off_record + " " + gettext("Nobody can quote it from the archive."),
      confirmLabel: gettext("Share off the record"),
      cancelLabel: gettext("Go back"),
      focus: "confirm",
    });
    if (!yes) return;
    // The room may have closed while the question was open.
    if (ctx.wordsGone || !box.value.trim() || byId("compose-attribution").value !== "off_record") return;
  }
  const words = box.value.trim();
  // The language chosen beside the words, if the page offers a choice (else the page's, room.js).
  const lang = byId("compose-lang")?.value || undefined;
  const sent = ctx.sendDurable(
    { type: "contribute", text: words, kind: byId("compose-kind").value, consent, reply_to: ctx.ui.replyTo, lang },
    "compose-error",
  );
  // Kept on the device until the server acknowledges it (onAck), not before.
  ctx.draft.sent(words, sent.client_id);
  box.value = "";
  updateCounter(ctx);
  setReplyTo(ctx, null, { focus: false });
  resetComposeConsent(ctx);
  if (!ctx.connection.isOpen()) {
    ctx.announcer.say(gettext("Not connected: your contribution is kept on this device and will be sent when the room is back."));
  }
}

/** Reply to a contribution (null: a new point). */
export function setReplyTo(ctx, contributionId, { focus = true } = {}) {
  ctx.ui.replyTo = contributionId;
  keepDraft(ctx);
  const box = byId("compose-reply");
  if (contributionId === null || !ctx.state) {
    box.hidden = true;
    return;
  }
  renderComposeReply(ctx);
  byId("compose-kind").value = "response";
  box.hidden = false;
  if (focus) byId("compose-text").focus();
}

/** "In reply to …": kept current, so a name hidden since (anonymous) is hidden here too. */
function renderComposeReply(ctx) {
  const replyTo = ctx.ui.replyTo;
  if (replyTo === null || !ctx.state) return;
  // A restored draft's reply shows once the room's state has arrived.
  byId("compose-reply").hidden = false;
  const parent = ctx.state.contributions.find((c) => c.id === replyTo);
  setText("compose-reply-author", parent ? authorName(parent) : gettext("a contribution"));
  setText("compose-reply-excerpt", parent ? excerpt(parent.text) : "");
}

/** The server acknowledged a contribution: the draft it came from is done with. */
export function onAck(sent, ctx) {
  if (sent && sent.type === "contribute" && ctx.draft) ctx.draft.acknowledged(sent.client_id);
}

/** A contribution the server refused for good comes back to the form, so nothing is lost. */
export function onError(frame, sent, ctx, { closed }) {
  if (!sent || sent.type !== "contribute" || HELD_CODES.includes(frame.code) || closed) return;
  const box = byId("compose-text");
  if (box && !box.value.trim()) {
    // Back under the consent it was sent with (or none, if that cannot be offered), never the default.
    // (Not the reply: the contribution it answered may be what the refusal was about.)
    restoreDraft(ctx, { text: sent.text, consent: sent.consent, replyTo: null });
    updateCounter(ctx);
    keepDraft(ctx);
  }
}

/** The room shows no words any more: the draft (on screen and on the device) and the reply go. */
export function forget(ctx) {
  setReplyTo(ctx, null, { focus: false });
  ctx.draft?.forget();
  const box = byId("compose-text");
  if (box) box.value = "";
  if (byId("compose-restored")) {
    show("compose-restored", false);
    renderComposeConsent();
  }
  setText("compose-over", "");
  setText("compose-reply-author", "");
  setText("compose-reply-excerpt", "");
}

/** Words waiting to be sent, kept on the device (the outbox) until the server acknowledges them. */
export function renderOutbox(ctx) {
  const pending = ctx.connection.pending();
  const list = byId("outbox-list");
  if (!list) return;
  show("outbox", pending.length > 0);
  list.replaceChildren(
    ...pending.map((frame) =>
      el(
        "li",
        { dataset: { clientId: frame.client_id } },
        el("span", { dir: "auto", lang: frame.lang || null, text: excerpt(frame.text || "", 120) }),
        el("span", { className: "muted", text: " · " + gettext("waiting to send") }),
      ),
    ),
  );
}
