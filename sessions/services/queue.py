"""The speaking queue: raised hands, the facilitator calling the next one, reordering and clearing.

See ``sessions.services`` for the rules every service here follows.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Member

from .. import events, permissions, selectors, serializers
from ..models import QueueEntry
from ..protocol import ErrorCode, RoomError
from .common import Result, contribution_in, require, require_open


def _renumber(entries: list[QueueEntry]) -> None:
    for position, entry in enumerate(entries, start=1):
        if entry.position != position:
            entry.position = position
            QueueEntry.objects.filter(pk=entry.pk).update(position=position)


@transaction.atomic
def hand_raise(*, session_id: int, member: Member, kind: str, reply_to_id: int | None = None) -> Result:
    """Ask to speak. A direct reply goes ahead of every new point, behind
    other direct replies; one waiting hand per person."""
    require(member, "hand_raise")
    if kind not in QueueEntry.Kind.values:
        raise RoomError(ErrorCode.BAD_REQUEST, _("Unknown kind of hand."))
    session, room = events.lock_room(session_id=session_id, member=member, action="hand_raise")
    require_open(session)
    waiting = selectors.queue_waiting(session_id=session.pk)
    mine = next((e for e in waiting if e.member_id == member.pk), None)
    if mine is not None:
        return {"seq": None, "entry_id": mine.pk}
    reply_to = contribution_in(session, reply_to_id) if reply_to_id is not None else None
    entry = QueueEntry.objects.create(
        session=session, member=member, kind=kind, reply_to=reply_to, raised_at=timezone.now()
    )
    entry.member = Member.objects.select_related("team").get(pk=member.pk)
    if kind == QueueEntry.Kind.DIRECT_REPLY:
        cut = sum(1 for e in waiting if e.kind == QueueEntry.Kind.DIRECT_REPLY)
        waiting.insert(cut, entry)
    else:
        waiting.append(entry)
    _renumber(waiting)
    event = events.record(
        session=session,
        room=room,
        name="hand_raised",
        payload={
            "entry": serializers.queue_entry_data(entry),
            "queue": [serializers.queue_entry_data(e) for e in waiting],
        },
        actor=member,
    )
    return {"seq": event.seq, "entry_id": entry.pk}


@transaction.atomic
def hand_lower(*, session_id: int, member: Member, entry_id: int | None = None) -> Result:
    """Take a hand down: one's own, or (facilitators) anyone's."""
    require(member, "hand_lower")
    session, room = events.lock_room(session_id=session_id, member=member, action="hand_lower")
    waiting = selectors.queue_waiting(session_id=session.pk)
    if entry_id is None:
        entry = next((e for e in waiting if e.member_id == member.pk), None)
        if entry is None:
            return {"seq": None}
    else:
        entry = next((e for e in waiting if e.pk == entry_id), None)
        if entry is None:
            raise RoomError(ErrorCode.NOT_FOUND, _("No such hand in the queue."))
        if entry.member_id != member.pk and not permissions.runs_room(member):
            raise RoomError(ErrorCode.FORBIDDEN, _("Only facilitators lower someone else's hand."))
    QueueEntry.objects.filter(pk=entry.pk).update(status=QueueEntry.Status.LOWERED)
    waiting.remove(entry)
    _renumber(waiting)
    event = events.record(
        session=session,
        room=room,
        name="hand_lowered",
        payload={"entry_id": entry.pk, "queue": [serializers.queue_entry_data(e) for e in waiting]},
        actor=member,
    )
    return {"seq": event.seq}


@transaction.atomic
def queue_call_next(*, session_id: int, member: Member) -> Result:
    """Give the floor to the first waiting hand."""
    require(member, "queue_call_next")
    session, room = events.lock_room(session_id=session_id, member=member, action="queue_call_next")
    require_open(session)
    waiting = selectors.queue_waiting(session_id=session.pk)
    if not waiting:
        raise RoomError(ErrorCode.CONFLICT, _("Nobody is waiting to speak."))
    entry = waiting.pop(0)
    entry.status = QueueEntry.Status.CALLED
    entry.called_at = timezone.now()
    entry.save(update_fields=["status", "called_at"])
    event = events.record(
        session=session,
        room=room,
        name="queue_called",
        payload={
            "entry": serializers.queue_entry_data(entry),
            "queue": [serializers.queue_entry_data(e) for e in waiting],
        },
        actor=member,
    )
    return {"seq": event.seq, "entry_id": entry.pk}


@transaction.atomic
def queue_reorder(*, session_id: int, member: Member, order: list[int]) -> Result:
    """Put the waiting hands in the order given (every waiting entry, once)."""
    require(member, "queue_reorder")
    session, room = events.lock_room(session_id=session_id, member=member, action="queue_reorder")
    require_open(session)
    waiting = {e.pk: e for e in selectors.queue_waiting(session_id=session.pk)}
    if sorted(order) != sorted(waiting) or len(set(order)) != len(order):
        raise RoomError(ErrorCode.CONFLICT, _("The queue has changed; list every waiting hand exactly once."))
    entries = [waiting[pk] for pk in order]
    _renumber(entries)
    event = events.record(
        session=session,
        room=room,
        name="queue_reordered",
        payload={"queue": [serializers.queue_entry_data(e) for e in entries]},
        actor=member,
    )
    return {"seq": event.seq}


@transaction.atomic
def queue_clear(*, session_id: int, member: Member) -> Result:
    require(member, "queue_clear")
    session, room = events.lock_room(session_id=session_id, member=member, action="queue_clear")
    require_open(session)
    cleared = QueueEntry.objects.filter(session=session, status=QueueEntry.Status.WAITING).update(
        status=QueueEntry.Status.CLEARED
    )
    if not cleared:
        return {"seq": None}
    event = events.record(session=session, room=room, name="queue_cleared", payload={"queue": []}, actor=member)
    return {"seq": event.seq}
