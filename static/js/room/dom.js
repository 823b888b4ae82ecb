/**
 * Small DOM helpers for the room. Text always goes in through textContent:
 * nothing a person typed is ever parsed as HTML.
 *
 * Every word the room says is marked for translation (../i18n.js, read when
 * called); module-level tables of words are getters, so each is translated
 * when it is read, never once at import.
 */

import { gettext, interpolate, ngettext } from "../i18n.js";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

export function setText(id, text) {
  const node = typeof id === "string" ? byId(id) : id;
  if (node && node.textContent !== text) node.textContent = text;
}

/**
 * A translated sentence with page nodes in it: `fillIn(gettext("In reply to %(link)s"), { link })`
 * gives ["In reply to ", link], for el() to append. A value may be a node, a string or a list of nodes.
 */
export function fillIn(format, values) {
  const parts = [];
  let last = 0;
  for (const match of format.matchAll(/%\((\w+)\)s/g)) {
    if (match.index > last) parts.push(format.slice(last, match.index));
    const value = values[match[1]];
    parts.push(...(Array.isArray(value) ? value : [value]));
    last = match.index + match[0].length;
  }
  if (last < format.length) parts.push(format.slice(last));
  return parts;
}

export function show(id, visible) {
  const node = typeof id === "string" ? byId(id) : id;
  if (node) node.hidden = !visible;
}

/**
 * Replace a list's children while keeping keyboard focus where it was: the
 * focused control is found again by its data-focus-key in the new items, so a
 * person moving a queue entry with the keyboard stays on the control they used.
 */
export function replaceList(list, items) {
  if (!list) return;
  const active = document.activeElement;
  const focusKey = active && list.contains(active) ? active.dataset.focusKey : null;
  list.replaceChildren(...items);
  if (focusKey) {
    let again = list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again && again.disabled) {
      // "Move up" on the entry now at the top is disabled: stay on that entry's next control.
      again = again.closest("li")?.querySelector("button:not([disabled])") || again;
    }
    if (again && !again.disabled) {
      again.focus();
    } else {
      // The control is gone (the entry left the list): keep focus near, not on <body>.
      const heading = list.closest("section")?.querySelector("h2");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    }
  }
}

/**
 * Screen-reader announcements. Messages raised by one change (a session opening
 * also starts its first phase) are spoken together rather than the last one
 * silencing the others; the same text twice is still announced.
 */
export class Announcer {
  constructor(politeId = "announcer", urgentId = "announcer-urgent") {
    this.regions = { polite: byId(politeId), urgent: byId(urgentId) };
    this.pending = { polite: [], urgent: [] };
    this.timers = {};
    this.log = [];
  }

  say(text, { urgent = false } = {}) {
    const kind = urgent ? "urgent" : "polite";
    const region = this.regions[kind];
    if (!region) return;
    this.log.push(text);
    if (this.log.length > 50) this.log.shift();
    if (!this.pending[kind].includes(text)) this.pending[kind].push(text);
    if (this.timers[kind]) return;
    region.textContent = "";
    this.timers[kind] = window.setTimeout(() => {
      region.textContent = this.pending[kind].join(" ");
      this.pending[kind] = [];
      this.timers[kind] = null;
    }, 80);
  }
}

/**
 * Which timers have run out here already. A turn's or a reflection's end time
 * passing is said once in the live region, by every client from the same
 * server-held end time; the room's state does not change until the
 * facilitator acts.
 */
export class TimerEnds {
  constructor() {
    this.ended = new Set();
    this.said = new Set();
  }

  /** True the first time a timer is seen at zero; false ever after. */
  justEnded(key) {
    if (this.ended.has(key)) return false;
    this.ended.add(key);
    this.said.add(key);
    for (const set of [this.ended, this.said]) if (set.size > 200) set.delete(set.values().next().value);
    return true;
  }

  /** Whether this timer's end has been announced here (so the facilitator ending it need not be). */
  announced(key) {
    return this.said.has(key);
  }

