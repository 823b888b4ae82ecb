/**
 * The room's state as the client holds it: replaced wholesale by `hello`,
 * then changed only by room events applied in seq order (docs/protocol.md §3–4).
 *
 * Every function here is pure data work, no DOM, so the picture of the room
 * never depends on what happens to be on screen.
 */

export function stateFromHello(frame) {
  const state = frame.state || {};
  return {
    session: { ...frame.session },
    you: { ...frame.you },
    phases: state.phases || [],
    currentPhase: state.current_phase || null,
    present: state.present || [],
    contributions: state.contributions || [],
    queue: state.queue || [],
    queueCurrent: state.queue_current || null,
    round: state.round || null,
    reflection: state.reflection || null,
    themes: state.themes || [],
    notYetSpoken: Array.isArray(state.not_yet_spoken) ? state.not_yet_spoken : null,
    note: state.note || null,
    commitment: state.commitment || null,
    signals: state.signals || [],
    ackReflections: {}, // contribution id -> [{display_name, reflection}] seen while here
  };
}

function findContribution(state, id) {
  return state.contributions.find((c) => c.id === id) || null;
}

function markSpoken(state, memberId) {
  if (state.notYetSpoken) state.notYetSpoken = state.notYetSpoken.filter((id) => id !== memberId);
}

function spokeTurnMembers(round) {
  if (!round || !round.turns) return [];
  return round.turns.filter((t) => t.status === "spoke").map((t) => t.member.id);
}

/** Apply one room event to the state. Returns a short description for announcements. */
export function applyEvent(state, frame) {
  const name = frame.event;
  switch (name) {
    case "presence_joined": {
      const member = frame.member;
      if (!state.present.some((m) => m.id === member.id)) state.present.push(member);
      state.present.sort((a, b) => a.display_name.localeCompare(b.display_name));
      if (state.notYetSpoken && !state.notYetSpoken.includes(member.id)) {
        const spoke =
          state.contributions.some((c) => c.author && c.author.id === member.id) ||
          spokeTurnMembers(state.round).includes(member.id);
        if (!spoke) state.notYetSpoken.push(member.id);
      }
      break;
    }
    case "presence_left":
      state.present = state.present.filter((m) => m.id !== frame.member_id);
      if (state.notYetSpoken) state.notYetSpoken = state.notYetSpoken.filter((id) => id !== frame.member_id);
      break;
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
      for (const id of frame.purged || []) {
        const c = findContribution(state, id);
        if (c) {
          c.text = "";
          c.purged = true;
        }
      }
      state.round = null;
      state.reflection = null;
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
      const c = { ...frame.contribution, acked_by_me: false };
      if (!findContribution(state, c.id)) state.contributions.push(c);
      if (c.author) markSpoken(state, c.author.id);
      break;
    }
    case "contribution_edited": {
      const c = findContribution(state, frame.contribution_id);
      if (c) {
        c.text = frame.text;
        c.edited_at = frame.edited_at;
        c.revisions = frame.revisions;
      }
      break;
    }
    case "contribution_withdrawn":
      state.contributions = state.contributions.filter((c) => c.id !== frame.contribution_id);
      break;
    case "consent_changed": {
      const c = findContribution(state, frame.contribution_id);
      if (c) c.consent = frame.consent;
      break;
    }
    case "acknowledgement_added": {
      const c = findContribution(state, frame.contribution_id);
      if (c) {
        c.acks = frame.acks;
        if (frame.member_id === state.you.member_id) c.acked_by_me = true;
      }
      if (frame.reflection) {
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

export function memberName(state, id) {
  const m = state.present.find((p) => p.id === id);
  if (m) return m.display_name;
  for (const c of state.contributions) {
    if (c.author && c.author.id === id) return c.author.display_name;
  }
  return "someone";
}
