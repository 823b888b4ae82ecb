"""Entering and leaving a live room.

Being in the room is ephemeral (``sessions.presence``): entering takes no
room lock and records no event. Attendance is the durable fact beside it:
a member present while the session is open attended it, recorded once per
member and session.

See ``sessions.services`` for the rules every service here follows.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.selectors import member_get
from participants.models import Member
from participants.services import attendance_record_live

from .. import presence, selectors
from ..models import DialogueSession

# (session id, member id) whose attendance this process has already recorded:
# a reconnect or a second tab costs no query. Another process records it once
# more, which the unique rows absorb.
_attended: set[tuple[int, int]] = set()
_attended_lock = threading.Lock()
_ATTENDED_LIMIT = 100_000

REFUSED_NOT_FOUND = "not_found"
REFUSED_FORBIDDEN = "forbidden"
# The person's rights changed while the socket was coming in.
REFUSED_CHANGED = "changed"


@dataclass
class Entry:
    """What a socket's connect learned: who it is, where, and what they see now."""

    refused: str | None = None
    session: DialogueSession | None = None
    member: Member | None = None
    hello: dict[str, Any] | None = None
    # The person's first open tab in the room: the room hears they arrived.
    arrived: bool = False


def room_enter(
    *,
    session_id: int,
    user: Any,
    channel_name: str,
    projector: bool,
    subscribe: Callable[[DialogueSession, Member], None],
) -> Entry:
    """Let one socket into a room, in one trip to the database thread.

    Resolves the session and the person's membership, calls ``subscribe``
    (which joins the socket's channel groups) *before* the snapshot is read,
    so nothing committed after the snapshot's ``last_seq`` can slip by
    unheard, then marks the person present and returns the ``hello``
    (``selectors.room_hello``: refused if their rights changed meanwhile). A
    projector watches without being in the room: no presence, no attendance.
    """
    session = DialogueSession.objects.select_related("meeting").filter(pk=session_id).first()
    if session is None:
        return Entry(refused=REFUSED_NOT_FOUND)
    member = member_get(user=user, exchange_id=session.meeting.exchange_id)
    if member is None:
        return Entry(refused=REFUSED_FORBIDDEN)
    subscribe(session, member)
    arrived = False if projector else _join(session=session, member=member, channel_name=channel_name)
    hello = selectors.room_hello(session=session, member=member, projector=projector)
    if hello is None:
        if arrived:
            presence.store().leave(session.pk, member.pk, channel_name)
        return Entry(refused=REFUSED_CHANGED, session=session, member=member)
    return Entry(session=session, member=member, hello=hello, arrived=arrived)


def presence_join(*, session_id: int, member: Member, channel_name: str) -> bool:
    """Mark one socket of ``member`` present; True when it is their first in the room."""
    session = DialogueSession.objects.select_related("meeting").get(pk=session_id)
    return _join(session=session, member=member, channel_name=channel_name)


def _join(*, session: DialogueSession, member: Member, channel_name: str) -> bool:
    arrived = presence.store().join(session.pk, member.pk, channel_name)
    # Reading a scheduled or closed room is not attending it.
    if session.state == DialogueSession.State.OPEN:
        attendance_note(session=session, member_ids=[member.pk])
    return arrived


def attendance_note(*, session: DialogueSession, member_ids: list[int]) -> None:
    """Record these members as attending the open session, once per process."""
    with _attended_lock:
        new = [pk for pk in member_ids if (session.pk, pk) not in _attended]
    if not new:
        return
    attendance_record_live(member_ids=new, session=session)
    with _attended_lock:
        if len(_attended) > _ATTENDED_LIMIT:
            _attended.clear()
        _attended.update((session.pk, pk) for pk in new)


def presence_leave(*, session_id: int, member_id: int, channel_name: str) -> bool:
    """Forget one socket; True when it was the person's last in the room."""
    return presence.store().leave(session_id, member_id, channel_name)


def presence_forget_all() -> None:
    """Empty the presence store and the attendance memo (tests, a fresh demo)."""
    presence.store().clear()
    with _attended_lock:
        _attended.clear()
