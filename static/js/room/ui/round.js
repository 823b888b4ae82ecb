/**
 * The go-around: whose turn it is, the order, the turn's timer, and the
 * "I'm done" / "Pass" controls for the person holding the turn.
 */

import { gettext, interpolate } from "../../i18n.js";
import { byId, el, focusQuietly, formatDuration, replaceList, setText, show, turnKey } from "../dom.js";
import { currentTurn } from "../state.js";

// A turn's status, as its badge says it (read when drawn, so in the page's language).
const STATUS_WORDS = {
  get pending() {
    return gettext("waiting");
  },
  get current() {
    return gettext("speaking now");
  },
  get spoke() {
    return gettext("spoke");
  },
  get passed() {
    return gettext("passed");
  },
  get skipped() {
    return gettext("skipped");
  },
};

// Those who hold or record the room, named as such wherever they appear in a go-around.
const ROLE_WORDS = {
  get facilitator() {
    return gettext("Facilitator");
  },
  get convener() {
    return gettext("Convener");
  },
  get scribe() {
    return gettext("Scribe");
  },
};

/** "Facilitator", "Convener" or "Scribe" for those who hold or record the room; "" for a participant. */
export function roleWord(member) {
  return (member && Object.prototype.hasOwnProperty.call(ROLE_WORDS, member.exchange_role) && ROLE_WORDS[member.exchange_role]) || "";
}

/**
 * Whether a person takes a turn in a go-around unless the facilitator
 * includes everyone: participants do; facilitators, conveners and scribes
 * do not (sessions/services/rounds.py decides the same).
 */
export function takesTurnByDefault(member) {
  return Boolean(member) && member.exchange_role === "participant";
}

export function init(ctx) {
  byId("turn-done").addEventListener("click", () => ctx.act({ type: "turn_done" }, "turn-error"));
  byId("turn-pass").addEventListener("click", () => ctx.act({ type: "turn_pass" }, "turn-error"));
}

/** The status line: whose turn, and where in the round. */
export function roundStatus(round, me) {
  if (!round) return gettext("No go-around under way.");
  const turn = currentTurn(round);
  if (!turn) return gettext("The go-around is finishing.");
  const values = { name: turn.member.display_name, position: turn.position, total: round.turns.length };
  return turn.member.id === me
    ? interpolate(gettext("Your turn (%(position)s of %(total)s)."), values, true)
    : interpolate(gettext("It is %(name)s's turn (%(position)s of %(total)s)."), values, true);
}

export function render(state) {
  const round = state.round;
  const me = state.you.member_id;
  const turn = currentTurn(round);
  const mine = Boolean(turn && turn.member.id === me);
  const controls = byId("my-turn-controls");
  const hadFocus = controls.contains(document.activeElement);
  show("my-turn-controls", mine);
  if (hadFocus && !mine) focusQuietly(byId("round-status"));
  show("turn-timer", Boolean(turn && turn.ends_at));
  byId("round-panel").classList.toggle("my-turn", mine);
  setText("round-status", roundStatus(round, me));
  if (!round) {
    replaceList(byId("round-order"), []);
    return;
  }
  const items = round.turns.map((t) =>
    el(
      "li",
      { className: `turn turn-${t.status}`, "aria-current": t.status === "current" ? "true" : null },
      el("span", { className: "person-name", dir: "auto", text: t.member.display_name }),
      t.member.id === me ? " " + gettext("(you)") : "",
      roleWord(t.member) ? el("span", { className: "muted", text: ` · ${roleWord(t.member)}` }) : null,
      el("span", { className: "badge", text: (Object.prototype.hasOwnProperty.call(STATUS_WORDS, t.status) && STATUS_WORDS[t.status]) || t.status }),
    ),
  );
  replaceList(byId("round-order"), items);
}

/** Once a second: the turn's time left, from its server-held end time; its end is said once. */
export function tick(state, ctx) {
  const turn = currentTurn(state.round);
  if (!turn || !turn.ends_at) return;
  const left = ctx.clock.secondsUntil(turn.ends_at);
  setText(
    "turn-timer",
    left > 0 ? interpolate(gettext("Time left for this turn: %(time)s"), { time: formatDuration(left) }, true) : gettext("Time for this turn is up."),
  );
  if (left === 0 && ctx.timerEnds.justEnded(turnKey(turn))) {
    const said =
      turn.member.id === state.you.member_id
        ? gettext("Time is up for your turn.")
        : interpolate(gettext("Time is up for %(name)s's turn."), { name: turn.member.display_name }, true);
    ctx.announcer.say(said);
  }
}