  /** Timers already over when they are first learned of: nothing to say. */
  noteEnded(keys) {
    for (const key of keys) this.ended.add(key);
  }
}

/** The server's clock, as seen from here: timers are end times held by the server. */
export class ServerClock {
  constructor() {
    this.offsetMs = 0;
  }

  sync(serverTime) {
    const server = Date.parse(serverTime);
    if (!Number.isNaN(server)) this.offsetMs = server - Date.now();
  }

  now() {
    return Date.now() + this.offsetMs;
  }

  secondsUntil(iso) {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return null;
    return Math.max(0, Math.ceil((t - this.now()) / 1000));
  }

  secondsSince(iso) {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return null;
    return Math.max(0, Math.floor((this.now() - t) / 1000));
  }
}

export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.round(totalSeconds));
  const minutes = Math.floor(s / 60);
  const seconds = s % 60;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

export function spokenDuration(totalSeconds) {
  const s = Math.max(0, Math.round(totalSeconds));
  const minutes = Math.floor(s / 60);
  const seconds = s % 60;
  const parts = [];
  if (minutes) parts.push(interpolate(ngettext("%(n)s minute", "%(n)s minutes", minutes), { n: minutes }, true));
  if (seconds || !minutes) parts.push(interpolate(ngettext("%(n)s second", "%(n)s seconds", seconds), { n: seconds }, true));
  return parts.join(" ");
}

/**
 * What others will see under each consent, in plain words (docs/PRODUCT.md,
 * "Consent"). The choices' own labels are the server's (sessions/models.py
 * Attribution), handed to the page in its config (`labels.attribution`), never
 * written here.
 */
export const CONSENT_EXPLANATIONS = {
  get named() {
    return gettext("Everyone in the room sees your name, role and team; the published archive too.");
  },
  get not_for_attribution() {
    return gettext(
      "People in the room see your name; the archive shows no name or team, and your role only where five or more members share it.",
    );
  },
  get anonymous() {
    return gettext("Everyone, facilitators included, sees 'Anonymous'; only you see it is yours.");
  },
  get off_record() {
    return gettext("Shown in the room while it is open, then erased for good at close; never archived.");
  },
};

/** How a draft going off the record is marked, on the text box and in its badge. */
export function offRecordMark() {
  return gettext("Off the record — erased when the session closes");
}

/** A choice's label from the server's labels (the page's config), or the value itself if it has none. */
export function labelFor(labels, value) {
  return (labels && Object.prototype.hasOwnProperty.call(labels, value) && labels[value]) || value;
}

/** The words for an error frame's code (the codes are the protocol's; the words are for people). */
export const ERROR_WORDS = {
  get bad_request() {
    return gettext("That could not be sent as it was.");
  },
  get forbidden() {
    return gettext("You can't do that here.");
  },
  get too_long() {
    return gettext("That is too long.");
  },
  get rate_limited() {
    return gettext("That was a lot at once. Wait a few seconds and try again.");
  },
  get unavailable() {
    return gettext("The room could not save that just now. It is kept here and will be sent again in a few seconds.");
  },
  get session_closed() {
    return gettext("The session isn't open for that right now.");
  },
  get not_found() {
    return gettext("That is no longer there.");
  },
  get paused() {
    return gettext("The room is paused: this is held back and will be sent when the facilitator resumes.");
  },
  get conflict() {
    return gettext("That doesn't fit what is happening in the room right now.");
  },
};

export function errorInPlainWords(frame) {
  // The server's message is written for people; the code's wording is the fallback.
  const known = Object.prototype.hasOwnProperty.call(ERROR_WORDS, frame.code) ? ERROR_WORDS[frame.code] : null;
  return frame.message || known || gettext("Something went wrong. Please try again.");
}

/** "Community leader, Riverton, OH": a member's role (the server's label, from the config) and team. */
export function describeMember(m, stakeholderLabels = {}, roleLabels = {}) {
  const parts = [];
  // Facilitators and scribes are there in that role, whatever their stakeholder role.
  if (m.exchange_role && m.exchange_role !== "participant") parts.push(labelFor(roleLabels, m.exchange_role));
  else if (m.stakeholder_role) parts.push(labelFor(stakeholderLabels, m.stakeholder_role));
  if (m.team && m.team.name) parts.push(m.team.name);
  return parts.join(", ") || gettext("Member");
}

