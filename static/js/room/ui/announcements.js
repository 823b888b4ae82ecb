/**
 * What the room says in its live regions when an event changes it: a new
 * turn, a phase, a reflection, a pause, the floor. Pure: it compares the state
 * before and after an event and returns what to say, so the words are the
 * same wherever they are said and can be checked without a browser.
 */

import { spokenDuration } from "../dom.js";
import { currentTurn } from "../state.js";

/** The parts of the state an announcement compares (taken before an event is applied). */
export function snapshot(state) {
  const turn = currentTurn(state.round);
  return {
    turnId: turn ? turn.id : null,
    phaseId: state.currentPhase ? state.currentPhase.id : null,
    reflectionId: state.reflection ? state.reflection.id : null,
    paused: state.session.paused,
    sessionState: state.session.state,
    queueCurrentId: state.queueCurrent ? state.queueCurrent.id : null,
  };
}

/**
 * The announcements for one applied event, in order: a list of [text, options]
 * for Announcer.say. `secondsUntil(iso)` reads the server's clock; a
 * reflection whose end was already said (`announced(key)`) is not said again.
 */
export function announcementsFor(frame, before, state, { secondsUntil, announced }) {
  const out = [];
  const say = (text, options = {}) => out.push([text, options]);
  const me = state.you.member_id;
  const turn = currentTurn(state.round);
  if (frame.event === "round_started") say("A go-around has started.");
  if (turn && turn.id !== before.turnId) {
    if (turn.member.id === me) say("Your turn. When you have finished, choose I'm done, or Pass.", { urgent: true });
    else say(`It is now ${turn.member.display_name}'s turn.`);
  }
  if (frame.event === "round_ended") say("The go-around has ended.");
  const phaseId = state.currentPhase ? state.currentPhase.id : null;
  if (phaseId !== before.phaseId && state.currentPhase) say(`Now: ${state.currentPhase.title}.`);
  if (frame.event === "reflection_started" && state.reflection) {
    const secs = secondsUntil(state.reflection.ends_at);
    say(`Quiet reflection has begun, for ${spokenDuration(secs || 0)}. Your notes are private.`);
  }
  if (frame.event === "reflection_ended" && !announced(`reflection-${frame.reflection_id}`)) say("Quiet reflection has ended.");
  if (frame.event === "session_paused") say("The room is paused.", { urgent: true });
  if (frame.event === "session_resumed") say("The room has resumed.");
  if (frame.event === "session_opened") say("The session is open.");
  if (frame.event === "session_closed") {
    say("The session has closed. The words shared here are now only on the review page. What will you try at home before we meet again?");
  }
  if (frame.event === "queue_called" && frame.entry) {
    const mine = frame.entry.member.id === me;
    say(`${mine ? "You have" : `${frame.entry.member.display_name} has`} the floor.`, { urgent: mine });
  }
  return out;
}
