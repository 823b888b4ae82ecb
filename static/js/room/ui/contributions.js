/**
 * The contributions: each person's words, threaded by reply, with who wrote
 * them only as far as this reader may know (docs/protocol.md §3), how many
 * heard them, and the controls the reader may use on them.
 *
 * Only the contributions that changed are redrawn. Unchanged items keep their
 * DOM nodes, so a screen reader's place, keyboard focus and half-typed edits
 * are not disturbed by someone else's words arriving.
 */

import { gettext, interpolate, ngettext } from "../../i18n.js";
import { confirmInPage } from "../confirm.js";
import { byId, describeMember, el, excerpt, fillIn, labelFor, show } from "../dom.js";
import { authorName, isAuthorHidden, isCapturedBy, isOwnContribution } from "../state.js";
import { setReplyTo } from "./composer.js";
import { ackForm, consentForm, editForm } from "./contribution_forms.js";
import { themeControls } from "./themes.js";

export function render(state, ctx) {
  const me = state.you.member_id;
  const { editing, acking, itemCache } = ctx.ui;
  const themeNames = new Map(state.themes.map((t) => [t.id, t.name]));
  const byIdMap = new Map(state.contributions.map((c) => [c.id, c]));
  const list = byId("contribution-list");
  const seen = new Set();
  const nodes = state.contributions.map((c) => {
    seen.add(c.id);
    const parent = c.reply_to ? byIdMap.get(c.reply_to) : null;
    const signature = JSON.stringify([
      c,
      parent ? [authorName(parent), parent.text] : null,
      editing.has(c.id),
      acking.has(c.id),
      state.session.state,
      state.themes,
      (state.ackReflections[c.id] || []).length,
      state.you.actions,
      ctx.runsRoom(),
    ]);
    const cached = itemCache.get(c.id);
    if (cached && cached.signature === signature) return cached.node;
    const node = contributionItem(state, ctx, c, { me, themeNames, byIdMap });
    if (cached) carryError(ctx, cached.node, node);
    itemCache.set(c.id, { signature, node });
    return node;
  });
  for (const id of [...itemCache.keys()]) if (!seen.has(id)) itemCache.delete(id);

  const active = document.activeElement;
  const focusKey = active && list.contains(active) ? active.dataset.focusKey : null;
  nodes.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  while (list.children.length > nodes.length) list.lastElementChild.remove();
  if (focusKey && !list.contains(document.activeElement)) {
    const again = list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus();
    else byId("contributions-heading").focus();
  }
  show("contributions-empty", nodes.length === 0);
}

/** Redraw the list now (after a form on it opened or closed). */
function rerender(ctx) {
  if (ctx.state) render(ctx.state, ctx);
}

/** Keep an error shown under a contribution when that contribution is redrawn. */
function carryError(ctx, oldNode, newNode) {
  const before = oldNode.querySelector(":scope > .control-error");
  const after = newNode.querySelector(":scope > .control-error");
  if (!before || !after) return;
  after.textContent = before.textContent;
  for (const [clientId, target] of ctx.errorTargets) {
    if (target === before) ctx.errorTargets.set(clientId, after);
  }
}

/** The reply line: "In reply to Ana Ruiz: “…”", or to words since withdrawn. */
export function replyLine(parent) {
  return parent
    ? interpolate(gettext("%(name)s: “%(words)s”"), { name: authorName(parent), words: excerpt(parent.text) }, true)
    : gettext("a contribution that was withdrawn");
}

/** "Heard by 3 people, including you". */
export function heardBy(c) {
  const format = c.acked_by_me
    ? ngettext("Heard by %(n)s person, including you", "Heard by %(n)s people, including you", c.acks)
    : ngettext("Heard by %(n)s person", "Heard by %(n)s people", c.acks);
  return interpolate(format, { n: c.acks }, true);
}

function button(text, ariaLabel, focusKey, onclick, danger = false) {
  return el("button", {
    type: "button",
    className: danger ? "button danger small" : "button secondary small",
    text,
    "aria-label": ariaLabel,
    dataset: { focusKey },
    onclick,
  });
}

