/**
 * Writing to the room: the composer (kind, consent, reply), what others will
 * see under the chosen consent, the character counter, and the outbox of
 * words waiting to be sent.
 *
 * The consent menu starts at the session's default and returns to it after
 * every send, so the next words never go off the record (or unnamed) by
 * accident; sending off the record asks once, inside the page.
 */

import { confirmInPage } from "../confirm.js";
import { CONSENT_EXPLANATIONS, OFF_RECORD_MARK, byId, el, excerpt, setText, show } from "../dom.js";
import { authorName } from "../state.js";

// Refusals after which the words are held and sent again, not handed back to the form.
const HELD_CODES = ["paused", "rate_limited", "unavailable"];

export function init(ctx) {
  const text = byId("compose-text");
  text.addEventListener("input", () => updateCounter(ctx));
  byId("compose-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitContribution(ctx);
  });
  byId("compose-attribution").addEventListener("change", () => renderComposeConsent());
  byId("compose-reply-cancel").addEventListener("click", () => setReplyTo(ctx, null));
  renderComposeConsent();
  renderOutbox(ctx);
}

/** What the composer says about the session's state under the form. */
export function composeNote(session) {
  if (session.state === "closed") return "The session has closed; contributions are no longer taken.";
  if (session.state === "scheduled") return "The session has not opened yet. You can draft here and share once it opens.";
  if (session.paused) return "The room is paused: what you share now is held and sent when the facilitator resumes.";
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
  if ([...select.options].some((o) => o.value === value)) select.value = value;
  renderComposeConsent();
}

/**
 * Say, next to the menu, what others will see under the chosen consent (a
 * polite live region, changed only when the choice does), and mark a draft
 * going off the record on the text box itself.
 */
function renderComposeConsent() {
  const consent = byId("compose-attribution").value;
  setText("compose-consent-explain", CONSENT_EXPLANATIONS[consent] || "");
  const offRecord = consent === "off_record";
  show("compose-offrecord-mark", offRecord);
  const box = byId("compose-text");
  box.classList.toggle("off-record-draft", offRecord);
  box.placeholder = offRecord ? OFF_RECORD_MARK : "";
  // A hidden description would still be read: it joins only while it shows.
  box.setAttribute("aria-describedby", `${offRecord ? "compose-offrecord-mark " : ""}compose-counter compose-error`);
  byId("compose-panel").classList.toggle("composing-off-record", offRecord);
}

/** "12 of 4000 characters", flagged near the limit. */
export function counterText(used, max) {
  return { text: `${used} of ${max} characters`, flag: used > max - 200 };
}

export function updateCounter(ctx) {
  const max = ctx.limits.text;
  const used = byId("compose-text").value.length;
  const counter = byId("compose-counter");
  const { text, flag } = counterText(used, max);
  counter.textContent = text;
  counter.classList.toggle("flag", flag);
  if (used === max) ctx.announcer.say(`You have reached the ${max}-character limit.`);
}

async function submitContribution(ctx) {
  const max = ctx.limits.text;
  const box = byId("compose-text");
  const value = box.value.trim();
  setText("compose-error", "");
  if (!value) {
    setText("compose-error", "Write something before sharing.");
    box.focus();
    return;
  }
  if (value.length > max) {
    setText("compose-error", `At most ${max} characters.`);
    return;
  }
  const consent = byId("compose-attribution").value;
  if (consent === "off_record") {
    // Once per send: off the record is a knowing choice, never a leftover.
    const yes = await confirmInPage({
      title: "Share this off the record?",
      text: `${CONSENT_EXPLANATIONS.off_record} Nobody can quote it from the archive.`,
      confirmLabel: "Share off the record",
      cancelLabel: "Go back",
      focus: "confirm",
    });
    if (!yes) return;
    // The room may have closed while the question was open.
    if (ctx.wordsGone || !box.value.trim() || byId("compose-attribution").value !== "off_record") return;
  }
  ctx.sendDurable(
    { type: "contribute", text: box.value.trim(), kind: byId("compose-kind").value, consent, reply_to: ctx.ui.replyTo },
    "compose-error",
  );
  box.value = "";
  updateCounter(ctx);
  setReplyTo(ctx, null, { focus: false });
  resetComposeConsent(ctx);
  if (!ctx.connection.isOpen()) {
    ctx.announcer.say("Not connected: your contribution is kept on this device and will be sent when the room is back.");
  }
}

/** Reply to a contribution (null: a new point). */
export function setReplyTo(ctx, contributionId, { focus = true } = {}) {
  ctx.ui.replyTo = contributionId;
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
  const parent = ctx.state.contributions.find((c) => c.id === replyTo);
  setText("compose-reply-author", parent ? authorName(parent) : "a contribution");
  setText("compose-reply-excerpt", parent ? excerpt(parent.text) : "");
}

/** A contribution the server refused for good comes back to the form, so nothing is lost. */
export function onError(frame, sent, ctx, { closed }) {
  if (!sent || sent.type !== "contribute" || HELD_CODES.includes(frame.code) || closed) return;
  const box = byId("compose-text");
  if (box && !box.value.trim()) {
    box.value = sent.text;
    updateCounter(ctx);
  }
}

/** The room shows no words any more: the draft and the reply go. */
export function forget(ctx) {
  setReplyTo(ctx, null, { focus: false });
  const box = byId("compose-text");
  if (box) box.value = "";
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
        el("span", { text: excerpt(frame.text || "", 120) }),
        el("span", { className: "muted", text: " · waiting to send" }),
      ),
    ),
  );
}
