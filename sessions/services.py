"""Every write to a live room.

Each service runs in one transaction that first locks the session's row, so
writes to one room are serialized: the room's ``last_seq`` counter then gives
every SessionEvent the next number with no gaps and no duplicates, on
PostgreSQL (row lock) as on SQLite (its IMMEDIATE transactions already admit
one writer at a time). The event is broadcast to the room's group only once
the transaction has committed, so nobody hears of a change that was rolled
back; the channel layer may still drop it, which is why clients resume by seq.

A service refuses by raising ``RoomError`` with the protocol's error code,
before it has changed anything. Services return what the ``ack`` frame
carries: the seq of the event they recorded (or ``None`` when nothing the room
must hear of changed) and any ids the client needs.
"""

import datetime as dt
import logging
import secrets
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from participants.models import Commitment, Member
from participants.services import attendance_record_live

from . import permissions, selectors, visibility
from .models import (
    Acknowledgement,
    Attribution,
    Contribution,
    ContributionRevision,
    ContributionTheme,
    DialogueSession,
    PauseSignal,
    QueueEntry,
    Reflection,
    ReflectionNote,
    RoomConnection,
    RoomState,
    Round,
    SessionEvent,
    Theme,
    Turn,
)
from .protocol import COMMITMENT_MAX, NOTE_MAX, ErrorCode, RoomError

logger = logging.getLogger(__name__)

# A connection not seen for this long belongs to a server process that died
# without saying goodbye; its presence is swept on the next join.
PRESENCE_TOUCH_SECONDS = 30
PRESENCE_STALE_SECONDS = 90

Result = dict[str, Any]


# --- Groups and broadcasting ----------------------------------------------------


def room_group(session_id: int) -> str:
    return f"session.{session_id}"


def member_group(session_id: int, member_id: int) -> str:
    return f"session.{session_id}.member.{member_id}"


def facilitators_group(session_id: int) -> str:
    return f"session.{session_id}.facilitators"