function contributionItem(state, ctx, c, { me, themeNames, byIdMap }) {
  // Who wrote it, only as far as this reader may know: anonymous words show
  // "Anonymous", no role or team, and are never treated as the reader's own.
  const hidden = isAuthorHidden(c);
  const name = authorName(c);
  const mine = isOwnContribution(c, me);
  const captured = !mine && isCapturedBy(c, me);
  const open = state.session.state === "open";
  const { editing, acking } = ctx.ui;
  const li = el("li", { className: `contribution${c.reply_to ? " is-reply" : ""}`, id: `contribution-${c.id}` });
  li.append(
    el(
      "p",
      { className: "contribution-meta" },
      el("strong", { dir: "auto", text: name }),
      !hidden ? el("span", { className: "muted", text: ` · ${describeMember(c.author, ctx.labels.stakeholder_role, ctx.labels.exchange_role)}` }) : null,
      mine && c.consent === "anonymous" ? el("span", { className: "muted", text: " · " + gettext("yours; everyone else sees “Anonymous”") }) : null,
      " ",
      el("span", { className: "badge", text: labelFor(ctx.labels.kind, c.kind) }),
      " ",
      el("span", { className: `badge consent consent-${c.consent}`, text: labelFor(ctx.labels.attribution, c.consent) }),
      c.captured_by
        ? el("span", { className: "muted", text: " · " + (captured ? gettext("captured by you") : gettext("captured by the scribe")) })
        : null,
      c.edited_at ? el("span", { className: "muted", text: " · " + gettext("edited") }) : null,
    ),
  );
  if (c.reply_to) {
    const parent = byIdMap.get(c.reply_to);
    li.append(
      el(
        "p",
        { className: "in-reply-to muted" },
        fillIn(gettext("In reply to %(contribution)s"), {
          contribution: parent ? el("a", { href: `#contribution-${parent.id}`, dir: "auto", text: replyLine(parent) }) : replyLine(null),
        }),
      ),
    );
  }
  if (editing.has(c.id)) {
    li.append(editForm(ctx, c, { mine }));
  } else {
    // ``lang``: the language the words were written in, where the room may know it (docs/languages.md).
    li.append(el("p", { className: "contribution-text", dir: "auto", lang: (!c.purged && c.lang) || null, text: c.purged ? gettext("(off the record: not kept)") : c.text }));
  }
  const themes = (c.themes || []).map((id) => themeNames.get(id)).filter(Boolean);
  if (themes.length) {
    li.append(
      el(
        "p",
        { className: "contribution-themes" },
        fillIn(gettext("Themes: %(themes)s"), { themes: themes.map((theme) => el("span", { className: "badge theme", dir: "auto", text: theme })) }),
      ),
    );
  }
  const reflections = state.ackReflections[c.id] || [];
  li.append(el("p", { className: "muted acks" }, heardBy(c)));
  if (reflections.length) {
    li.append(
      el(
        "ul",
        { className: "ack-reflections", "aria-label": gettext("What people heard") },
        reflections.map((r) => el("li", {}, el("strong", { dir: "auto", text: r.display_name }), ": ", el("span", { dir: "auto", text: r.reflection }))),
      ),
    );
  }
  const actions = el("div", { className: "button-row contribution-actions" });
  const errorId = `contribution-error-${c.id}`;
  if (open) {
    if (ctx.may("contribute")) {
      actions.append(button(gettext("Reply"), interpolate(gettext("Reply to %(name)s"), { name }, true), `reply-${c.id}`, () => setReplyTo(ctx, c.id)));
    }
    if (!mine && !c.acked_by_me && !acking.has(c.id) && ctx.may("acknowledge")) {
      actions.append(
        button(gettext("I heard you"), interpolate(gettext("I heard you, %(name)s"), { name }, true), `ack-${c.id}`, () => {
          acking.add(c.id);
          rerender(ctx);
          byId(`ack-reflection-${c.id}`)?.focus();
        }),
      );
    }
    // The speaker edits and withdraws their own words; so may the scribe who captured them.
    const editLabel = mine ? gettext("Edit your contribution") : gettext("Edit the words you captured");
    if ((mine || captured) && !c.purged && !editing.has(c.id) && ctx.may("contribution_edit")) {
      actions.append(
        button(gettext("Edit"), editLabel, `edit-${c.id}`, () => {
          editing.add(c.id);
          rerender(ctx);
          byId(`edit-text-${c.id}`)?.focus();
        }),
      );
    }
    if ((mine || captured) && ctx.may("contribution_withdraw")) {
      const ask = {
        title: mine ? gettext("Withdraw your contribution?") : gettext("Withdraw the words you captured?"),
        confirmLabel: gettext("Withdraw"),
      };
      const withdrawLabel = mine ? gettext("Withdraw your contribution") : gettext("Withdraw the words you captured");
      actions.append(button(gettext("Withdraw"), withdrawLabel, `withdraw-${c.id}`, () => withdraw(ctx, c, errorId, ask), true));
    }
    // A facilitator may remove anyone's words, by id, without learning whose they are.
    if (ctx.runsRoom() && ctx.may("contribution_withdraw") && !mine && !captured) {
      const label = hidden
        ? gettext("Remove this anonymous contribution")
        : interpolate(gettext("Remove %(name)s's contribution"), { name }, true);
      const ask = { title: gettext("Remove this contribution from the room?"), confirmLabel: gettext("Remove") };
      actions.append(button(gettext("Remove"), label, `remove-${c.id}`, () => withdraw(ctx, c, errorId, ask), true));
    }
  }
  li.append(actions);
  if (acking.has(c.id)) li.append(ackForm(ctx, c, errorId));
  if (mine && open && !c.purged && ctx.may("consent_set")) li.append(consentForm(ctx, c, errorId));
  if (ctx.runsRoom()) li.append(...themeControls(state, ctx, c, errorId));
  li.append(el("p", { className: "control-error", id: errorId }));
  return li;
}

