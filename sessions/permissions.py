"""Who may do what in a live room.

Everyone in the room speaks, listens and reflects; scribes also write down
what others say aloud; facilitators and conveners run the room. Answers come
from the member's exchange role alone, plus ownership for the actions a person
may only take on their own words.
"""

import datetime as dt

from django.conf import settings

from participants.models import ExchangeRole, Member

from .models import Contribution, DialogueSession

PARTICIPANT_ACTIONS = frozenset(
    {
        "contribute",
        "contribution_edit",
        "contribution_withdraw",
        "consent_set",
        "acknowledge",
        "hand_raise",
        "hand_lower",
        "turn_done",
        "turn_pass",
        "note_save",
        "note_share",
        "pause_request",
        "commitment_set",
        "resume",
        "heartbeat",
    }
)
SCRIBE_ACTIONS = PARTICIPANT_ACTIONS | {"capture"}
FACILITATOR_ACTIONS = SCRIBE_ACTIONS | {
    "session_open",
    "session_close",
    "phase_advance",
    "phase_set",
    "pause",
    "resume_room",
    "queue_call_next",
    "queue_reorder",
    "queue_clear",
    "round_start",
    "turn_skip",
    "turn_extend",
    "round_end",
    "reflection_start",
    "reflection_end",
    "theme_create",
    "theme_tag",
    "theme_untag",
    "signal_dismiss",
}

# A shared screen in the meeting room: it shows the room and takes no part in it.
PROJECTOR_ACTIONS = frozenset({"resume", "heartbeat"})

_BY_ROLE = {
    ExchangeRole.PARTICIPANT: PARTICIPANT_ACTIONS,
    ExchangeRole.SCRIBE: SCRIBE_ACTIONS,
    ExchangeRole.FACILITATOR: FACILITATOR_ACTIONS,
    ExchangeRole.CONVENER: FACILITATOR_ACTIONS,
}

# How long after a session closes its members may still say what they will
# try at home: the closing round often runs over, and some people need the
# evening to decide.
COMMITMENT_WINDOW = dt.timedelta(hours=settings.LIVE_ROOM.get("COMMITMENT_HOURS", 24))


def actions_for(member: Member, *, projector: bool = False) -> frozenset[str]:
    """Every frame type this member may send (from a projector: only what keeps
    the picture whole, whoever is signed in at the shared screen)."""
    if projector:
        return PROJECTOR_ACTIONS
    return _BY_ROLE.get(member.exchange_role, PARTICIPANT_ACTIONS)


def can(member: Member, action: str, *, projector: bool = False) -> bool:
    return action in actions_for(member, projector=projector)


def runs_room(member: Member) -> bool:
    """Facilitators and conveners run the room and see its private signals."""
    return member.exchange_role in (ExchangeRole.FACILITATOR, ExchangeRole.CONVENER)


def can_edit_contribution(member: Member, contribution: Contribution) -> bool:
    """The speaker, or the scribe who wrote their words down, may correct them;
    nobody else puts words in someone's mouth."""
    return member.pk in (contribution.author_id, contribution.captured_by_id)


def can_withdraw_contribution(member: Member, contribution: Contribution) -> bool:
    """As for editing; facilitators may also take words out of the room."""
    return can_edit_contribution(member, contribution) or runs_room(member)


def can_set_consent(member: Member, contribution: Contribution) -> bool:
    """Only the speaker decides how their words are recorded."""
    return member.pk == contribution.author_id


def commitments_until(session: DialogueSession) -> dt.datetime | None:
    if session.closed_at is None:
        return None
    return session.closed_at + COMMITMENT_WINDOW
