/**
 * Time zones: the browser's own zone, told to the server and offered in
 * every time-zone question.
 *
 * Loaded on every page by templates/base.html.
 *
 * - The `tz` cookie carries the zone the browser reports, so a visitor who
 *   is not signed in (or has no membership yet) reads times in their own
 *   zone (core/middleware.py). A signed-in member's pages use the zone they
 *   saved instead.
 * - Every `<select data-time-zone-picker>` gets a search box above it that
 *   narrows the list as one types a city, country or region; the select
 *   itself stays the answer, so the page works the same without this script.
 * - `data-time-zone-picker="preselect"` (a person's zone, asked for the first
 *   time) chooses the browser's zone and says so; `"suggest"` (a zone saved
 *   earlier) leaves the answer alone and offers the browser's zone with a
 *   button when it differs.
 *
 * Browsers sometimes name a zone by an old alias (`Asia/Calcutta`); the
 * select's `data-time-zone-aliases` maps each alias to the zone listed.
 */

import { gettext, interpolate, ngettext } from "./i18n.js";

const COOKIE = "tz";
const ZONE_NAME = /^[A-Za-z0-9_+\-\/]{1,64}$/;
// How long typing must pause before the search box's count is said.
const SAY_AFTER_MS = 500;

/** The zone the browser reports, or "" when it reports none. */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

