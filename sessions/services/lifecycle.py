"""Opening and closing a session, what the close erases, and the commitments asked for at its end.

See ``sessions.services`` for the rules every service here follows.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Commitment, Member
from participants.services import attendance_record_live

from .. import events, permissions, presence, selectors, serializers
from ..limits import COMMITMENT_MAX
from ..models import (
    Acknowledgement,
    Attribution,
    Contribution,
    ContributionRevision,
    DialogueSession,
    QueueEntry,
    Reflection,
    ReflectionNote,
    RoomState,
    Round,
    SessionEvent,
    Theme,
)
from ..protocol import ErrorCode, RoomError
from .common import Result, require, require_open
from .rounds import end_round
from .themes import themes_ensure_defaults


@transaction.atomic
def session_open(*, session_id: int, member: Member) -> Result:
    """Open a scheduled session's room; its agenda's first phase begins.

    The event carries the exchange's themes, so every tab already in the room
    can tag (and read tags) without asking for a fresh ``hello``.
    """
    require(member, "session_open")
    session, room = events.lock_room(session_id=session_id, member=member, action="session_open")
    if session.state != DialogueSession.State.SCHEDULED:
        raise RoomError(ErrorCode.CONFLICT, _("Only a scheduled session can be opened."))
    now = timezone.now()
    session.state = DialogueSession.State.OPEN
    session.opened_at = now
    session.save(update_fields=["state", "opened_at"])
    themes_ensure_defaults(exchange_id=session.meeting.exchange_id)
    # Whoever waited in the room for it to open is in the session from now on.
    attendance_record_live(
        member_ids=presence.store().member_ids(session.pk),
        session=session,
    )
    first = session.phases.order_by("order").first()
    if first is not None:
        room.current_phase = first
        room.phase_started_at = now
        room.save(update_fields=["current_phase", "phase_started_at"])
    event = events.record(
        session=session,
        room=room,
        name="session_opened",
        payload={
            "opened_at": serializers.iso(now),
            "current_phase": serializers.current_phase_data(room),
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
    stored = list(SessionEvent.objects.filter(session=session).only("pk", "payload"))
    changed = []
    for event in stored:
        payload = events.without_words(event.payload)
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
    require(member, "session_close")
    session, room = events.lock_room(session_id=session_id, member=member, action="session_close")
    require_open(session)
    now = timezone.now()
    session.state = DialogueSession.State.CLOSED
    session.closed_at = now
    session.save(update_fields=["state", "closed_at"])
    for rnd in Round.objects.filter(session=session, status=Round.Status.ACTIVE):
        end_round(rnd, now)
    Reflection.objects.filter(session=session, ended_at__isnull=True).update(ended_at=now)
    # The hand last called is retired too: after close nothing says who held the floor when.
    QueueEntry.objects.filter(session=session, status__in=[QueueEntry.Status.WAITING, QueueEntry.Status.CALLED]).update(
        status=QueueEntry.Status.CLEARED
    )
    if room.paused:
        room.paused = False
        room.save(update_fields=["paused"])
    purged = _erase_at_close(session, now)
    event = events.record(
        session=session,
        room=room,
        name="session_closed",
        payload={
            "closed_at": serializers.iso(now),
            "commitments_until": serializers.iso(permissions.commitments_until(session)),
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
    require(member, "commitment_set")
    text = text.strip()
    if not text:
        raise RoomError(ErrorCode.BAD_REQUEST, _("A commitment needs some text."))
    if len(text) > COMMITMENT_MAX:
        raise RoomError(ErrorCode.TOO_LONG, _("At most %(max)s characters.") % {"max": COMMITMENT_MAX})
    session, room = events.lock_room(session_id=session_id, member=member, action="commitment_set")
    if not _commitments_accepted(session, room, timezone.now()):
        raise RoomError(ErrorCode.SESSION_CLOSED, _("Commitments are asked for in the closing phase and just after."))
    commitment, _created = Commitment.objects.update_or_create(member=member, session=session, defaults={"text": text})
    events.send_on_commit(
        events.member_group(session.pk, member.pk),
        {"type": "private", "kind": "commitment", "commitment": serializers.commitment_data(commitment)},
    )
    return {"seq": None}
