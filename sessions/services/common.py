"""What every room service shares: the shape of its result and the refusals
it makes before it changes anything."""

from typing import Any

from django.utils.translation import gettext as _

from participants.models import Member

from .. import permissions, presence
from ..models import Contribution, DialogueSession
from ..protocol import ErrorCode, RoomError

# What a service returns: what the ``ack`` frame carries (the seq of the event
# it recorded, or None when nothing the room must hear of changed, and any ids
# the client needs).
Result = dict[str, Any]


def require(member: Member, action: str) -> None:
    """Refuse an action the member's role may not take (``permissions.can``)."""
    if not permissions.can(member, action):
        raise RoomError(ErrorCode.FORBIDDEN, _("Your role in this exchange may not do that."))


def require_open(session: DialogueSession) -> None:
    """Refuse a change to a room that is not open."""
    if session.state == DialogueSession.State.SCHEDULED:
        raise RoomError(ErrorCode.SESSION_CLOSED, _("The session has not opened yet."))
    if session.state != DialogueSession.State.OPEN:
        raise RoomError(ErrorCode.SESSION_CLOSED, _("The session is closed."))


def contribution_in(session: DialogueSession, contribution_id: int) -> Contribution:
    contribution = (
        Contribution.objects.select_related("author__team")
        .filter(pk=contribution_id, session=session, withdrawn_at__isnull=True)
        .first()
    )
    if contribution is None:
        raise RoomError(ErrorCode.NOT_FOUND, _("No such contribution in this session."))
    return contribution


def is_present(session: DialogueSession, member_id: int) -> bool:
    return member_id in presence.store().member_ids(session.pk)
