/**
 * What the room says in its live regions when an event changes it: a new
 * turn, a phase, a reflection, a pause, the floor. Pure: it compares the state
 * before and after an event and returns what to say, so the words are the
 * same wherever they are said and can be checked without a browser.
 */

import { gettext, interpolate } from "../../i18n.js";
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
  if (frame.event === "round_started") say(gettext("A go-around has started."));
  if (turn && turn.id !== before.turnId) {
    if (turn.member.id === me) say(gettext("Your turn. When you have finished, choose I'm done, or Pass."), { urgent: true });
    else say(interpolate(gettext("It is now %(name)s's turn."), { name: turn.member.display_name }, true));
  }
  if (frame.event === "round_ended") say(gettext("The go-around has ended."));
  const phaseId = state.currentPhase ? state.currentPhase.id : null;
  if (phaseId !== before.phaseId && state.currentPhase) say(interpolate(gettext("Now: %(phase)s."), { phase: state.currentPhase.title }, true));
  if (frame.event === "reflection_started" && state.reflection) {
    const secs = secondsUntil(state.reflection.ends_at);
    say(interpolate(gettext("Quiet reflection has begun, for %(duration)s. Your notes are private."), { duration: spokenDuration(secs || 0) }, true));
  }
  if (frame.event === "reflection_ended" && !announced(`reflection-${frame.reflection_id}`)) say(gettext("Quiet reflection has ended."));
  if (frame.event === "session_paused") say(gettext("The room is paused."), { urgent: true });
  if (frame.event === "session_resumed") say(gettext("The room has resumed."));
  if (frame.event === "session_opened") say(gettext("The session is open."));
  if (frame.event === "session_closed") {
    say(
      gettext(
        "The session has closed. The words shared here are now only on the review page. What will you try at home before we meet again?",
      ),
    );
  }
  if (frame.event === "queue_called" && frame.entry) {
    const mine = frame.entry.member.id === me;
    const text = mine
      ? gettext("You have the floor.")
      : interpolate(gettext("%(name)s has the floor."), { name: frame.entry.member.display_name }, true);
    say(text, { urgent: mine });
  }
  return out;
}
