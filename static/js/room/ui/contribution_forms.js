/**
 * The small forms that open on one contribution: editing one's words, "I heard
 * you" with an optional line of what was heard, and changing how one's words
 * may be attributed. Each keeps its half-typed draft across redraws and closes
 * on Escape, putting the keyboard back on the button that opened it.
 */

import { gettext } from "../../i18n.js";
import { CONSENT_EXPLANATIONS, byId, closeOnEscape, el, setText } from "../dom.js";
import { refuseOverLimit, watchLength } from "../text_limit.js";

/** Close a contribution's inline edit or "I heard you" form, dropping its draft. */
function closeInlineForm(ctx, openSet, contributionId, kind) {
  openSet.delete(contributionId);
  ctx.ui.drafts.delete(`${kind}-${contributionId}`);
  ctx.redrawContributions();
  const opener = byId(`contribution-${contributionId}`)?.querySelector(`[data-focus-key="${kind}-${contributionId}"]`);
  if (opener) opener.focus();
}

/**
 * The live count and the over-the-limit line under a box of one's own words
 * (room/text_limit.js): the box keeps a long paste whole and says so.
 */
function lengthLines(ctx, box, max, verb, errorId) {
  const counter = el("p", { className: "help", id: `${box.id}-counter` });
  const overLine = el("p", { className: "control-error", id: `${box.id}-over` });
  box.setAttribute("aria-describedby", `${counter.id} ${overLine.id} ${errorId}`);
  watchLength(box, max, { counter, overLine, announcer: ctx.announcer, verb });
  return [counter, overLine];
}

function formButtons(submitText, cancel) {
  return el(
    "div",
    { className: "button-row" },
    el("button", { type: "submit", className: "button small", text: submitText }),
    el("button", { type: "button", className: "button secondary small", text: gettext("Cancel"), onclick: cancel }),
  );
}

export function editForm(ctx, c, { mine = true } = {}) {
  const errorId = `contribution-error-${c.id}`;
  const label = mine ? gettext("Edit your contribution") : gettext("Edit the words you captured");
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
  const max = ctx.limits.text;
  form.append(el("label", { for: `edit-text-${c.id}`, text: label }), area, ...lengthLines(ctx, area, max, "save", errorId), formButtons(gettext("Save edit"), close));
  closeOnEscape(form, close);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = area.value.trim();
    if (!value) {
      setText(errorId, gettext("An edit can't be empty; withdraw the contribution instead."));
      return;
    }
    if (refuseOverLimit(area, max, (message) => setText(errorId, message), { verb: "save" })) return;
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
    // No maxlength: a long paste is kept whole and flagged, and refused below until it is shortened.
    dir: "auto",
    autocomplete: "off",
    dataset: { focusKey: `ack-input-${c.id}` },
  });
  input.value = drafts.get(draftKey) || "";
  input.addEventListener("input", () => drafts.set(draftKey, input.value));
  const close = () => closeInlineForm(ctx, ctx.ui.acking, c.id, "ack");
  const max = ctx.limits.ack_reflection;
  form.append(
    el("label", { for: inputId, text: gettext("What I heard (optional, one line)") }),
    input,
    ...lengthLines(ctx, input, max, "send", errorId),
    formButtons(gettext("Send “I heard you”"), close),
  );
  closeOnEscape(form, close);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (refuseOverLimit(input, max, (message) => setText(errorId, message), { verb: "send" })) return;
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
    el("label", { for: selectId, text: gettext("How these words may be attributed") }),
    select,
    el("button", { type: "submit", className: "button secondary small", text: gettext("Change"), dataset: { focusKey: `consent-save-${c.id}` } }),
    explain,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (select.value !== c.consent) ctx.act({ type: "consent_set", contribution_id: c.id, consent: select.value }, errorId);
  });
  return form;
}
