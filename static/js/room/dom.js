/**
 * Small DOM helpers for the room. Text always goes in through textContent:
 * nothing a person typed is ever parsed as HTML.
 */

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
  if (minutes) parts.push(`${minutes} minute${minutes === 1 ? "" : "s"}`);
  if (seconds || !minutes) parts.push(`${seconds} second${seconds === 1 ? "" : "s"}`);
  return parts.join(" ");
}

/**
 * What others will see under each consent, in plain words (docs/PRODUCT.md,
 * "Consent"). The choices' own labels are the server's (sessions/models.py
 * Attribution), read from the page with `choiceLabels`, never written here.
 */
export const CONSENT_EXPLANATIONS = {
  named: "Everyone in the room sees your name, role and team; the published archive too.",
  not_for_attribution:
    "People in the room see your name; the archive shows no name or team, and your role only where five or more members share it.",
  anonymous: "Everyone, facilitators included, sees 'Anonymous'; only you see it is yours.",
  off_record: "Shown in the room while it is open, then erased for good at close; never archived.",
};

/** How a draft going off the record is marked, on the text box and in its badge. */
export const OFF_RECORD_MARK = "Off the record — erased when the session closes";

/** The labels of a server-rendered <select> (or radio group), by value. */
export function choiceLabels(root) {
  const labels = new Map();
  if (!root) return labels;
  for (const option of root.querySelectorAll("option")) labels.set(option.value, option.textContent.trim());
  for (const radio of root.querySelectorAll("input[type=radio]")) {
    const label = radio.id ? root.querySelector(`label[for="${CSS.escape(radio.id)}"]`) : null;
    if (label && !labels.has(radio.value)) labels.set(radio.value, label.textContent.trim());
  }
  return labels;
}

export const KIND_LABELS = {
  story: "Story",
  reflection: "Reflection",
  response: "Response",
  question: "Question",
};

export const STAKEHOLDER_LABELS = {
  elected_official: "Elected official",
  appointed_official: "Appointed official",
  community_leader: "Community leader",
  law_enforcement: "Law enforcement",
  academic: "Academic",
  faith_leader: "Faith leader",
  other: "Other",
};

export const ERROR_WORDS = {
  bad_request: "That could not be sent as it was.",
  forbidden: "You can't do that here.",
  too_long: "That is too long.",
  rate_limited: "That was a lot at once. Wait a few seconds and try again.",
  unavailable: "The room could not save that just now. It is kept here and will be sent again in a few seconds.",
  session_closed: "The session isn't open for that right now.",
  not_found: "That is no longer there.",
  paused: "The room is paused: this is held back and will be sent when the facilitator resumes.",
  conflict: "That doesn't fit what is happening in the room right now.",
};

export function errorInPlainWords(frame) {
  // The server's message is written for people; the code's wording is the fallback.
  return frame.message || ERROR_WORDS[frame.code] || "Something went wrong. Please try again.";
}

export function describeMember(m) {
  const parts = [];
  if (m.stakeholder_role) parts.push(STAKEHOLDER_LABELS[m.stakeholder_role] || m.stakeholder_role);
  if (m.team && m.team.name) parts.push(m.team.name);
  return parts.join(", ") || "Member";
}
