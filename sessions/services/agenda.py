"""The agenda's phases, the pause of the whole room, and a participant's request for one.

See ``sessions.services`` for the rules every service here follows.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Member

from .. import events, serializers
from ..models import DialogueSession, PauseSignal, Phase, RoomState
from ..protocol import ErrorCode, RoomError
from .common import Result, require, require_open


def _set_phase(*, session: DialogueSession, room: RoomState, member: Member, phase: Phase) -> Result:
    now = timezone.now()
    room.current_phase = phase
    room.phase_started_at = now
    room.save(update_fields=["current_phase", "phase_started_at"])
    event = events.record(
        session=session,
        room=room,
        name="phase_changed",
        payload={"current_phase": serializers.current_phase_data(room)},
        actor=member,
    )
    return {"seq": event.seq}


@transaction.atomic
def phase_advance(*, session_id: int, member: Member) -> Result:
    """Move to the next phase of the agenda (the first, if none has begun)."""
    require(member, "phase_advance")
    session, room = events.lock_room(session_id=session_id, member=member, action="phase_advance")
    require_open(session)
    phases = list(session.phases.order_by("order"))
    current = room.current_phase_id
    index = next((i for i, p in enumerate(phases) if p.pk == current), None)
    following = (
        phases[0]
        if index is None and phases
        else (phases[index + 1] if index is not None and index + 1 < len(phases) else None)
    )
    if following is None:
        raise RoomError(ErrorCode.CONFLICT, _("There is no next phase."))
    return _set_phase(session=session, room=room, member=member, phase=following)


@transaction.atomic
def phase_set(*, session_id: int, member: Member, phase_id: int) -> Result:
    require(member, "phase_set")
    session, room = events.lock_room(session_id=session_id, member=member, action="phase_set")
    require_open(session)
    phase = session.phases.filter(pk=phase_id).first()
    if phase is None:
        raise RoomError(ErrorCode.NOT_FOUND, _("No such phase in this session."))
    return _set_phase(session=session, room=room, member=member, phase=phase)


@transaction.atomic
def room_pause(*, session_id: int, member: Member) -> Result:
    """Hold the room: contributions wait until the facilitator resumes."""
    require(member, "pause")
    session, room = events.lock_room(session_id=session_id, member=member, action="pause")
    require_open(session)
    if room.paused:
        return {"seq": None}
    room.paused = True
    room.save(update_fields=["paused"])
    event = events.record(session=session, room=room, name="session_paused", payload={"paused": True}, actor=member)
    return {"seq": event.seq}


@transaction.atomic
def room_resume(*, session_id: int, member: Member) -> Result:
    require(member, "resume_room")
    session, room = events.lock_room(session_id=session_id, member=member, action="resume_room")
    require_open(session)
    if not room.paused:
        return {"seq": None}
    room.paused = False
    room.save(update_fields=["paused"])
    event = events.record(session=session, room=room, name="session_resumed", payload={"paused": False}, actor=member)
    return {"seq": event.seq}


@transaction.atomic
def pause_request(*, session_id: int, member: Member) -> Result:
    """A member's private "I need a pause": only facilitators hear of it."""
    require(member, "pause_request")
    session, _room = events.lock_room(session_id=session_id, member=member, action="pause_request")
    if session.state == DialogueSession.State.CLOSED:
        raise RoomError(ErrorCode.SESSION_CLOSED, _("The session is closed."))
    existing = PauseSignal.objects.filter(session=session, member=member, dismissed_at__isnull=True).first()
    if existing is not None:
        return {"seq": None, "signal_id": existing.pk}
    signal = PauseSignal.objects.create(session=session, member=member, created_at=timezone.now())
    signal.member = Member.objects.select_related("team").get(pk=member.pk)
    events.send_on_commit(
        events.facilitators_group(session.pk),
        {"type": "signal", "kind": "pause_request", "signal": serializers.signal_data(signal)},
    )
    return {"seq": None, "signal_id": signal.pk}


@transaction.atomic
def signal_dismiss(*, session_id: int, member: Member, signal_id: int) -> Result:
    require(member, "signal_dismiss")
    session, _room = events.lock_room(session_id=session_id, member=member, action="signal_dismiss")
    signal = PauseSignal.objects.filter(pk=signal_id, session=session, dismissed_at__isnull=True).first()
    if signal is None:
        raise RoomError(ErrorCode.NOT_FOUND, _("No such open signal."))
    signal.dismissed_at = timezone.now()
    signal.dismissed_by = member
    signal.save(update_fields=["dismissed_at", "dismissed_by"])
    events.send_on_commit(
        events.facilitators_group(session.pk), {"type": "signal", "kind": "signal_dismissed", "signal_id": signal.pk}
    )
    return {"seq": None}
