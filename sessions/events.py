"""The room's event log: the public API every writer to a live room uses.

A write to a room locks the session's row (``lock_room``), so writes to one
room are serialized and the room's ``last_seq`` counter gives every
``SessionEvent`` the next number with no gap and no duplicate, on PostgreSQL
(row lock) as on SQLite (its IMMEDIATE transactions already admit one writer
at a time). ``record`` stores the event and hands it, rendered once per
audience by ``visibility``, to the room's group only after the transaction
commits, so nobody hears of a change that was rolled back. The channel layer
may still drop it, which is why clients resume by seq.

The live room's services and the archive's review (a consent change or a
redaction the open room must hear of) both write through here; ``scrub`` and
``without_words`` blank the words stored events carry when the words must go.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Member

from . import permissions, serializers, visibility
from .models import Contribution, DialogueSession, RoomState, SessionEvent
from .protocol import ErrorCode, RoomError

logger = logging.getLogger(__name__)


# --- Groups and broadcasting ----------------------------------------------------


def room_group(session_id: int) -> str:
    return f"session.{session_id}"


def member_group(session_id: int, member_id: int) -> str:
    return f"session.{session_id}.member.{member_id}"


def facilitators_group(session_id: int) -> str:
    return f"session.{session_id}.facilitators"


def send_now(group: str, frame: dict[str, Any]) -> None:
    """Hand a frame to the channel layer: a hint, never the record."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "room.frame", "frame": frame})
    except Exception:  # the database holds the event; clients will resume
        logger.warning("Could not broadcast to %s", group, exc_info=True)


def send_on_commit(group: str, frame: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_now(group, frame))


def _send_event_on_commit(session_id: int, seq: int, encoded: dict[str, str], author_id: int | None) -> None:
    """Hand a room event to the room's group once committed, already rendered
    for each audience (``visibility.renderings``): every socket picks its own.
    The seq rides beside the encodings, so a socket can drop an event it has
    already sent (in its ``hello`` or a replay) without decoding it."""
    message = {"type": "room.event", "seq": seq, "encoded": encoded, "author_id": author_id}

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(room_group(session_id), message)
        except Exception:  # the database holds the event; clients will resume
            logger.warning("Could not broadcast to %s", room_group(session_id), exc_info=True)

    transaction.on_commit(send)


# --- The room lock and the log ---------------------------------------------------


def lock_room(
    *, session_id: int, member: Member | None = None, action: str | None = None
) -> tuple[DialogueSession, RoomState]:
    """Lock the session row (serializing every write to this room) and return
    it with its running state. Refuses a member of another exchange, or one
    whose current role may not take ``action``; ``member`` is refreshed from
    its row (role, name, team), so a service can name them without reading
    it again."""
    session = (
        DialogueSession.objects.select_for_update(of=("self",)).select_related("meeting").filter(pk=session_id).first()
    )
    if session is None:
        raise RoomError(ErrorCode.NOT_FOUND, _("No such session."))
    if member is not None:
        _recheck(member, session=session, action=action)
    room, _created = RoomState.objects.select_for_update(of=("self",)).get_or_create(session=session)
    return session, room


def _recheck(member: Member, *, session: DialogueSession, action: str | None) -> None:
    """Rights follow the person, not the socket: read the member's role again
    under the room lock, so a demotion, a removal or a deleted account takes
    effect on the very next action of a socket opened before it."""
    current = Member.objects.select_related("team").filter(pk=member.pk, user__is_active=True).first()
    if current is None or current.exchange_id != session.meeting.exchange_id:
        raise RoomError(ErrorCode.FORBIDDEN, _("Not a member of this session's exchange."))
    member.exchange_role = current.exchange_role
    member.display_name = current.display_name
    member.stakeholder_role = current.stakeholder_role
    member.team = current.team
    if action is not None and not permissions.can(member, action):
        raise RoomError(ErrorCode.FORBIDDEN, _("Your role in this exchange may not do that."))


def record(
    *,
    session: DialogueSession,
    room: RoomState,
    name: str,
    payload: dict[str, Any],
    actor: Member | None,
    contribution: Contribution | None = None,
) -> SessionEvent:
    """Store the room's next event and broadcast it once committed."""
    room.last_seq += 1
    RoomState.objects.filter(pk=room.pk).update(last_seq=room.last_seq)
    event = SessionEvent.objects.create(
        session=session,
        seq=room.last_seq,
        name=name,
        payload=payload,
        actor=actor,
        contribution=contribution,
        created_at=timezone.now(),
    )
    facts = visibility.Facts.of(contribution) if contribution is not None else None
    encoded, author_id = visibility.renderings(
        serializers.event_frame(event), facts=facts, session_state=session.state, actor_id=event.actor_id
    )
    _send_event_on_commit(session.pk, event.seq, encoded, author_id)
    return event


# --- Words that must go ------------------------------------------------------------


def scrub(value: Any) -> Any:
    """Blank every text a stored event carried about an off-the-record contribution."""
    if isinstance(value, dict):
        out = {k: ("" if k in ("text", "reflection") and isinstance(v, str) else scrub(v)) for k, v in value.items()}
        if "purged" in out:
            out["purged"] = True
        return out
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def without_words(value: Any) -> Any:
    """A stored payload with every text and "what I heard" line blanked."""
    if isinstance(value, dict):
        return {
            k: ("" if k in visibility.WORD_FIELDS and isinstance(v, str) else without_words(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [without_words(v) for v in value]
    return value
