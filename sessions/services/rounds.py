"""Go-around rounds: the participants in turn, each turn done, passed, skipped or extended.

A go-around is for the people the session is held for: facilitators,
conveners and scribes hold or record the room, so they take a turn only when
the facilitator includes them (``include_facilitators``).

See ``sessions.services`` for the rules every service here follows.
"""

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import ExchangeRole, Member

from .. import events, limits, selectors, serializers
from ..models import DialogueSession, Round, Turn
from ..protocol import ErrorCode, RoomError
from .common import Result, require, require_open


def _active_round(session: DialogueSession) -> Round:
    rnd = Round.objects.filter(session=session, status=Round.Status.ACTIVE).first()
    if rnd is None:
        raise RoomError(ErrorCode.CONFLICT, _("No round is running."))
    return rnd


def _turns(rnd: Round) -> list[Turn]:
    return list(rnd.turns.select_related("member__team").order_by("position"))


def _start_turn(turn: Turn, rnd: Round, now: dt.datetime) -> None:
    turn.status = Turn.Status.CURRENT
    turn.started_at = now
    turn.ends_at = now + dt.timedelta(seconds=rnd.turn_seconds) if rnd.turn_seconds else None
    turn.save(update_fields=["status", "started_at", "ends_at"])


def takes_turns(member: Member, *, include_facilitators: bool) -> bool:
    """Whether a person present is in a go-around's order: participants
    always; facilitators, conveners and scribes only when included."""
    return include_facilitators or member.exchange_role == ExchangeRole.PARTICIPANT


@transaction.atomic
def round_start(
    *,
    session_id: int,
    member: Member,
    order: str,
    member_ids: list[int] | None = None,
    turn_seconds: int | None = None,
    include_facilitators: bool = False,
) -> Result:
    """Begin a go-around over the participants present (and the facilitators,
    conveners and scribes present, when ``include_facilitators``); the first
    turn starts now."""
    require(member, "round_start")
    if order not in Round.Order.values:
        raise RoomError(ErrorCode.BAD_REQUEST, _("Unknown order."))
    session, room = events.lock_room(session_id=session_id, member=member, action="round_start")
    require_open(session)
    if Round.objects.filter(session=session, status=Round.Status.ACTIVE).exists():
        raise RoomError(ErrorCode.CONFLICT, _("A round is already running; end it first."))
    everyone = selectors.present_members(session_id=session.pk)
    present = [m for m in everyone if takes_turns(m, include_facilitators=include_facilitators)]
    if order == Round.Order.ARRANGED:
        if not member_ids:
            raise RoomError(ErrorCode.BAD_REQUEST, _("An arranged round lists 'member_ids' in order."))
        by_id = {m.pk: m for m in everyone}
        missing = [pk for pk in member_ids if pk not in by_id]
        if missing:
            raise RoomError(ErrorCode.NOT_FOUND, _("Some of those people are not in the room."))
        holders = [
            by_id[pk] for pk in member_ids if not takes_turns(by_id[pk], include_facilitators=include_facilitators)
        ]
        if holders:
            raise RoomError(
                ErrorCode.BAD_REQUEST,
                _("%(name)s is a %(role)s: choose “Include facilitators and scribes” to give them a turn.")
                % {"name": holders[0].display_name, "role": holders[0].get_exchange_role_display().lower()},
            )
        people = [by_id[pk] for pk in member_ids]
    elif order == Round.Order.BY_TEAM:
        people = sorted(
            present,
            key=lambda m: (m.team is None, str(m.team).lower() if m.team else "", m.display_name.lower(), m.pk),
        )
    else:
        people = list(present)
        secrets.SystemRandom().shuffle(people)
    if not people:
        if include_facilitators:
            raise RoomError(ErrorCode.CONFLICT, _("Nobody is in the room to take a turn."))
        raise RoomError(ErrorCode.CONFLICT, _("No participant is in the room to take a turn."))
    now = timezone.now()
    rnd = Round.objects.create(
        session=session, order=order, turn_seconds=turn_seconds, started_by=member, started_at=now
    )
    turns = Turn.objects.bulk_create(
        [Turn(round=rnd, member=person, position=i) for i, person in enumerate(people, start=1)]
    )
    for turn, person in zip(turns, people, strict=True):
        turn.member = person
    _start_turn(turns[0], rnd, now)
    event = events.record(
        session=session,
        room=room,
        name="round_started",
        payload={"round": serializers.round_data(rnd, turns)},
        actor=member,
    )
    return {"seq": event.seq, "round_id": rnd.pk}