/**
 * The page's config (`room_config` in sessions/views.py, rendered as JSON into
 * #room-config): read once, at start-up, never when a module is imported.
 */
export function readConfig(id = "room-config") {
  const node = byId(id);
  return node ? JSON.parse(node.textContent) : {};
}

/** Characters as the server counts them (code points, after trimming): an emoji is one, not two. */
export function charCount(text) {
  return [...(text || "").trim()].length;
}

/**
 * What the box says when its text is over the limit ("" when it is not): nothing is cut, the person shortens it to share (or save, send…).
 * `verb` names what the box is for ("share", "save", "send", "capture", "create the theme"); each is its own sentence to translate.
 */
export function overLimitMessage(used, max, verb = "share") {
  if (!(used > max)) return "";
  const extra = used - max;
  const values = { extra, max, verb };
  let format;
  if (verb === "share") {
    format = ngettext(
      "This is %(extra)s character over the %(max)s-character limit. Nothing has been cut: shorten it to share.",
      "This is %(extra)s characters over the %(max)s-character limit. Nothing has been cut: shorten it to share.",
      extra,
    );
  } else if (verb === "save") {
    format = ngettext(
      "This is %(extra)s character over the %(max)s-character limit. Nothing has been cut: shorten it to save.",
      "This is %(extra)s characters over the %(max)s-character limit. Nothing has been cut: shorten it to save.",
      extra,
    );
  } else if (verb === "send") {
    format = ngettext(
      "This is %(extra)s character over the %(max)s-character limit. Nothing has been cut: shorten it to send.",
      "This is %(extra)s characters over the %(max)s-character limit. Nothing has been cut: shorten it to send.",
      extra,
    );
  } else if (verb === "capture") {
    format = ngettext(
      "This is %(extra)s character over the %(max)s-character limit. Nothing has been cut: shorten it to capture.",
      "This is %(extra)s characters over the %(max)s-character limit. Nothing has been cut: shorten it to capture.",
      extra,
    );
  } else if (verb === "create the theme") {
    format = ngettext(
      "This is %(extra)s character over the %(max)s-character limit. Nothing has been cut: shorten it to create the theme.",
      "This is %(extra)s characters over the %(max)s-character limit. Nothing has been cut: shorten it to create the theme.",
      extra,
    );
  } else {
    format = ngettext(
      "This is %(extra)s character over the %(max)s-character limit. Nothing has been cut: shorten it to %(verb)s.",
      "This is %(extra)s characters over the %(max)s-character limit. Nothing has been cut: shorten it to %(verb)s.",
      extra,
    );
  }
  return interpolate(format, values, true);
}

/** A short, one-line excerpt of someone's words, for a reply line or the outbox. */
export function excerpt(text, length = 80) {
  const flat = (text || "").replace(/\s+/g, " ").trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

/** A turn's end is news once per end time: an extended turn can run out again. */
export function turnKey(turn) {
  return `turn-${turn.id}-${turn.ends_at}`;
}

/** "just now", "3 minutes ago", by the server's clock. */
export function timeAgo(clock, iso) {
  const seconds = clock.secondsSince(iso);
  if (seconds === null) return "";
  if (seconds < 60) return gettext("just now");
  const minutes = Math.floor(seconds / 60);
  return interpolate(ngettext("%(n)s minute ago", "%(n)s minutes ago", minutes), { n: minutes }, true);
}

/** Escape inside a small inline form closes it, as a dialog would. */
export function closeOnEscape(form, close) {
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    event.stopPropagation();
    close();
  });
}

/** Move the keyboard to a node that is not a control (a status line), without adding it to the tab order for good. */
export function focusQuietly(node) {
  if (!node) return;
  node.tabIndex = -1;
  node.focus();
}
