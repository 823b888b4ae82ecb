/**
 * The room's state as the client holds it: replaced wholesale by `hello`,
 * then changed only by room events applied in seq order (docs/protocol.md §3–4).
 *
 * Every function here is pure data work, no DOM, so the picture of the room
 * never depends on what happens to be on screen.
 */

import { gettext } from "../i18n.js";

/** The label the server gives a contribution whose author this reader may not know (docs/protocol.md §3). */
export function anonymousLabel() {
  return gettext("Anonymous");
}

export function stateFromHello(frame) {
  const state = frame.state || {};
  const session = { ...frame.session };
  // After close the live room shows no words to anyone (the server sends none;
  // this holds the client to that even if some arrive).
  const closed = session.state === "closed";
  return {
    session,
    you: { ...frame.you },
    phases: state.phases || [],
    currentPhase: state.current_phase || null,
    present: state.present || [],
    contributions: closed ? [] : (state.contributions || []).filter(isShowable),
    queue: state.queue || [],
    queueCurrent: state.queue_current || null,
    round: state.round || null,
    reflection: state.reflection || null,
    themes: state.themes || [],
    notYetSpoken: Array.isArray(state.not_yet_spoken) ? state.not_yet_spoken : null,
    note: closed ? null : state.note || null,
    commitment: state.commitment || null,
    signals: state.signals || [],
    ackReflections: {}, // contribution id -> [{display_name, reflection}] seen while here
  };
}

function findContribution(state, id) {
  if (id === null || id === undefined) return null;
  return state.contributions.find((c) => c.id === id) || null;
}

/** A contribution with something to show: an id and its text (bare ones, as a projector gets, have neither). */
function isShowable(c) {
  return Boolean(c) && typeof c === "object" && Number.isInteger(c.id) && typeof c.text === "string";
}

/**
 * Whether this reader may not know who wrote it: the server sends anonymous
 * words to everyone but their author with `author_hidden` and an author
 * whose id is null. Either sign is enough.
 */
export function isAuthorHidden(c) {
  return Boolean(c && (c.author_hidden || !c.author || c.author.id === null || c.author.id === undefined));
}

/** The name to show for a contribution's author: never looked up from an id the reader may not have. */
export function authorName(c) {
  if (!c || !c.author) return gettext("Someone");
  // Never a name for hidden words, whatever else the object carries.
  if (isAuthorHidden(c)) return anonymousLabel();
  return c.author.display_name || gettext("Someone");
}

/** Whether the reader wrote it (an anonymous author's own tabs get the full author). */
export function isOwnContribution(c, memberId) {
  return memberId !== null && memberId !== undefined && !isAuthorHidden(c) && c.author.id === memberId;
}

/** Whether the reader captured it as the scribe (they may edit or withdraw it, not set its consent). */
export function isCapturedBy(c, memberId) {
  return memberId !== null && memberId !== undefined && c.captured_by !== null && c.captured_by !== undefined && c.captured_by === memberId;
}

/** Forget every word the room held: contributions, what people heard, the private note. */
export function forgetWords(state) {
  state.contributions = [];
  state.ackReflections = {};
  state.note = null;
}

function markSpoken(state, memberId) {
  if (memberId === null || memberId === undefined) return;
  if (state.notYetSpoken) state.notYetSpoken = state.notYetSpoken.filter((id) => id !== memberId);
}

function spokeTurnMembers(round) {
  if (!round || !round.turns) return [];
  return round.turns.filter((t) => t.status === "spoke").map((t) => t.member.id);
}

// What a bare event keeps (docs/protocol.md §4.1): its place in the order, and
// for a withdrawal which words to take off the screen.
const BARE_FIELDS = new Set(["type", "seq", "event", "at", "actor", "contribution_id"]);

/** An event the reader may see no more of than its place in the order. */
export function isBare(frame) {
  return Object.keys(frame).every((key) => BARE_FIELDS.has(key));
}

/**
 * Who is in the room now, from an unsequenced `presence` frame: the whole list,
 * so a frame missed or arriving late is mended by the next one. A member who
 * runs the room also keeps "not yet spoken" in step: newcomers who have not
 * spoken join it, people who left drop out.
 */
export function applyPresence(state, present) {
  state.present = [...present].sort((a, b) => a.display_name.localeCompare(b.display_name));
  if (!state.notYetSpoken) return;
  const ids = state.present.map((m) => m.id);
  const kept = state.notYetSpoken.filter((id) => ids.includes(id));
  for (const id of ids) {
    if (kept.includes(id) || state.notYetSpoken.includes(id)) continue;
    const spoke =
      state.contributions.some((c) => !isAuthorHidden(c) && c.author.id === id) ||
      spokeTurnMembers(state.round).includes(id);
    if (!spoke) kept.push(id);
  }
  state.notYetSpoken = kept;
}