def _send_now(group: str, frame: dict) -> None:
    """Hand a frame to the channel layer: a hint, never the record."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "room.frame", "frame": frame})
    except Exception:  # the database holds the event; clients will resume
        logger.warning("Could not broadcast to %s", group, exc_info=True)


def _send_on_commit(group: str, frame: dict) -> None:
    transaction.on_commit(lambda: _send_now(group, frame))


def _send_event_on_commit(session_id: int, encoded: dict[str, str], author_id: int | None) -> None:
    """Hand a room event to the room's group once committed, already rendered
    for each audience (``visibility.renderings``): every socket picks its own."""
    message = {"type": "room.event", "encoded": encoded, "author_id": author_id}

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(room_group(session_id), message)
        except Exception:  # the database holds the event; clients will resume
            logger.warning("Could not broadcast to %s", room_group(session_id), exc_info=True)

    transaction.on_commit(send)


# --- The room lock and the event log ---------------------------------------------


def _lock_room(
    *, session_id: int, member: Member | None = None, action: str | None = None
) -> tuple[DialogueSession, RoomState]:
    """Lock the session row (serializing every write to this room) and return
    it with its running state. Refuses a member of another exchange, or one
    whose current role may not take ``action``."""
    session = (
        DialogueSession.objects.select_for_update(of=("self",)).select_related("meeting").filter(pk=session_id).first()
    )
    if session is None:
        raise RoomError(ErrorCode.NOT_FOUND, "No such session.")
    if member is not None:
        _recheck(member, session=session, action=action)
    room, _ = RoomState.objects.select_for_update(of=("self",)).get_or_create(session=session)
    return session, room


def _recheck(member: Member, *, session: DialogueSession, action: str | None) -> None:
    """Rights follow the person, not the socket: read the member's role again
    under the room lock, so a demotion, a removal or a deleted account takes
    effect on the very next action of a socket opened before it."""
    current = (
        Member.objects.filter(pk=member.pk, user__is_active=True).values_list("exchange_id", "exchange_role").first()
    )
    if current is None or current[0] != session.meeting.exchange_id:
        raise RoomError(ErrorCode.FORBIDDEN, "Not a member of this session's exchange.")
    member.exchange_role = current[1]
    if action is not None:
        _require(member, action)


def _record(
    *,
    session: DialogueSession,
    room: RoomState,
    name: str,
    payload: dict,
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
        selectors.event_frame(event), facts=facts, session_state=session.state, actor_id=event.actor_id
    )
    _send_event_on_commit(session.pk, encoded, author_id)
    return event


def _require(member: Member, action: str) -> None:
    if not permissions.can(member, action):
        raise RoomError(ErrorCode.FORBIDDEN, "Your role in this exchange may not do that.")


def _require_open(session: DialogueSession) -> None:
    if session.state == DialogueSession.State.SCHEDULED:
        raise RoomError(ErrorCode.SESSION_CLOSED, "The session has not opened yet.")
    if session.state != DialogueSession.State.OPEN:
        raise RoomError(ErrorCode.SESSION_CLOSED, "The session is closed.")


def _contribution_in(session: DialogueSession, contribution_id: int) -> Contribution:
    contribution = (
        Contribution.objects.select_related("author__team")
        .filter(pk=contribution_id, session=session, withdrawn_at__isnull=True)
        .first()
    )
    if contribution is None:
        raise RoomError(ErrorCode.NOT_FOUND, "No such contribution in this session.")
    return contribution


def _is_present(session: DialogueSession, member_id: int) -> bool:
    return RoomConnection.objects.filter(session=session, member_id=member_id).exists()


# --- Presence ----------------------------------------------------------------------


@transaction.atomic
def presence_join(*, session_id: int, member: Member, channel_name: str) -> Result:
    """Register one open socket; the person becomes present on their first.

    Several tabs of one person count once, across server processes, because
    presence is read from the connection rows. Joining also records the
    person's attendance at the meeting (not once the session has closed:
    reading a closed room is not attending it).
    """
    session, room = _lock_room(session_id=session_id, member=member)
    now = timezone.now()
    seq = _sweep_stale_connections(session=session, room=room, now=now)
    first = not RoomConnection.objects.filter(session=session, member=member).exists()
    RoomConnection.objects.update_or_create(
        channel_name=channel_name,
        defaults={"session": session, "member": member, "connected_at": now, "seen_at": now},
    )
    if first:
        member_row = Member.objects.select_related("team").get(pk=member.pk)
        seq = _record(
            session=session,
            room=room,
            name="presence_joined",
            payload={"member": selectors.member_data(member_row)},
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
        seq = _record(
            session=session, room=room, name="presence_left", payload={"member_id": member_id}, actor=None
        ).seq
    return seq


@transaction.atomic
def presence_leave(*, channel_name: str) -> Result:
    """Forget one socket; the person leaves the room with their last one."""
    connection = RoomConnection.objects.filter(channel_name=channel_name).first()
    if connection is None:
        return {"seq": None}
    session, room = _lock_room(session_id=connection.session_id)
    deleted, _ = RoomConnection.objects.filter(channel_name=channel_name).delete()
    if not deleted or RoomConnection.objects.filter(session=session, member_id=connection.member_id).exists():
        return {"seq": None}
    event = _record(
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


# --- Contributions -----------------------------------------------------------------


def _submitter_id(contribution: Contribution) -> int:
    return contribution.captured_by_id or contribution.author_id


def _replay_ack(contribution: Contribution, member: Member) -> Result:
    """The ack a resent contribution gets: the one it got the first time."""
    if _submitter_id(contribution) != member.pk:
        raise RoomError(ErrorCode.CONFLICT, "That client_id is already used.")
    seq = (
        SessionEvent.objects.filter(contribution=contribution, name="contribution_added")
        .values_list("seq", flat=True)
        .first()
    )
    return {"seq": seq, "contribution_id": contribution.pk}


def _contribution_add(
    *,
    session: DialogueSession,
    room: RoomState,
    member: Member,
    author: Member,
    client_id: str,
    text: str,
    kind: str,
    reply_to_id: int | None,
    consent: str | None,
    captured_by: Member | None = None,
) -> Result:
    text = text.strip()
    if not text:
        raise RoomError(ErrorCode.BAD_REQUEST, "A contribution needs some text.")
    if len(text) > settings.LIVE_ROOM["MAX_TEXT"]:
        raise RoomError(ErrorCode.TOO_LONG, f"At most {settings.LIVE_ROOM['MAX_TEXT']} characters.")
    if kind not in Contribution.Kind.values:
        raise RoomError(ErrorCode.BAD_REQUEST, "Unknown kind of contribution.")
    if consent is not None and consent not in Attribution.values:
        raise RoomError(ErrorCode.BAD_REQUEST, "Unknown consent.")
    _require_open(session)
    if room.paused:
        raise RoomError(ErrorCode.PAUSED, "The room is paused; your words are held until it resumes.")
    reply_to = _contribution_in(session, reply_to_id) if reply_to_id is not None else None
    try:
        with transaction.atomic():
            contribution = Contribution.objects.create(
                session=session,
                author=author,
                captured_by=captured_by,
                client_id=client_id,
                kind=kind,
                text=text,
                reply_to=reply_to,
                consent=consent or session.attribution_default,
                author_hidden=visibility.author_hidden_after(consent or session.attribution_default, was_hidden=False),
                phase_id=room.current_phase_id,
                created_at=timezone.now(),
            )
    except IntegrityError:
        # The same client_id raced in on another connection and won.
        existing = Contribution.objects.get(session=session, client_id=client_id)
        return _replay_ack(existing, member)
    contribution.author = author
    event = _record(
        session=session,
        room=room,
        name="contribution_added",
        payload={"contribution": selectors.contribution_data(contribution)},
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq, "contribution_id": contribution.pk}


@transaction.atomic
def contribution_create(
    *,
    session_id: int,
    member: Member,
    client_id: str,
    text: str,
    kind: str = Contribution.Kind.STORY,
    reply_to_id: int | None = None,
    consent: str | None = None,
) -> Result:
    """A member's own words into the room; resending the same client_id
    stores nothing new and returns the first ack."""
    _require(member, "contribute")
    session, room = _lock_room(session_id=session_id, member=member, action="contribute")
    existing = Contribution.objects.filter(session=session, client_id=client_id).first()
    if existing is not None:
        return _replay_ack(existing, member)
    author = Member.objects.select_related("team").get(pk=member.pk)
    return _contribution_add(
        session=session,
        room=room,
        member=member,
        author=author,
        client_id=client_id,
        text=text,
        kind=kind,
        reply_to_id=reply_to_id,
        consent=consent,
    )


@transaction.atomic
def contribution_capture(
    *,
    session_id: int,
    member: Member,
    client_id: str,
    speaker_member_id: int,
    text: str,
    kind: str = Contribution.Kind.STORY,
    reply_to_id: int | None = None,
    consent: str | None = None,
) -> Result:
    """A scribe writes down what someone present said aloud, in their name."""
    _require(member, "capture")
    session, room = _lock_room(session_id=session_id, member=member, action="capture")
    existing = Contribution.objects.filter(session=session, client_id=client_id).first()
    if existing is not None:
        return _replay_ack(existing, member)
    speaker = (
        Member.objects.select_related("team")
        .filter(pk=speaker_member_id, exchange_id=session.meeting.exchange_id)
        .first()
    )
    if speaker is None or not _is_present(session, speaker.pk):
        raise RoomError(ErrorCode.NOT_FOUND, "That person is not in the room.")
    return _contribution_add(
        session=session,
        room=room,
        member=member,
        author=speaker,
        client_id=client_id,
        text=text,
        kind=kind,
        reply_to_id=reply_to_id,
        consent=consent,
        captured_by=member if speaker.pk != member.pk else None,
    )


@transaction.atomic
def contribution_edit(*, session_id: int, member: Member, contribution_id: int, text: str) -> Result:
    """Change one's words while the session is open, keeping what they were."""
    _require(member, "contribution_edit")
    session, room = _lock_room(session_id=session_id, member=member, action="contribution_edit")
    contribution = _contribution_in(session, contribution_id)
    if not permissions.can_edit_contribution(member, contribution):
        raise RoomError(ErrorCode.FORBIDDEN, "Only the speaker (or the scribe who wrote it) may edit this.")
    _require_open(session)
    text = text.strip()
    if not text:
        raise RoomError(ErrorCode.BAD_REQUEST, "A contribution needs some text.")
    if len(text) > settings.LIVE_ROOM["MAX_TEXT"]:
        raise RoomError(ErrorCode.TOO_LONG, f"At most {settings.LIVE_ROOM['MAX_TEXT']} characters.")
    if text == contribution.text:
        return {"seq": None}
    now = timezone.now()
    ContributionRevision.objects.create(
        contribution=contribution, text=contribution.text, edited_by=member, created_at=now
    )
    contribution.text = text
    contribution.edited_at = now
    contribution.save(update_fields=["text", "edited_at"])
    event = _record(
        session=session,
        room=room,
        name="contribution_edited",
        payload={
            "contribution_id": contribution.pk,
            "text": text,
            "edited_at": selectors.iso(now),
            "revisions": contribution.revisions.count(),
        },
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


@transaction.atomic
def contribution_withdraw(*, session_id: int, member: Member, contribution_id: int) -> Result:
    """Take one's words back out of the room (kept, marked withdrawn)."""
    _require(member, "contribution_withdraw")
    session, room = _lock_room(session_id=session_id, member=member, action="contribution_withdraw")
    contribution = _contribution_in(session, contribution_id)
    if not permissions.can_withdraw_contribution(member, contribution):
        raise RoomError(ErrorCode.FORBIDDEN, "Only the speaker may withdraw this.")
    _require_open(session)
    contribution.withdrawn_at = timezone.now()
    contribution.save(update_fields=["withdrawn_at"])
    event = _record(
        session=session,
        room=room,
        name="contribution_withdrawn",
        payload={"contribution_id": contribution.pk},
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


@transaction.atomic
def consent_set(*, session_id: int, member: Member, contribution_id: int, consent: str) -> Result:
    """The speaker chooses how these words may be recorded."""
    _require(member, "consent_set")
    if consent not in Attribution.values:
        raise RoomError(ErrorCode.BAD_REQUEST, "Unknown consent.")
    session, room = _lock_room(session_id=session_id, member=member, action="consent_set")
    contribution = _contribution_in(session, contribution_id)
    if not permissions.can_set_consent(member, contribution):
        raise RoomError(ErrorCode.FORBIDDEN, "Only the speaker chooses how their words are recorded.")
    _require_open(session)
    if contribution.consent == consent:
        return {"seq": None}
    contribution.consent = consent
    contribution.author_hidden = visibility.author_hidden_after(consent, was_hidden=contribution.author_hidden)
    contribution.save(update_fields=["consent", "author_hidden"])
    event = _record(
        session=session,
        room=room,
        name="consent_changed",
        payload={"contribution_id": contribution.pk, "consent": consent},
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


@transaction.atomic
def acknowledgement_create(*, session_id: int, member: Member, contribution_id: int, reflection: str = "") -> Result:
    """ "I heard you", once per person per contribution."""
    _require(member, "acknowledge")
    reflection = (reflection or "").strip()
    if len(reflection) > 280:
        raise RoomError(ErrorCode.TOO_LONG, "A reflection back is one line: at most 280 characters.")
    session, room = _lock_room(session_id=session_id, member=member, action="acknowledge")
    contribution = _contribution_in(session, contribution_id)
    _require_open(session)
    if contribution.author_id == member.pk:
        raise RoomError(ErrorCode.CONFLICT, "You can't acknowledge your own words.")
    if Acknowledgement.objects.filter(contribution=contribution, member=member).exists():
        raise RoomError(ErrorCode.CONFLICT, "You have already acknowledged this.")
    Acknowledgement.objects.create(
        contribution=contribution, member=member, reflection=reflection, created_at=timezone.now()
    )
    event = _record(
        session=session,
        room=room,
        name="acknowledgement_added",
        payload={
            "contribution_id": contribution.pk,
            "member_id": member.pk,
            "display_name": member.display_name,
            "reflection": reflection,
            "acks": contribution.acknowledgements.count(),
        },
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


# --- The speaking queue ---------------------------------------------------------------


def _renumber(entries: list[QueueEntry]) -> None:
    for position, entry in enumerate(entries, start=1):
        if entry.position != position:
            entry.position = position
            QueueEntry.objects.filter(pk=entry.pk).update(position=position)


@transaction.atomic
def hand_raise(*, session_id: int, member: Member, kind: str, reply_to_id: int | None = None) -> Result:
    """Ask to speak. A direct reply goes ahead of every new point, behind
    other direct replies; one waiting hand per person."""
    _require(member, "hand_raise")
    if kind not in QueueEntry.Kind.values:
        raise RoomError(ErrorCode.BAD_REQUEST, "Unknown kind of hand.")
    session, room = _lock_room(session_id=session_id, member=member, action="hand_raise")
    _require_open(session)
    waiting = selectors.queue_waiting(session_id=session.pk)
    mine = next((e for e in waiting if e.member_id == member.pk), None)
    if mine is not None:
        return {"seq": None, "entry_id": mine.pk}
    reply_to = _contribution_in(session, reply_to_id) if reply_to_id is not None else None
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
    event = _record(
        session=session,
        room=room,
        name="hand_raised",
        payload={"entry": selectors.queue_entry_data(entry), "queue": [selectors.queue_entry_data(e) for e in waiting]},
        actor=member,
    )
    return {"seq": event.seq, "entry_id": entry.pk}


@transaction.atomic
def hand_lower(*, session_id: int, member: Member, entry_id: int | None = None) -> Result:
    """Take a hand down: one's own, or (facilitators) anyone's."""
    _require(member, "hand_lower")
    session, room = _lock_room(session_id=session_id, member=member, action="hand_lower")
    waiting = selectors.queue_waiting(session_id=session.pk)
    if entry_id is None:
        entry = next((e for e in waiting if e.member_id == member.pk), None)
        if entry is None:
            return {"seq": None}
    else:
        entry = next((e for e in waiting if e.pk == entry_id), None)
        if entry is None:
            raise RoomError(ErrorCode.NOT_FOUND, "No such hand in the queue.")
        if entry.member_id != member.pk and not permissions.runs_room(member):
            raise RoomError(ErrorCode.FORBIDDEN, "Only facilitators lower someone else's hand.")
    QueueEntry.objects.filter(pk=entry.pk).update(status=QueueEntry.Status.LOWERED)
    waiting.remove(entry)
    _renumber(waiting)
    event = _record(
        session=session,
        room=room,
        name="hand_lowered",
        payload={"entry_id": entry.pk, "queue": [selectors.queue_entry_data(e) for e in waiting]},
        actor=member,
    )
    return {"seq": event.seq}


@transaction.atomic
def queue_call_next(*, session_id: int, member: Member) -> Result:
    """Give the floor to the first waiting hand."""
    _require(member, "queue_call_next")
    session, room = _lock_room(session_id=session_id, member=member, action="queue_call_next")
    _require_open(session)
    waiting = selectors.queue_waiting(session_id=session.pk)
    if not waiting:
        raise RoomError(ErrorCode.CONFLICT, "Nobody is waiting to speak.")
    entry = waiting.pop(0)
    entry.status = QueueEntry.Status.CALLED
    entry.called_at = timezone.now()
    entry.save(update_fields=["status", "called_at"])
    event = _record(
        session=session,
        room=room,
        name="queue_called",
        payload={"entry": selectors.queue_entry_data(entry), "queue": [selectors.queue_entry_data(e) for e in waiting]},
        actor=member,
    )
    return {"seq": event.seq, "entry_id": entry.pk}


@transaction.atomic
def queue_reorder(*, session_id: int, member: Member, order: list[int]) -> Result:
    """Put the waiting hands in the order given (every waiting entry, once)."""
    _require(member, "queue_reorder")
    session, room = _lock_room(session_id=session_id, member=member, action="queue_reorder")
    _require_open(session)
    waiting = {e.pk: e for e in selectors.queue_waiting(session_id=session.pk)}
    if sorted(order) != sorted(waiting) or len(set(order)) != len(order):
        raise RoomError(ErrorCode.CONFLICT, "The queue has changed; list every waiting hand exactly once.")
    entries = [waiting[pk] for pk in order]
    _renumber(entries)
    event = _record(
        session=session,
        room=room,
        name="queue_reordered",
        payload={"queue": [selectors.queue_entry_data(e) for e in entries]},
        actor=member,
    )
    return {"seq": event.seq}


@transaction.atomic
def queue_clear(*, session_id: int, member: Member) -> Result:
    _require(member, "queue_clear")
    session, room = _lock_room(session_id=session_id, member=member, action="queue_clear")
    _require_open(session)
    cleared = QueueEntry.objects.filter(session=session, status=QueueEntry.Status.WAITING).update(
        status=QueueEntry.Status.CLEARED
    )
    if not cleared:
        return {"seq": None}
    event = _record(session=session, room=room, name="queue_cleared", payload={"queue": []}, actor=member)
    return {"seq": event.seq}


# --- Go-around rounds -------------------------------------------------------------------


def _active_round(session: DialogueSession) -> Round:
    rnd = Round.objects.filter(session=session, status=Round.Status.ACTIVE).first()
    if rnd is None:
        raise RoomError(ErrorCode.CONFLICT, "No round is running.")
    return rnd


def _turns(rnd: Round) -> list[Turn]:
    return list(rnd.turns.select_related("member__team").order_by("position"))


def _start_turn(turn: Turn, rnd: Round, now: dt.datetime) -> None:
    turn.status = Turn.Status.CURRENT
    turn.started_at = now
    turn.ends_at = now + dt.timedelta(seconds=rnd.turn_seconds) if rnd.turn_seconds else None
    turn.save(update_fields=["status", "started_at", "ends_at"])


@transaction.atomic
def round_start(
    *,
    session_id: int,
    member: Member,
    order: str,
    member_ids: list[int] | None = None,
    turn_seconds: int | None = None,
) -> Result:
    """Begin a go-around over the people present; the first turn starts now."""
    _require(member, "round_start")
    if order not in Round.Order.values:
        raise RoomError(ErrorCode.BAD_REQUEST, "Unknown order.")
    session, room = _lock_room(session_id=session_id, member=member, action="round_start")
    _require_open(session)
    if Round.objects.filter(session=session, status=Round.Status.ACTIVE).exists():
        raise RoomError(ErrorCode.CONFLICT, "A round is already running; end it first.")
    present = selectors.present_members(session_id=session.pk)
    if order == Round.Order.ARRANGED:
        if not member_ids:
            raise RoomError(ErrorCode.BAD_REQUEST, "An arranged round lists 'member_ids' in order.")
        by_id = {m.pk: m for m in present}
        missing = [pk for pk in member_ids if pk not in by_id]
        if missing:
            raise RoomError(ErrorCode.NOT_FOUND, "Some of those people are not in the room.")
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
        raise RoomError(ErrorCode.CONFLICT, "Nobody is in the room.")
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
    event = _record(
        session=session,
        room=room,
        name="round_started",
        payload={"round": selectors.round_data(rnd, turns)},
        actor=member,
    )
    return {"seq": event.seq, "round_id": rnd.pk}


def _finish_turn(*, session, room, member: Member, status: str, name: str, holder_only: bool) -> Result:
    rnd = _active_round(session)
    turns = _turns(rnd)
    current = next((t for t in turns if t.status == Turn.Status.CURRENT), None)
    if current is None:
        raise RoomError(ErrorCode.CONFLICT, "Nobody holds the turn.")
    if holder_only and current.member_id != member.pk:
        raise RoomError(ErrorCode.FORBIDDEN, "It is not your turn.")
    now = timezone.now()
    current.status = status
    current.save(update_fields=["status"])
    following = next((t for t in turns if t.status == Turn.Status.PENDING), None)
    if following is not None:
        _start_turn(following, rnd, now)
    event = _record(
        session=session,
        room=room,
        name=name,
        payload={"round": selectors.round_data(rnd, turns), "turn_id": current.pk},
        actor=member,
    )
    if following is None:
        rnd.status = Round.Status.ENDED
        rnd.ended_at = now
        rnd.save(update_fields=["status", "ended_at"])
        event = _record(
            session=session,
            room=room,
            name="round_ended",
            payload={"round": selectors.round_data(rnd, turns)},
            actor=member,
        )
    return {"seq": event.seq}


@transaction.atomic
def turn_done(*, session_id: int, member: Member) -> Result:
    """The holder has spoken; the next person's turn begins."""
    _require(member, "turn_done")
    session, room = _lock_room(session_id=session_id, member=member, action="turn_done")
    _require_open(session)
    return _finish_turn(
        session=session, room=room, member=member, status=Turn.Status.SPOKE, name="turn_spoke", holder_only=True
    )


@transaction.atomic
def turn_pass(*, session_id: int, member: Member) -> Result:
    """The holder passes: silence is a legitimate answer in a go-around."""
    _require(member, "turn_pass")
    session, room = _lock_room(session_id=session_id, member=member, action="turn_pass")
    _require_open(session)
    return _finish_turn(
        session=session, room=room, member=member, status=Turn.Status.PASSED, name="turn_passed", holder_only=True
    )


@transaction.atomic
def turn_skip(*, session_id: int, member: Member) -> Result:
    """The facilitator moves on (the holder stepped out, or is not ready)."""
    _require(member, "turn_skip")
    session, room = _lock_room(session_id=session_id, member=member, action="turn_skip")
    _require_open(session)
    return _finish_turn(
        session=session, room=room, member=member, status=Turn.Status.SKIPPED, name="turn_skipped", holder_only=False
    )


@transaction.atomic
def turn_extend(*, session_id: int, member: Member, seconds: int) -> Result:
    """Give the holder more time: the end moves later (from now if it had
    none or has already passed)."""
    _require(member, "turn_extend")
    if not 1 <= seconds <= 3600:
        raise RoomError(ErrorCode.BAD_REQUEST, "Extend by 1 to 3600 seconds.")
    session, room = _lock_room(session_id=session_id, member=member, action="turn_extend")
    _require_open(session)
    rnd = _active_round(session)
    turns = _turns(rnd)
    current = next((t for t in turns if t.status == Turn.Status.CURRENT), None)
    if current is None:
        raise RoomError(ErrorCode.CONFLICT, "Nobody holds the turn.")
    now = timezone.now()
    base = current.ends_at if current.ends_at and current.ends_at > now else now
    current.ends_at = base + dt.timedelta(seconds=seconds)
    current.save(update_fields=["ends_at"])
    event = _record(
        session=session,
        room=room,
        name="turn_extended",
        payload={"round": selectors.round_data(rnd, turns), "turn_id": current.pk},
        actor=member,
    )
    return {"seq": event.seq}


def _end_round(rnd: Round, now: dt.datetime) -> list[Turn]:
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
    _require(member, "round_end")
    session, room = _lock_room(session_id=session_id, member=member, action="round_end")
    _require_open(session)
    rnd = _active_round(session)
    turns = _end_round(rnd, timezone.now())
    event = _record(
        session=session,
        room=room,
        name="round_ended",
        payload={"round": selectors.round_data(rnd, turns)},
        actor=member,
    )
    return {"seq": event.seq}


# --- Quiet reflection and private notes ----------------------------------------------------


@transaction.atomic
def reflection_start(*, session_id: int, member: Member, seconds: int) -> Result:
    """Begin a quiet reflection; the end time is held here, not in a timer."""
    _require(member, "reflection_start")
    if not 10 <= seconds <= 3600:
        raise RoomError(ErrorCode.BAD_REQUEST, "A reflection lasts 10 to 3600 seconds.")
    session, room = _lock_room(session_id=session_id, member=member, action="reflection_start")
    _require_open(session)
    now = timezone.now()
    Reflection.objects.filter(session=session, ended_at__isnull=True).update(ended_at=now)
    reflection = Reflection.objects.create(
        session=session, started_by=member, started_at=now, ends_at=now + dt.timedelta(seconds=seconds)
    )
    event = _record(
        session=session,
        room=room,
        name="reflection_started",
        payload={"reflection": selectors.reflection_data(reflection)},
        actor=member,
    )
    return {"seq": event.seq}


@transaction.atomic
def reflection_end(*, session_id: int, member: Member) -> Result:
    _require(member, "reflection_end")
    session, room = _lock_room(session_id=session_id, member=member, action="reflection_end")
    _require_open(session)
    reflection = Reflection.objects.filter(session=session, ended_at__isnull=True).order_by("-started_at").first()
    if reflection is None:
        raise RoomError(ErrorCode.CONFLICT, "No reflection is running.")
    Reflection.objects.filter(session=session, ended_at__isnull=True).update(ended_at=timezone.now())
    event = _record(
        session=session, room=room, name="reflection_ended", payload={"reflection_id": reflection.pk}, actor=member
    )
    return {"seq": event.seq}


@transaction.atomic
def note_save(*, session_id: int, member: Member, text: str) -> Result:
    """Keep one's private notes. Nobody else sees them and the room's event
    log does not hear of them (others would see a gap they cannot fill)."""
    _require(member, "note_save")
    if len(text) > NOTE_MAX:
        raise RoomError(ErrorCode.TOO_LONG, f"Notes hold at most {NOTE_MAX} characters.")
    session, _room = _lock_room(session_id=session_id, member=member, action="note_save")
    if session.state == DialogueSession.State.CLOSED:
        raise RoomError(ErrorCode.SESSION_CLOSED, "The session is closed; its notes are kept as they were.")
    note, _ = ReflectionNote.objects.update_or_create(
        session=session, member=member, defaults={"text": text, "updated_at": timezone.now()}
    )
    _send_on_commit(
        member_group(session.pk, member.pk), {"type": "private", "kind": "note", "note": selectors.note_data(note)}
    )
    return {"seq": None}


@transaction.atomic
def note_share(*, session_id: int, member: Member, client_id: str, consent: str, text: str | None = None) -> Result:
    """Bring (part of) one's private notes into the room as a reflection.

    ``consent`` is required: a private note takes no attribution silently
    from anything chosen earlier for other words."""
    _require(member, "note_share")
    session, room = _lock_room(session_id=session_id, member=member, action="note_share")
    existing = Contribution.objects.filter(session=session, client_id=client_id).first()
    if existing is not None:
        return _replay_ack(existing, member)
    if text is None:
        note = ReflectionNote.objects.filter(session=session, member=member).first()
        text = note.text if note else ""
    author = Member.objects.select_related("team").get(pk=member.pk)
    return _contribution_add(
        session=session,
        room=room,
        member=member,
        author=author,
        client_id=client_id,
        text=text,
        kind=Contribution.Kind.REFLECTION,
        reply_to_id=None,
        consent=consent,
    )


# --- Phases and pause ----------------------------------------------------------------------


def _set_phase(*, session, room, member, phase) -> Result:
    now = timezone.now()
    room.current_phase = phase
    room.phase_started_at = now
    room.save(update_fields=["current_phase", "phase_started_at"])
    event = _record(
        session=session,
        room=room,
        name="phase_changed",
        payload={"current_phase": selectors.current_phase_data(room)},
        actor=member,
    )
    return {"seq": event.seq}


@transaction.atomic
def phase_advance(*, session_id: int, member: Member) -> Result:
    """Move to the next phase of the agenda (the first, if none has begun)."""
    _require(member, "phase_advance")
    session, room = _lock_room(session_id=session_id, member=member, action="phase_advance")
    _require_open(session)
    phases = list(session.phases.order_by("order"))
    current = room.current_phase_id
    index = next((i for i, p in enumerate(phases) if p.pk == current), None)
    following = (
        phases[0]
        if index is None and phases
        else (phases[index + 1] if index is not None and index + 1 < len(phases) else None)
    )
    if following is None:
        raise RoomError(ErrorCode.CONFLICT, "There is no next phase.")
    return _set_phase(session=session, room=room, member=member, phase=following)


@transaction.atomic
def phase_set(*, session_id: int, member: Member, phase_id: int) -> Result:
    _require(member, "phase_set")
    session, room = _lock_room(session_id=session_id, member=member, action="phase_set")
    _require_open(session)
    phase = session.phases.filter(pk=phase_id).first()
    if phase is None:
        raise RoomError(ErrorCode.NOT_FOUND, "No such phase in this session.")
    return _set_phase(session=session, room=room, member=member, phase=phase)


@transaction.atomic
def room_pause(*, session_id: int, member: Member) -> Result:
    """Hold the room: contributions wait until the facilitator resumes."""
    _require(member, "pause")
    session, room = _lock_room(session_id=session_id, member=member, action="pause")
    _require_open(session)
    if room.paused:
        return {"seq": None}
    room.paused = True
    room.save(update_fields=["paused"])
    event = _record(session=session, room=room, name="session_paused", payload={"paused": True}, actor=member)
    return {"seq": event.seq}


@transaction.atomic
def room_resume(*, session_id: int, member: Member) -> Result:
    _require(member, "resume_room")
    session, room = _lock_room(session_id=session_id, member=member, action="resume_room")
    _require_open(session)
    if not room.paused:
        return {"seq": None}
    room.paused = False
    room.save(update_fields=["paused"])
    event = _record(session=session, room=room, name="session_resumed", payload={"paused": False}, actor=member)
    return {"seq": event.seq}


@transaction.atomic
def pause_request(*, session_id: int, member: Member) -> Result:
    """A member's private "I need a pause": only facilitators hear of it."""
    _require(member, "pause_request")
    session, _room = _lock_room(session_id=session_id, member=member, action="pause_request")
    if session.state == DialogueSession.State.CLOSED:
        raise RoomError(ErrorCode.SESSION_CLOSED, "The session is closed.")
    existing = PauseSignal.objects.filter(session=session, member=member, dismissed_at__isnull=True).first()
    if existing is not None:
        return {"seq": None, "signal_id": existing.pk}
    signal = PauseSignal.objects.create(session=session, member=member, created_at=timezone.now())
    signal.member = Member.objects.select_related("team").get(pk=member.pk)
    _send_on_commit(
        facilitators_group(session.pk),
        {"type": "signal", "kind": "pause_request", "signal": selectors.signal_data(signal)},
    )
    return {"seq": None, "signal_id": signal.pk}


@transaction.atomic
def signal_dismiss(*, session_id: int, member: Member, signal_id: int) -> Result:
    _require(member, "signal_dismiss")
    session, _room = _lock_room(session_id=session_id, member=member, action="signal_dismiss")
    signal = PauseSignal.objects.filter(pk=signal_id, session=session, dismissed_at__isnull=True).first()
    if signal is None:
        raise RoomError(ErrorCode.NOT_FOUND, "No such open signal.")
    signal.dismissed_at = timezone.now()
    signal.dismissed_by = member
    signal.save(update_fields=["dismissed_at", "dismissed_by"])
    _send_on_commit(
        facilitators_group(session.pk), {"type": "signal", "kind": "signal_dismissed", "signal_id": signal.pk}
    )
    return {"seq": None}


# --- Themes ----------------------------------------------------------------------------------


def themes_ensure_defaults(*, exchange_id: int) -> None:
    """Give an exchange the themes its conveners look for from the start."""
    existing = {n.lower() for n in Theme.objects.filter(exchange_id=exchange_id).values_list("name", flat=True)}
    missing = [Theme(exchange_id=exchange_id, name=n) for n in Theme.DEFAULTS if n.lower() not in existing]
    if missing:
        Theme.objects.bulk_create(missing, ignore_conflicts=True)


@transaction.atomic
def theme_create(*, session_id: int, member: Member, name: str) -> Result:
    _require(member, "theme_create")
    name = name.strip()
    if not name or len(name) > 60:
        raise RoomError(ErrorCode.BAD_REQUEST, "A theme name has 1 to 60 characters.")
    session, room = _lock_room(session_id=session_id, member=member, action="theme_create")
    _require_open(session)
    exchange_id = session.meeting.exchange_id
    themes_ensure_defaults(exchange_id=exchange_id)
    existing = Theme.objects.filter(exchange_id=exchange_id, name__iexact=name).first()
    if existing is not None:
        return {"seq": None, "theme_id": existing.pk}
    theme = Theme.objects.create(exchange_id=exchange_id, name=name)
    event = _record(
        session=session,
        room=room,
        name="theme_created",
        payload={"theme": {"id": theme.pk, "name": theme.name}},
        actor=member,
    )
    return {"seq": event.seq, "theme_id": theme.pk}


def _theme_ids(contribution: Contribution) -> list[int]:
    return sorted(contribution.theme_tags.values_list("theme_id", flat=True))


def _theme_change(*, session_id: int, member: Member, contribution_id: int, theme_id: int, tag: bool) -> Result:
    action = "theme_tag" if tag else "theme_untag"
    _require(member, action)
    session, room = _lock_room(session_id=session_id, member=member, action=action)
    _require_open(session)
    contribution = _contribution_in(session, contribution_id)
    theme = Theme.objects.filter(pk=theme_id, exchange_id=session.meeting.exchange_id).first()
    if theme is None:
        raise RoomError(ErrorCode.NOT_FOUND, "No such theme in this exchange.")
    tags = ContributionTheme.objects.filter(contribution=contribution, theme=theme)
    if tag:
        if tags.exists():
            return {"seq": None}
        ContributionTheme.objects.create(
            contribution=contribution, theme=theme, tagged_by=member, tagged_at=timezone.now()
        )
    else:
        deleted, _ = tags.delete()
        if not deleted:
            return {"seq": None}
    event = _record(
        session=session,
        room=room,
        name="theme_tagged" if tag else "theme_untagged",
        payload={"contribution_id": contribution.pk, "theme_id": theme.pk, "themes": _theme_ids(contribution)},
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


@transaction.atomic
def theme_tag(*, session_id: int, member: Member, contribution_id: int, theme_id: int) -> Result:
    return _theme_change(
        session_id=session_id, member=member, contribution_id=contribution_id, theme_id=theme_id, tag=True
    )


@transaction.atomic
def theme_untag(*, session_id: int, member: Member, contribution_id: int, theme_id: int) -> Result:
    return _theme_change(
        session_id=session_id, member=member, contribution_id=contribution_id, theme_id=theme_id, tag=False
    )


# --- Opening, closing and commitments ----------------------------------------------------------


@transaction.atomic
def session_open(*, session_id: int, member: Member) -> Result:
    """Open a scheduled session's room; its agenda's first phase begins.

    The event carries the exchange's themes, so every tab already in the room
    can tag (and read tags) without asking for a fresh ``hello``.
    """
    _require(member, "session_open")
    session, room = _lock_room(session_id=session_id, member=member, action="session_open")
    if session.state != DialogueSession.State.SCHEDULED:
        raise RoomError(ErrorCode.CONFLICT, "Only a scheduled session can be opened.")
    now = timezone.now()
    session.state = DialogueSession.State.OPEN
    session.opened_at = now
    session.save(update_fields=["state", "opened_at"])
    themes_ensure_defaults(exchange_id=session.meeting.exchange_id)
    # Whoever waited in the room for it to open is in the session from now on.
    attendance_record_live(
        member_ids=RoomConnection.objects.filter(session=session).values_list("member_id", flat=True),
        session=session,
    )
    first = session.phases.order_by("order").first()
    if first is not None:
        room.current_phase = first
        room.phase_started_at = now
        room.save(update_fields=["current_phase", "phase_started_at"])
    event = _record(
        session=session,
        room=room,
        name="session_opened",
        payload={
            "opened_at": selectors.iso(now),
            "current_phase": selectors.current_phase_data(room),
            # The starting themes may have just been created: a tab that has
            # been waiting in the room since before the open learns them here.
            "themes": [
                {"id": t.pk, "name": t.name}
                for t in Theme.objects.filter(exchange_id=session.meeting.exchange_id).order_by("name")
            ],
        },
        actor=member,
    )
    return {"seq": event.seq}


def _scrub(value):
    """Blank every text a stored event carried about an off-the-record contribution."""
    if isinstance(value, dict):
        out = {k: ("" if k in ("text", "reflection") and isinstance(v, str) else _scrub(v)) for k, v in value.items()}
        if "purged" in out:
            out["purged"] = True
        return out
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _without_words(value):
    """A stored payload with every text and "what I heard" line blanked."""
    if isinstance(value, dict):
        return {
            k: ("" if k in visibility.WORD_FIELDS and isinstance(v, str) else _without_words(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_words(v) for v in value]
    return value


def _erase_at_close(session: DialogueSession, now: dt.datetime) -> list[int]:
    """Erase what must not outlive the open room, wherever it was stored.

    Off-the-record and withdrawn words lose their text (and reflections back
    on them, and the private note a shared one came from); every earlier revision of an edited text is blanked; and the
    room's event log keeps no words at all, since after close the live room
    shows none to anyone and the archive reads the contributions themselves.
    Returns the ids of the contributions whose text was erased.
    """
    ids = list(
        Contribution.objects.filter(session=session)
        .filter(Q(consent=Attribution.OFF_RECORD) | Q(withdrawn_at__isnull=False))
        .values_list("pk", flat=True)
    )
    if ids:
        # A shared note's words also stand in the author's private note: erase them there too.
        # Every wording it had counts: the text now and each earlier revision.
        shared = list(Contribution.objects.filter(pk__in=ids, kind=Contribution.Kind.REFLECTION))
        wordings: dict[int, set[str]] = {}
        for c in shared:
            wordings.setdefault(c.author_id, set()).add(c.text.strip())
        for author_id, text in ContributionRevision.objects.filter(contribution__in=[c.pk for c in shared]).values_list(
            "contribution__author_id", "text"
        ):
            wordings.setdefault(author_id, set()).add(text.strip())
        for note in ReflectionNote.objects.filter(session=session, member_id__in=wordings):
            kept = note.text
            for text in sorted(wordings[note.member_id], key=len, reverse=True):
                if text:
                    kept = kept.replace(text, "")
            if kept != note.text:
                note.text = kept
                note.save(update_fields=["text"])
        Contribution.objects.filter(pk__in=ids).update(text="", purged_at=now)
        Acknowledgement.objects.filter(contribution_id__in=ids).update(reflection="")
    ContributionRevision.objects.filter(contribution__session=session).exclude(text="").update(text="")
    events = list(SessionEvent.objects.filter(session=session).only("pk", "payload"))
    changed = []
    for event in events:
        payload = _without_words(event.payload)
        if payload != event.payload:
            event.payload = payload
            changed.append(event)
    SessionEvent.objects.bulk_update(changed, ["payload"], batch_size=500)
    return ids


@transaction.atomic
def session_close(*, session_id: int, member: Member) -> Result:
    """Close the room: rounds, reflection and queue end, the pause lifts, and
    off-the-record, withdrawn and earlier-revision words are erased
    (``_erase_at_close``). From now on the live room shows no words to
    anyone; ``archive_url`` says where each person reviews their own. Members
    may still leave a commitment for a while (``permissions.COMMITMENT_WINDOW``)."""
    _require(member, "session_close")
    session, room = _lock_room(session_id=session_id, member=member, action="session_close")
    _require_open(session)
    now = timezone.now()
    session.state = DialogueSession.State.CLOSED
    session.closed_at = now
    session.save(update_fields=["state", "closed_at"])
    for rnd in Round.objects.filter(session=session, status=Round.Status.ACTIVE):
        _end_round(rnd, now)
    Reflection.objects.filter(session=session, ended_at__isnull=True).update(ended_at=now)
    # The hand last called is retired too: after close nothing says who held the floor when.
    QueueEntry.objects.filter(session=session, status__in=[QueueEntry.Status.WAITING, QueueEntry.Status.CALLED]).update(
        status=QueueEntry.Status.CLEARED
    )
    if room.paused:
        room.paused = False
        room.save(update_fields=["paused"])
    purged = _erase_at_close(session, now)
    event = _record(
        session=session,
        room=room,
        name="session_closed",
        payload={
            "closed_at": selectors.iso(now),
            "commitments_until": selectors.iso(permissions.commitments_until(session)),
            "purged": purged,
            "archive_url": selectors.archive_url(session),
        },
        actor=member,
    )
    return {"seq": event.seq}


def _commitments_accepted(session: DialogueSession, room: RoomState, now: dt.datetime) -> bool:
    if session.state == DialogueSession.State.OPEN:
        last = session.phases.order_by("-order").first()
        return last is None or room.current_phase_id == last.pk
    if session.state == DialogueSession.State.CLOSED:
        until = permissions.commitments_until(session)
        return until is not None and now <= until
    return False


@transaction.atomic
def commitment_set(*, session_id: int, member: Member, text: str) -> Result:
    """What the member will try at home before the exchange meets again.

    Asked in the closing phase and for a while after the close; setting it
    again replaces it. Private to the member (conveners read commitments in
    the archive), so it is not a room event.
    """
    _require(member, "commitment_set")
    text = text.strip()
    if not text:
        raise RoomError(ErrorCode.BAD_REQUEST, "A commitment needs some text.")
    if len(text) > COMMITMENT_MAX:
        raise RoomError(ErrorCode.TOO_LONG, f"At most {COMMITMENT_MAX} characters.")
    session, room = _lock_room(session_id=session_id, member=member, action="commitment_set")
    if not _commitments_accepted(session, room, timezone.now()):
        raise RoomError(ErrorCode.SESSION_CLOSED, "Commitments are asked for in the closing phase and just after.")
    commitment, _ = Commitment.objects.update_or_create(member=member, session=session, defaults={"text": text})
    _send_on_commit(
        member_group(session.pk, member.pk),
        {"type": "private", "kind": "commitment", "commitment": selectors.commitment_data(commitment)},
    )
    return {"seq": None}
