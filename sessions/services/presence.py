"""Who is in the room: joining, leaving and the touch that keeps a connection alive.

See ``sessions.services`` for the rules every service here follows.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from participants.models import Member
from participants.services import attendance_record_live

from .. import events, serializers
from ..models import DialogueSession, RoomConnection, RoomState
from .common import Result

# A connection not seen for this long belongs to a server process that died
# without saying goodbye; its presence is swept on the next join.
PRESENCE_TOUCH_SECONDS = 30
PRESENCE_STALE_SECONDS = 90


@transaction.atomic
def presence_join(*, session_id: int, member: Member, channel_name: str) -> Result:
    """Register one open socket; the person becomes present on their first.

    Several tabs of one person count once, across server processes, because
    presence is read from the connection rows. Joining also records the
    person's attendance at the meeting (not once the session has closed:
    reading a closed room is not attending it).
    """
    session, room = events.lock_room(session_id=session_id, member=member)
    now = timezone.now()
    seq = _sweep_stale_connections(session=session, room=room, now=now)
    first = not RoomConnection.objects.filter(session=session, member=member).exists()
    RoomConnection.objects.update_or_create(
        channel_name=channel_name,
        defaults={"session": session, "member": member, "connected_at": now, "seen_at": now},
    )
    if first:
        member_row = Member.objects.select_related("team").get(pk=member.pk)
        seq = events.record(
            session=session,
            room=room,
            name="presence_joined",
            payload={"member": serializers.member_data(member_row)},
            actor=member,
        ).seq
    if session.state == DialogueSession.State.OPEN:
        attendance_record_live(member_ids=[member.pk], session=session)
    return {"seq": seq}


def _sweep_stale_connections(*, session: DialogueSession, room: RoomState, now: dt.datetime) -> int | None:
    stale = RoomConnection.objects.filter(
        session=session, seen_at__lt=now - dt.timedelta(seconds=PRESENCE_STALE_SECONDS)
    )
    member_ids = set(stale.values_list("member_id", flat=True))
    if not member_ids:
        return None
    stale.delete()
    still_here = set(
        RoomConnection.objects.filter(session=session, member_id__in=member_ids).values_list("member_id", flat=True)
    )
    seq = None
    for member_id in sorted(member_ids - still_here):
        seq = events.record(
            session=session, room=room, name="presence_left", payload={"member_id": member_id}, actor=None
        ).seq
    return seq


@transaction.atomic
def presence_leave(*, channel_name: str) -> Result:
    """Forget one socket; the person leaves the room with their last one."""
    connection = RoomConnection.objects.filter(channel_name=channel_name).first()
    if connection is None:
        return {"seq": None}
    session, room = events.lock_room(session_id=connection.session_id)
    deleted, _ = RoomConnection.objects.filter(channel_name=channel_name).delete()
    if not deleted or RoomConnection.objects.filter(session=session, member_id=connection.member_id).exists():
        return {"seq": None}
    event = events.record(
        session=session,
        room=room,
        name="presence_left",
        payload={"member_id": connection.member_id},
        actor=None,
    )
    return {"seq": event.seq}


def presence_touch(*, channel_name: str | None, member_id: int) -> str | None:
    """Note that a socket is still alive, so its presence is not swept, and
    return its member's exchange role now (None once they are gone), so a
    socket whose rights changed unheard still learns of it (a deactivated
    account counts as gone)."""
    if channel_name is not None:
        RoomConnection.objects.filter(channel_name=channel_name).update(seen_at=timezone.now())
    return Member.objects.filter(pk=member_id, user__is_active=True).values_list("exchange_role", flat=True).first()