def _finish_turn(*, session_id: int, member: Member, action: str, status: str, name: str, holder_only: bool) -> Result:
    """End the current turn as ``status`` and give the next one (or end the
    round): what done, pass and skip share, each from its own frame."""
    require(member, action)
    session, room = events.lock_room(session_id=session_id, member=member, action=action)
    require_open(session)
    rnd = _active_round(session)
    turns = _turns(rnd)
    current = next((t for t in turns if t.status == Turn.Status.CURRENT), None)
    if current is None:
        raise RoomError(ErrorCode.CONFLICT, _("Nobody holds the turn."))
    if holder_only and current.member_id != member.pk:
        raise RoomError(ErrorCode.FORBIDDEN, _("It is not your turn."))
    now = timezone.now()
    current.status = status
    current.save(update_fields=["status"])
    following = next((t for t in turns if t.status == Turn.Status.PENDING), None)
    if following is not None:
        _start_turn(following, rnd, now)
    event = events.record(
        session=session,
        room=room,
        name=name,
        payload={"round": serializers.round_data(rnd, turns), "turn_id": current.pk},
        actor=member,
    )
    if following is None:
        rnd.status = Round.Status.ENDED
        rnd.ended_at = now
        rnd.save(update_fields=["status", "ended_at"])
        event = events.record(
            session=session,
            room=room,
            name="round_ended",
            payload={"round": serializers.round_data(rnd, turns)},
            actor=member,
        )
    return {"seq": event.seq}


@transaction.atomic
def turn_done(*, session_id: int, member: Member) -> Result:
    """The holder has spoken; the next person's turn begins."""
    return _finish_turn(
        session_id=session_id,
        member=member,
        action="turn_done",
        status=Turn.Status.SPOKE,
        name="turn_spoke",
        holder_only=True,
    )


@transaction.atomic
def turn_pass(*, session_id: int, member: Member) -> Result:
    """The holder passes: silence is a legitimate answer in a go-around."""
    return _finish_turn(
        session_id=session_id,
        member=member,
        action="turn_pass",
        status=Turn.Status.PASSED,
        name="turn_passed",
        holder_only=True,
    )


@transaction.atomic
def turn_skip(*, session_id: int, member: Member) -> Result:
    """The facilitator moves on (the holder stepped out, or is not ready)."""
    return _finish_turn(
        session_id=session_id,
        member=member,
        action="turn_skip",
        status=Turn.Status.SKIPPED,
        name="turn_skipped",
        holder_only=False,
    )


@transaction.atomic
def turn_extend(*, session_id: int, member: Member, seconds: int) -> Result:
    """Give the holder more time: the end moves later (from now if it had
    none or has already passed)."""
    require(member, "turn_extend")
    if not limits.EXTEND_SECONDS_MIN <= seconds <= limits.EXTEND_SECONDS_MAX:
        raise RoomError(
            ErrorCode.BAD_REQUEST,
            _("Extend by %(min)s to %(max)s seconds.")
            % {"min": limits.EXTEND_SECONDS_MIN, "max": limits.EXTEND_SECONDS_MAX},
        )
    session, room = events.lock_room(session_id=session_id, member=member, action="turn_extend")
    require_open(session)
    rnd = _active_round(session)
    turns = _turns(rnd)
    current = next((t for t in turns if t.status == Turn.Status.CURRENT), None)
    if current is None:
        raise RoomError(ErrorCode.CONFLICT, _("Nobody holds the turn."))
    now = timezone.now()
    base = current.ends_at if current.ends_at and current.ends_at > now else now
    current.ends_at = base + dt.timedelta(seconds=seconds)
    current.save(update_fields=["ends_at"])
    event = events.record(
        session=session,
        room=room,
        name="turn_extended",
        payload={"round": serializers.round_data(rnd, turns), "turn_id": current.pk},
        actor=member,
    )
    return {"seq": event.seq}


def end_round(rnd: Round, now: dt.datetime) -> list[Turn]:
    turns = _turns(rnd)
    for turn in turns:
        if turn.status == Turn.Status.CURRENT:
            turn.status = Turn.Status.SKIPPED
            turn.save(update_fields=["status"])
    rnd.status = Round.Status.ENDED
    rnd.ended_at = now
    rnd.save(update_fields=["status", "ended_at"])
    return turns


@transaction.atomic
def round_end(*, session_id: int, member: Member) -> Result:
    """Stop the go-around; whoever held the turn is marked skipped."""
    require(member, "round_end")
    session, room = events.lock_room(session_id=session_id, member=member, action="round_end")
    require_open(session)
    rnd = _active_round(session)
    turns = end_round(rnd, timezone.now())
    event = events.record(
        session=session,
        room=room,
        name="round_ended",
        payload={"round": serializers.round_data(rnd, turns)},
        actor=member,
    )
    return {"seq": event.seq}