/** Keep the browser's zone in the `tz` cookie (a year; rewritten when it changes). */
export function rememberTimeZone(zone = browserTimeZone(), doc = document) {
  if (!ZONE_NAME.test(zone)) return;
  const current = doc.cookie.split("; ").find((part) => part.startsWith(`${COOKIE}=`));
  if (current === `${COOKIE}=${zone}`) return;
  const secure = doc.location && doc.location.protocol === "https:" ? "; Secure" : "";
  doc.cookie = `${COOKIE}=${zone}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
}

/** Lower case, no accents, underscores and slashes read as spaces: "são_paulo" finds "Sao Paulo". */
export function normalise(text) {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[_\/,()—–-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Whether every word of `query` appears in `haystack` (both normalised). */
export function matches(haystack, query) {
  const words = normalise(query).split(" ").filter(Boolean);
  const text = normalise(haystack);
  return words.every((word) => text.includes(word));
}

/** The listed zone a browser zone names (itself, or what its alias leads to), or null. */
export function resolveZone(zone, listed, aliases) {
  if (!zone) return null;
  if (listed.has(zone)) return zone;
  const target = aliases[zone];
  return target && listed.has(target) ? target : null;
}

function readAliases(select) {
  try {
    return JSON.parse(select.dataset.timeZoneAliases || "{}");
  } catch {
    return {};
  }
}

function optionLabel(select, value) {
  const option = Array.from(select.options).find((o) => o.value === value);
  return option ? option.textContent : value;
}

/** A translated sentence with page nodes in it: "Chosen: %(zone)s." with a <strong> for the zone. */
function fillIn(format, values) {
  const parts = [];
  let last = 0;
  for (const match of format.matchAll(/%\((\w+)\)s/g)) {
    if (match.index > last) parts.push(format.slice(last, match.index));
    parts.push(values[match[1]]);
    last = match.index + match[0].length;
  }
  if (last < format.length) parts.push(format.slice(last));
  return parts;
}

function note(doc, id, ...children) {
  const p = doc.createElement("p");
  p.className = "help";
  p.id = id;
  p.append(...children);
  return p;
}

/** Add the search box that narrows `select`'s options as one types. */
function addSearch(select, doc) {
  const groups = Array.from(select.querySelectorAll("optgroup"), (group) => ({
    group,
    options: Array.from(group.querySelectorAll("option")),
  }));
  const loose = Array.from(select.children).filter((el) => el.tagName === "OPTION");
  const all = [...loose, ...groups.flatMap((g) => g.options)];
  const searchText = new Map(
    all.map((o) => [o, `${o.value} ${o.textContent} ${o.parentElement.label || ""}`]),
  );

  const wrapper = doc.createElement("div");
  wrapper.className = "time-zone-search";
  const label = doc.createElement("label");
  label.htmlFor = `${select.id}_search`;
  label.textContent = gettext("Find a zone: type a city, country or region");
  const input = doc.createElement("input");
  input.type = "search";
  input.id = `${select.id}_search`;
  input.autocomplete = "off";
  input.setAttribute("aria-controls", select.id);
  input.setAttribute("aria-describedby", `${select.id}_count`);
  const count = note(doc, `${select.id}_count`);
  count.setAttribute("aria-live", "polite");
  wrapper.append(label, input, count);
  select.before(wrapper);

  function show(kept) {
    select.replaceChildren();
    for (const option of loose) if (kept.has(option)) select.append(option);
    for (const { group, options } of groups) {
      const shown = options.filter((o) => kept.has(o));
      if (!shown.length) continue;
      group.replaceChildren(...shown);
      select.append(group);
    }
  }

  // The count is a polite live region: it is said once typing pauses, not at every key.
  let pause = null;
  function say(text) {
    clearTimeout(pause);
    pause = setTimeout(() => {
      count.textContent = text;
    }, SAY_AFTER_MS);
  }

  function filter() {
    const query = input.value;
    if (!normalise(query)) {
      show(new Set(all));
      say("");
      return;
    }
    const found = all.filter((o) => matches(searchText.get(o), query));
    if (!found.length) {
      show(new Set(all));
      say(interpolate(gettext("No zone matches “%(query)s”; the whole list is shown."), { query: query.trim() }, true));
      return;
    }
    const chosen = select.value;
    show(new Set(found));
    if (!found.some((o) => o.value === chosen)) {
      select.value = found[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    say(
      found.length === 1
        ? interpolate(gettext("1 zone matches: %(zone)s, now chosen."), { zone: found[0].textContent }, true)
        : interpolate(
            ngettext("%(n)s zone matches; %(zone)s is chosen.", "%(n)s zones match; %(zone)s is chosen.", found.length),
            { n: found.length, zone: optionLabel(select, select.value) },
            true,
          ),
    );
  }

  input.addEventListener("input", filter);
  input.addEventListener("keydown", (event) => {
    // Enter would send the form half-filled; it (and the down arrow) goes to the list instead.
    if (event.key === "Enter" || event.key === "ArrowDown") {
      event.preventDefault();
      select.focus();
    }
  });
}

/** Say `hint` to a screen reader with the question, after what the question says already. */
function describeWith(select, hint) {
  const ids = (select.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  select.setAttribute("aria-describedby", [...ids, hint.id].join(" "));
}

/** Preselect or suggest the browser's zone, as the select's mode says. */
function offerBrowserZone(select, doc, zone) {
  const mode = select.dataset.timeZonePicker;
  const listed = new Set(Array.from(select.options, (o) => o.value));
  const resolved = resolveZone(zone, listed, readAliases(select));
  if (!resolved || !mode) return;
  const name = optionLabel(select, resolved);
  if (mode === "preselect") {
    select.value = resolved;
    const strong = doc.createElement("strong");
    strong.textContent = name;
    const hint = note(
      doc,
      `${select.id}_browser`,
      ...fillIn(gettext("Chosen from this device's setting: %(zone)s. Change it if it is not right."), { zone: strong }),
    );
    select.after(hint);
    describeWith(select, hint);
  } else if (mode === "suggest" && select.value !== resolved) {
    const button = doc.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = interpolate(gettext("Use %(zone)s"), { zone: name }, true);
    const strong = doc.createElement("strong");
    strong.textContent = name;
    const hint = note(doc, `${select.id}_browser`, ...fillIn(gettext("This device is set to %(zone)s. %(button)s"), { zone: strong, button }));
    button.addEventListener("click", () => {
      select.value = resolved;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      hint.replaceChildren(...fillIn(gettext("Chosen: %(zone)s. Save to keep it."), { zone: strong }));
      select.focus();
    });
    select.after(hint);
    describeWith(select, hint);
  }
}

export function enhancePickers(doc = document, zone = browserTimeZone()) {
  for (const select of doc.querySelectorAll("select[data-time-zone-picker]")) {
    if (select.dataset.timeZoneReady) continue;
    select.dataset.timeZoneReady = "1";
    offerBrowserZone(select, doc, zone);
    addSearch(select, doc);
  }
}

if (typeof document !== "undefined") {
  rememberTimeZone();
  enhancePickers();
}
