"""Quiet reflection and the private notes written during it, and sharing a note with the room.

See ``sessions.services`` for the rules every service here follows.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Member

from .. import events, limits, serializers
from ..limits import NOTE_MAX
from ..models import Contribution, DialogueSession, Reflection, ReflectionNote
from ..protocol import ErrorCode, RoomError
from .common import Result, require, require_open
from .contributions import add_contribution, replay_ack


@transaction.atomic
def reflection_start(*, session_id: int, member: Member, seconds: int) -> Result:
    """Begin a quiet reflection; the end time is held here, not in a timer."""
    require(member, "reflection_start")
    if not limits.TIMER_SECONDS_MIN <= seconds <= limits.TIMER_SECONDS_MAX:
        raise RoomError(
            ErrorCode.BAD_REQUEST,
            _("A reflection lasts %(min)s to %(max)s seconds.")
            % {"min": limits.TIMER_SECONDS_MIN, "max": limits.TIMER_SECONDS_MAX},
        )
    session, room = events.lock_room(session_id=session_id, member=member, action="reflection_start")
    require_open(session)
    now = timezone.now()
    Reflection.objects.filter(session=session, ended_at__isnull=True).update(ended_at=now)
    reflection = Reflection.objects.create(
        session=session, started_by=member, started_at=now, ends_at=now + dt.timedelta(seconds=seconds)
    )
    event = events.record(
        session=session,
        room=room,
        name="reflection_started",
        payload={"reflection": serializers.reflection_data(reflection)},
        actor=member,
    )
    return {"seq": event.seq}


@transaction.atomic
def reflection_end(*, session_id: int, member: Member) -> Result:
    require(member, "reflection_end")
    session, room = events.lock_room(session_id=session_id, member=member, action="reflection_end")
    require_open(session)
    reflection = Reflection.objects.filter(session=session, ended_at__isnull=True).order_by("-started_at").first()
    if reflection is None:
        raise RoomError(ErrorCode.CONFLICT, _("No reflection is running."))
    Reflection.objects.filter(session=session, ended_at__isnull=True).update(ended_at=timezone.now())
    event = events.record(
        session=session, room=room, name="reflection_ended", payload={"reflection_id": reflection.pk}, actor=member
    )
    return {"seq": event.seq}


@transaction.atomic
def note_save(*, session_id: int, member: Member, text: str) -> Result:
    """Keep one's private notes. Nobody else sees them and the room's event
    log does not hear of them (others would see a gap they cannot fill)."""
    require(member, "note_save")
    if len(text) > NOTE_MAX:
        raise RoomError(ErrorCode.TOO_LONG, _("Notes hold at most %(max)s characters.") % {"max": NOTE_MAX})
    session, _room = events.lock_room(session_id=session_id, member=member, action="note_save")
    if session.state == DialogueSession.State.CLOSED:
        raise RoomError(ErrorCode.SESSION_CLOSED, _("The session is closed; its notes are kept as they were."))
    note, _created = ReflectionNote.objects.update_or_create(
        session=session, member=member, defaults={"text": text, "updated_at": timezone.now()}
    )
    events.send_on_commit(
        events.member_group(session.pk, member.pk),
        {"type": "private", "kind": "note", "note": serializers.note_data(note)},
    )
    return {"seq": None}


@transaction.atomic
def note_share(
    *, session_id: int, member: Member, client_id: str, consent: str, text: str | None = None, language: str = ""
) -> Result:
    """Bring (part of) one's private notes into the room as a reflection.

    ``consent`` is required: a private note takes no attribution silently
    from anything chosen earlier for other words."""
    require(member, "note_share")
    session, room = events.lock_room(session_id=session_id, member=member, action="note_share")
    existing = Contribution.objects.filter(session=session, client_id=client_id).first()
    if existing is not None:
        return replay_ack(existing, member)
    if text is None:
        note = ReflectionNote.objects.filter(session=session, member=member).first()
        text = note.text if note else ""
    return add_contribution(
        session=session,
        room=room,
        member=member,
        author=member,  # read again, with the team, under the lock
        client_id=client_id,
        text=text,
        kind=Contribution.Kind.REFLECTION,
        reply_to_id=None,
        consent=consent,
        language=language,
    )
