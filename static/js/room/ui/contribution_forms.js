/**
 * The small forms that open on one contribution: editing one's words, "I heard
 * you" with an optional line of what was heard, and changing how one's words
 * may be attributed. Each keeps its half-typed draft across redraws and closes
 * on Escape, putting the keyboard back on the button that opened it.
 */

import { CONSENT_EXPLANATIONS, byId, charCount, closeOnEscape, el, overLimitMessage, setText } from "../dom.js";

/** Close a contribution's inline edit or "I heard you" form, dropping its draft. */
function closeInlineForm(ctx, openSet, contributionId, kind) {
  openSet.delete(contributionId);
  ctx.ui.drafts.delete(`${kind}-${contributionId}`);
  ctx.redrawContributions();
  const opener = byId(`contribution-${contributionId}`)?.querySelector(`[data-focus-key="${kind}-${contributionId}"]`);
  if (opener) opener.focus();
}

function formButtons(submitText, cancel) {
  return el(
    "div",
    { className: "button-row" },
    el("button", { type: "submit", className: "button small", text: submitText }),
    el("button", { type: "button", className: "button secondary small", text: "Cancel", onclick: cancel }),
  );
}

export function editForm(ctx, c, { mine = true } = {}) {
  const errorId = `contribution-error-${c.id}`;
  const label = mine ? "Edit your contribution" : "Edit the words you captured";
  const form = el("form", { className: "stack-form inline-edit" });
  const draftKey = `edit-${c.id}`;
  const drafts = ctx.ui.drafts;
  const area = el("textarea", {
    id: `edit-text-${c.id}`,
    rows: 4,
    dir: "auto",
    // No maxlength: a paste is kept whole, and an edit over the limit is refused below, never cut.
    dataset: { focusKey: `edit-text-${c.id}` },
  });
  area.value = drafts.has(draftKey) ? drafts.get(draftKey) : c.text;
  area.addEventListener("input", () => drafts.set(draftKey, area.value));
  const close = () => closeInlineForm(ctx, ctx.ui.editing, c.id, "edit");
  form.append(el("label", { for: `edit-text-${c.id}`, text: label }), area, formButtons("Save edit", close));
  closeOnEscape(form, close);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = area.value.trim();
    if (!value) {
      setText(errorId, "An edit can't be empty; withdraw the contribution instead.");
      return;
    }
    const over = overLimitMessage(charCount(value), ctx.limits.text);
    if (over) {
      setText(errorId, over);
      return;
    }
    ctx.act({ type: "contribution_edit", contribution_id: c.id, text: value }, errorId);
  });
  return form;
}

export function ackForm(ctx, c, errorId) {
  const inputId = `ack-reflection-${c.id}`;
  const form = el("form", { className: "inline-ack" });
  const draftKey = `ack-${c.id}`;
  const drafts = ctx.ui.drafts;
  const input = el("input", {
    type: "text",
    id: inputId,
    maxlength: ctx.limits.ack_reflection,
    dir: "auto",
    autocomplete: "off",
    dataset: { focusKey: `ack-input-${c.id}` },
  });
  input.value = drafts.get(draftKey) || "";
  input.addEventListener("input", () => drafts.set(draftKey, input.value));
  const close = () => closeInlineForm(ctx, ctx.ui.acking, c.id, "ack");
  form.append(
    el("label", { for: inputId, text: "What I heard (optional, one line)" }),
    input,
    formButtons("Send “I heard you”", close),
  );
  closeOnEscape(form, close);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.act({ type: "acknowledge", contribution_id: c.id, reflection: input.value.trim() }, errorId);
  });
  return form;
}

/** The speaker changes how their words may be attributed; the sentence under it says what others will then see. */
export function consentForm(ctx, c, errorId) {
  const selectId = `consent-${c.id}`;
  const explainId = `consent-explain-${c.id}`;
  const choices = Object.entries(ctx.labels.attribution || {});
  const select = el(
    "select",
    { id: selectId, "aria-describedby": explainId, dataset: { focusKey: `consent-${c.id}` } },
    choices.map(([value, label]) => el("option", { value, text: label, selected: value === c.consent })),
  );
  const explain = el("p", { className: "help consent-explain", id: explainId, text: CONSENT_EXPLANATIONS[c.consent] || "" });
  select.addEventListener("change", () => setText(explain, CONSENT_EXPLANATIONS[select.value] || ""));
  const form = el(
    "form",
    { className: "inline-consent" },
    el("label", { for: selectId, text: "How these words may be attributed" }),
    select,
    el("button", { type: "submit", className: "button secondary small", text: "Change", dataset: { focusKey: `consent-save-${c.id}` } }),
    explain,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (select.value !== c.consent) ctx.act({ type: "consent_set", contribution_id: c.id, consent: select.value }, errorId);
  });
  return form;
}
