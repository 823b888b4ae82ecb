/**
 * Themes, for those who run the room: tagging and untagging a contribution,
 * the console's list of themes with how many contributions carry each, and
 * creating a theme.
 */

import { gettext, interpolate, ngettext } from "../../i18n.js";
import { byId, el, replaceList, setText } from "../dom.js";
import { recount, refuseOverLimit, watchLength } from "../text_limit.js";

export function init(ctx) {
  const form = byId("theme-create-form");
  if (!ctx.config.can_facilitate || !form) return;
  const box = byId("theme-name");
  const max = ctx.limits.theme_name;
  watchLength(box, max, { counter: byId("theme-counter"), overLine: byId("theme-over"), announcer: ctx.announcer, verb: "create the theme" });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = box.value.trim();
    if (!name) {
      setText("theme-error", gettext("Name the theme first."));
      return;
    }
    if (refuseOverLimit(box, max, (message) => setText("theme-error", message), { verb: "create the theme" })) return;
    if (ctx.act({ type: "theme_create", name }, "theme-error")) {
      box.value = "";
      recount(box);
    }
  });
}

/** How many contributions carry each theme, by theme id. */
export function taggedCounts(themes, contributions) {
  const counts = new Map(themes.map((t) => [t.id, 0]));
  for (const c of contributions) {
    for (const id of c.themes || []) if (counts.has(id)) counts.set(id, counts.get(id) + 1);
  }
  return counts;
}

/** "3 tagged": how many contributions carry a theme. */
function taggedText(n) {
  return interpolate(ngettext("%(n)s tagged", "%(n)s tagged", n), { n }, true);
}

/** The console's list of themes (only on a page that runs the room). */
export function render(state, ctx) {
  if (!ctx.config.can_facilitate) return;
  const counts = taggedCounts(state.themes, state.contributions);
  replaceList(
    byId("theme-list"),
    state.themes.map((t) => el("li", {}, el("span", { dir: "auto", text: t.name }), el("span", { className: "muted", text: " · " + taggedText(counts.get(t.id)) }))),
  );
}

/** Under a contribution: a button per theme it carries (to untag) and a menu of the others (to tag). */
export function themeControls(state, ctx, c, errorId) {
  const tagged = new Set(c.themes || []);
  const controls = [];
  const untag = el("div", { className: "button-row theme-tags" });
  const untaggable = ctx.may("theme_untag") ? state.themes.filter((t) => tagged.has(t.id)) : [];
  for (const theme of untaggable) {
    untag.append(
      el("button", {
        type: "button",
        className: "button secondary small",
        text: interpolate(gettext("Remove theme: %(theme)s"), { theme: theme.name }, true),
        dataset: { focusKey: `untag-${c.id}-${theme.id}` },
        onclick: () => ctx.act({ type: "theme_untag", contribution_id: c.id, theme_id: theme.id }, errorId),
      }),
    );
  }
  if (untag.childNodes.length) controls.push(untag);
  const untaggedThemes = ctx.may("theme_tag") ? state.themes.filter((t) => !tagged.has(t.id)) : [];
  if (untaggedThemes.length) {
    const selectId = `theme-select-${c.id}`;
    const select = el(
      "select",
      { id: selectId, dataset: { focusKey: `theme-select-${c.id}` } },
      untaggedThemes.map((t) => el("option", { value: t.id, text: t.name })),
    );
    const form = el(
      "form",
      { className: "inline-theme" },
      el("label", { for: selectId, text: gettext("Tag with a theme") }),
      select,
      el("button", { type: "submit", className: "button secondary small", text: gettext("Tag"), dataset: { focusKey: `tag-${c.id}` } }),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      ctx.act({ type: "theme_tag", contribution_id: c.id, theme_id: Number(select.value) }, errorId);
    });
    controls.push(form);
  }
  return controls;
}
