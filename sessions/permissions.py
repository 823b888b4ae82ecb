"""Who may do what in a live room.

Everyone in the room speaks, listens and reflects; scribes also write down
what others say aloud; facilitators and conveners run the room. Answers come
from the member's exchange role alone, plus ownership for the actions a person
may only take on their own words.
"""

import datetime as dt

from django.conf import settings

from participants.models import ExchangeRole, Member
from participants.permissions import can_manage_exchange

from . import protocol
from .models import Contribution, DialogueSession

# Who may send which frame comes from the frame table (protocol.FRAMES): a
# frame's least role, and every role above it. Conveners run the room as
# facilitators do.
_RANK: dict[str, int] = {role: n for n, role in enumerate(protocol.ROLE_ORDER)}
# Keyed by the plain text a member's ``exchange_role`` holds (each ExchangeRole is a str).
_ROLE_OF: dict[str, str] = {
    ExchangeRole.PARTICIPANT: protocol.PARTICIPANT,
    ExchangeRole.SCRIBE: protocol.SCRIBE,
    ExchangeRole.FACILITATOR: protocol.FACILITATOR,
    ExchangeRole.CONVENER: protocol.FACILITATOR,
}


def _actions_up_to(role: str) -> frozenset[str]:
    return frozenset(t for t, frame in protocol.FRAMES.items() if _RANK[frame.role] <= _RANK[role])


PROJECTOR_ACTIONS = _actions_up_to(protocol.ANYONE)
PARTICIPANT_ACTIONS = _actions_up_to(protocol.PARTICIPANT)
SCRIBE_ACTIONS = _actions_up_to(protocol.SCRIBE)
FACILITATOR_ACTIONS = _actions_up_to(protocol.FACILITATOR)
_BY_ROLE = {exchange_role: _actions_up_to(role) for exchange_role, role in _ROLE_OF.items()}

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
    """Facilitators and conveners run the room and see its private signals
    (the exchange's managers: ``participants.permissions``)."""
    return can_manage_exchange(member)


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