/** Apply one room event to the state. Returns a short description for announcements. */
export function applyEvent(state, frame) {
  const name = frame.event;
  // After close (and on a projector) events arrive bare: they only advance the seq.
  if (isBare(frame) && name !== "contribution_withdrawn") return;
  switch (name) {
    case "session_opened":
      state.session.state = "open";
      state.session.opened_at = frame.opened_at;
      if ("current_phase" in frame) state.currentPhase = frame.current_phase;
      // The exchange's starting themes exist from the first open: merge them in.
      for (const theme of frame.themes || []) {
        if (!state.themes.some((t) => t.id === theme.id)) state.themes.push(theme);
      }
      break;
    case "session_closed":
      state.session.state = "closed";
      state.session.closed_at = frame.closed_at;
      state.session.commitments_until = frame.commitments_until;
      if (frame.archive_url) state.session.archive_url = frame.archive_url;
      // After close the live room shows no words to anyone: the review page is
      // where each person reads their own (`archive_url`).
      forgetWords(state);
      // The round and reflection end, waiting hands are cleared and the pause
      // lifts, with no further events.
      state.round = null;
      state.reflection = null;
      state.queue = [];
      state.queueCurrent = null;
      state.session.paused = false;
      break;
    case "session_paused":
      state.session.paused = true;
      break;
    case "session_resumed":
      state.session.paused = false;
      break;
    case "phase_changed":
      state.currentPhase = frame.current_phase;
      break;
    case "contribution_added": {
      // A replayed event of a contribution since withdrawn (or any event after
      // close, or a projector's) arrives bare: it only advances the seq.
      if (!isShowable(frame.contribution) || state.session.state === "closed") break;
      const c = { ...frame.contribution, acked_by_me: false };
      if (!findContribution(state, c.id)) state.contributions.push(c);
      if (!isAuthorHidden(c)) markSpoken(state, c.author.id);
      break;
    }
    case "contribution_edited": {
      const c = findContribution(state, frame.contribution_id);
      // Replays carry the current text (earlier versions never arrive), or none at all.
      if (c && typeof frame.text === "string") {
        c.text = frame.text;
        if ("edited_at" in frame) c.edited_at = frame.edited_at;
        if ("revisions" in frame) c.revisions = frame.revisions;
      }
      break;
    }
    case "contribution_withdrawn":
      // Gone from the screen at once, with what people said they heard in it; replies stay.
      if (frame.contribution_id === null || frame.contribution_id === undefined) break;
      state.contributions = state.contributions.filter((c) => c.id !== frame.contribution_id);
      delete state.ackReflections[frame.contribution_id];
      break;
    case "consent_changed": {
      const c = findContribution(state, frame.contribution_id);
      if (!c) break;
      if (typeof frame.consent === "string") c.consent = frame.consent;
      // The author as this reader may now see them: switching to anonymous hides
      // the name on every other screen at once, switching back shows it.
      if (frame.author && typeof frame.author === "object") {
        c.author = frame.author;
        c.author_hidden = "author_hidden" in frame ? Boolean(frame.author_hidden) : frame.author.id === null;
      }
      // The words' language goes with the name: kept only where the author is shown.
      c.lang = typeof frame.lang === "string" ? frame.lang : c.author_hidden ? "" : c.lang;
      break;
    }
    case "acknowledgement_added": {
      const c = findContribution(state, frame.contribution_id);
      if (c) {
        if (typeof frame.acks === "number") c.acks = frame.acks;
        if (frame.member_id != null && frame.member_id === state.you.member_id) c.acked_by_me = true;
      }
      if (c && typeof frame.reflection === "string" && frame.reflection && frame.display_name) {
        const list = state.ackReflections[frame.contribution_id] || [];
        list.push({ display_name: frame.display_name, reflection: frame.reflection });
        state.ackReflections[frame.contribution_id] = list;
      }
      break;
    }
    case "hand_raised":
    case "hand_lowered":
    case "queue_reordered":
    case "queue_cleared":
      state.queue = frame.queue || [];
      break;
    case "queue_called":
      state.queue = frame.queue || [];
      state.queueCurrent = frame.entry || null;
      break;
    case "round_started":
    case "turn_spoke":
    case "turn_passed":
    case "turn_skipped":
    case "turn_extended":
      state.round = frame.round;
      for (const id of spokeTurnMembers(frame.round)) markSpoken(state, id);
      break;
    case "round_ended":
      for (const id of spokeTurnMembers(frame.round)) markSpoken(state, id);
      state.round = null;
      break;
    case "reflection_started":
      state.reflection = frame.reflection;
      break;
    case "reflection_ended":
      if (state.reflection && state.reflection.id === frame.reflection_id) state.reflection = null;
      break;
    case "theme_created":
      if (!state.themes.some((t) => t.id === frame.theme.id)) state.themes.push(frame.theme);
      break;
    case "theme_tagged":
    case "theme_untagged": {
      const c = findContribution(state, frame.contribution_id);
      if (c) c.themes = frame.themes;
      break;
    }
    default:
      // An event this client does not know changes nothing it shows.
      break;
  }
}

export function currentTurn(round) {
  if (!round || !round.turns || round.current_turn_id == null) return null;
  return round.turns.find((t) => t.id === round.current_turn_id) || null;
}

/** A member's name by id. A null id (an event's hidden `actor`) never names anyone. */
export function memberName(state, id) {
  if (id === null || id === undefined) return gettext("someone");
  const m = state.present.find((p) => p.id === id);
  if (m) return m.display_name;
  for (const c of state.contributions) {
    if (!isAuthorHidden(c) && c.author.id === id) return c.author.display_name;
  }
  return gettext("someone");
}