/** Withdrawing removes words from every screen at once: asked once, inside the page. */
async function withdraw(ctx, c, errorId, { title, confirmLabel }) {
  const yes = await confirmInPage({
    title,
    text: gettext("It is removed from everyone's screen at once, erased when the session closes, and never archived. Replies to it stay."),
    confirmLabel,
    cancelLabel: gettext("Keep it"),
    danger: true,
    focus: "cancel",
  });
  if (yes) ctx.act({ type: "contribution_withdraw", contribution_id: c.id }, errorId);
}

export function onAck(sent, ctx) {
  if (sent.type === "acknowledge") {
    ctx.ui.acking.delete(sent.contribution_id);
    ctx.ui.drafts.delete(`ack-${sent.contribution_id}`);
    rerender(ctx);
  } else if (sent.type === "contribution_edit") {
    ctx.ui.editing.delete(sent.contribution_id);
    ctx.ui.drafts.delete(`edit-${sent.contribution_id}`);
    rerender(ctx);
  }
}

/** A withdrawn contribution leaves the screen at once, with any form open on it. */
export function forgetContribution(ctx, id) {
  const { editing, acking, drafts, itemCache } = ctx.ui;
  editing.delete(id);
  acking.delete(id);
  drafts.delete(`edit-${id}`);
  drafts.delete(`ack-${id}`);
  itemCache.delete(id);
  if (ctx.ui.replyTo === id) {
    setReplyTo(ctx, null, { focus: false });
    ctx.announcer.say(gettext("The contribution you were replying to was withdrawn. Your words are kept as a new point."));
  }
}

/** After a fresh hello: drop open forms, drafts and drawn items that no longer fit the room. */
export function forgetStale(state, ctx) {
  const { editing, acking, drafts, itemCache } = ctx.ui;
  itemCache.clear();
  const me = state.you.member_id;
  const present = new Map(state.contributions.map((c) => [c.id, c]));
  for (const id of [...editing]) {
    const c = present.get(id);
    if (!c || !(isOwnContribution(c, me) || isCapturedBy(c, me))) {
      editing.delete(id);
      drafts.delete(`edit-${id}`);
    }
  }
  for (const id of [...acking]) {
    if (!present.has(id)) {
      acking.delete(id);
      drafts.delete(`ack-${id}`);
    }
  }
  if (ctx.ui.replyTo !== null && !present.has(ctx.ui.replyTo)) setReplyTo(ctx, null);
}

/** The room shows no words any more: every item, form and draft goes. */
export function forget(ctx) {
  ctx.ui.editing.clear();
  ctx.ui.acking.clear();
  ctx.ui.drafts.clear();
  ctx.ui.itemCache.clear();
  byId("contribution-list").replaceChildren();
}
