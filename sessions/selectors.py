"""Reads for the live room, each checked against the reader.

A person who is not a member of a session's exchange is never told that the
session exists: ``session_get_for_user`` raises ``Http404`` for them exactly
as for a session that does not exist. The room state sent on connect is built
with a fixed number of queries however busy the room has been.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.selectors import object_get_for_member
from participants.models import Attendance, Commitment, Member, SessionAttendance, User

from . import permissions, presence, visibility
from .models import (
    Acknowledgement,
    Contribution,
    ContributionTheme,
    DialogueSession,
    PauseSignal,
    QueueEntry,
    Reflection,
    ReflectionNote,
    RoomState,
    Round,
    SessionEvent,
    Theme,
    Turn,
)
from .protocol import ErrorCode, RoomError
from .serializers import (
    commitment_data,
    contribution_data,
    current_phase_data,
    event_frame,
    iso,
    member_data,
    note_data,
    phase_data,
    queue_entry_data,
    reflection_data,
    round_data,
    signal_data,
)


def session_get_for_user(*, session_id: int, user: User | AnonymousUser) -> tuple[DialogueSession, Member]:
    """The session and the reader's place in its exchange (two queries)."""
    return object_get_for_member(
        DialogueSession.objects.select_related("meeting"),
        pk=session_id,
        user=user,
        exchange_id=lambda s: s.meeting.exchange_id,
        name="session",
    )


# --- Who was in a session ----------------------------------------------------------
#
# One rule, read two ways: for one member over many sessions (who may read an
# archive without holding it) and for many sessions at once (who is sent a
# session's digest). Being in a session is being present in its open room
# (``SessionAttendance``), marked present at its meeting by a facilitator,
# words of one's own in it, or a turn in one of its rounds. Opening a room is
# not being in it, and neither is joining the meeting's live room for another
# of its sessions.


def was_in_session_q(member: Member) -> Q:
    """A filter on ``DialogueSession``: the sessions ``member`` was in."""
    return Q(
        Exists(SessionAttendance.objects.filter(member=member, session_id=OuterRef("pk")))
        | Exists(
            Attendance.objects.filter(member=member, meeting_id=OuterRef("meeting_id"), source=Attendance.Source.MARKED)
        )
        | Exists(Contribution.objects.filter(author=member, session_id=OuterRef("pk")))
        | Exists(Turn.objects.filter(member=member, round__session_id=OuterRef("pk")))
    )


def members_in_sessions(*, sessions: Iterable[DialogueSession], members: QuerySet[Member]) -> dict[int, set[int]]:
    """Session id -> the ids of ``members`` who were in it (the rule above); four queries however many sessions."""
    sessions = list(sessions)
    of_meeting: dict[int, list[int]] = {}
    for session in sessions:
        of_meeting.setdefault(session.meeting_id, []).append(session.pk)
    found: dict[int, set[int]] = {session.pk: set() for session in sessions}
    traces = [
        SessionAttendance.objects.filter(session__in=sessions, member__in=members).values_list(
            "member_id", "session_id"
        ),
        Contribution.objects.filter(session__in=sessions, author__in=members).values_list("author_id", "session_id"),
        Turn.objects.filter(round__session__in=sessions, member__in=members).values_list(
            "member_id", "round__session_id"
        ),
    ]
    for rows in traces:
        for member_id, session_id in rows.order_by().distinct():
            found[session_id].add(member_id)
    for member_id, meeting_id in Attendance.objects.filter(
        meeting_id__in=of_meeting, source=Attendance.Source.MARKED, member__in=members
    ).values_list("member_id", "meeting_id"):
        for session_id in of_meeting[meeting_id]:
            found[session_id].add(member_id)
    return found


# --- Reads ---------------------------------------------------------------------


def queue_waiting(*, session_id: int) -> list[QueueEntry]:
    """The waiting hands in speaking order (one query)."""
    return list(
        QueueEntry.objects.filter(session_id=session_id, status=QueueEntry.Status.WAITING)
        .select_related("member__team")
        .order_by("position", "id")
    )


def queue_data(*, session_id: int) -> list[dict[str, Any]]:
    return [queue_entry_data(e) for e in queue_waiting(session_id=session_id)]


def archive_url(session: DialogueSession) -> str | None:
    """Where a closed session's words can be read: each person's own on the review page."""
    if session.state != DialogueSession.State.CLOSED:
        return None
    return reverse("archive_review", args=[session.pk])


def archive_location(*, session: DialogueSession) -> dict[str, Any]:
    """Where the session's archive will be read once the facilitators publish it, and
    whether they have: the closed room tells everyone where to find it later.

    Says nothing about who may read it; the archive's own pages decide that.
    """
    # The review row belongs to a higher app; it is read only through the session's own relation.
    review = getattr(session, "archive_review", None)
    return {
        "url": reverse("archive_transcript", args=[session.pk]),
        "published": bool(review is not None and review.published_at is not None),
    }


def room_get(*, session: DialogueSession) -> RoomState:
    """The room's running state; a session never opened has a blank one."""
    room = RoomState.objects.select_related("current_phase").filter(session=session).first()
    return room if room is not None else RoomState(session=session)


def room_last_seq(*, session_id: int) -> int:
    return RoomState.objects.filter(session_id=session_id).values_list("last_seq", flat=True).first() or 0


def room_last_seqs(*, session_ids: Iterable[int]) -> dict[int, int]:
    """Several rooms' ``last_seq`` in one query (a process's heartbeat)."""
    return dict(RoomState.objects.filter(session_id__in=list(session_ids)).values_list("session_id", "last_seq"))


def presence_frame(*, session_id: int) -> tuple[dict[str, Any] | None, set[int]]:
    """The unsequenced ``presence`` frame for a room now, or None if the room
    may not be told (``visibility.presence_shown``), with the member ids it names."""
    present = present_members(session_id=session_id)
    ids = {m.pk for m in present}
    state = DialogueSession.objects.filter(pk=session_id).values_list("state", flat=True).first()
    if state is None or not visibility.presence_shown(state):
        return None, ids
    return {"type": "presence", "present": [member_data(m) for m in present]}, ids


def present_members(*, session_id: int) -> list[Member]:
    """Everyone with at least one open socket in the room (``sessions.presence``), each once."""
    ids = presence.store().member_ids(session_id)
    if not ids:
        return []
    return list(
        Member.objects.filter(pk__in=ids, user__is_active=True).select_related("team").order_by("display_name", "id")
    )


def member_roles(*, member_ids: Iterable[int]) -> dict[int, str]:
    """Each member's exchange role now; a removed member or a deactivated account is absent.

    One query for every socket of a process, so a rights change the channel
    layer dropped still reaches each open socket within a touch period.
    """
    return dict(Member.objects.filter(pk__in=set(member_ids), user__is_active=True).values_list("pk", "exchange_role"))


REPLAY_PAGE = 500


def events_since(*, session_id: int, since: int, limit: int = REPLAY_PAGE) -> list[SessionEvent]:
    """Room events after ``since``, in order, each with the contribution it is
    about as it stands now (one query); callers page by the last seq."""
    return list(
        SessionEvent.objects.filter(session_id=session_id, seq__gt=since)
        .select_related("contribution__author__team")
        .order_by("seq")[:limit]
    )


def session_state(*, session_id: int) -> str:
    return DialogueSession.objects.filter(pk=session_id).values_list("state", flat=True).first() or ""


def replay_frames(*, session_id: int, since: int, viewer_id: int, projector: bool) -> tuple[list[dict[str, Any]], int]:
    """The frames of a ``resume`` after ``since`` (one page), rendered for this
    socket from each contribution's current state and the session's current
    state (three queries), and the last seq they cover."""
    if not Member.objects.filter(pk=viewer_id, user__is_active=True).exists():
        # Rights follow the person: a removed member or a deactivated account replays nothing.
        raise RoomError(ErrorCode.FORBIDDEN, _("You are no longer a member of this exchange."))
    state = session_state(session_id=session_id)
    events = events_since(session_id=session_id, since=since)
    frames = []
    for event in events:
        facts = visibility.Facts.of(event.contribution) if event.contribution is not None else None
        audience = visibility.room_audience(viewer_id=viewer_id, projector=projector, facts=facts)
        frames.append(
            visibility.render_event(
                event_frame(event), audience=audience, facts=facts, session_state=state, actor_id=event.actor_id
            )
        )
    return frames, (events[-1].seq if events else since)


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """One transaction whose reads all see the same moment (REPEATABLE READ on
    PostgreSQL; SQLite's transactions already are one snapshot)."""
    from django.db import connection, transaction

    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def room_hello(*, session: DialogueSession, member: Member, projector: bool) -> dict[str, Any] | None:
    """A connecting socket's ``hello``, or None if the member's rights changed
    since the socket resolved them.

    The session and the member are read again inside the snapshot, so a close
    or a role change racing the connect cannot give a hello that shows an
    open room's words after close, or a facilitator's view to someone no
    longer one: the hello is the room exactly as of its ``last_seq``.
    """
    with _one_snapshot():
        now_session = DialogueSession.objects.select_related("meeting").get(pk=session.pk)
        role = (
            Member.objects.filter(pk=member.pk, user__is_active=True, exchange_id=now_session.meeting.exchange_id)
            .values_list("exchange_role", flat=True)
            .first()
        )
        if role != member.exchange_role:
            return None
        if projector:
            return _room_state_public(session=now_session)
        return _room_state(session=now_session, member=member)


def room_state_public(*, session: DialogueSession) -> dict[str, Any]:
    """The ``hello`` of a projector: only what the whole room already sees.

    The question, the phase, who holds the floor or the turn, the timers, the
    queue and who is present. No contribution, note, commitment, pause signal
    or list of who has not spoken, whoever is signed in at the shared screen.
    Read from one snapshot, like ``room_state_for_member`` (seven queries).
    """
    with _one_snapshot():
        return _room_state_public(session=session)


def _room_state_public(*, session: DialogueSession) -> dict[str, Any]:
    now = timezone.now()
    # After close nothing says who held the floor when (docs/privacy.md).
    open_or_scheduled = session.state != DialogueSession.State.CLOSED
    room = room_get(session=session)  # 1
    phases = list(session.phases.order_by("order"))  # 2
    present = present_members(session_id=session.pk)  # 3
    queue_entries = list(  # 4
        QueueEntry.objects.filter(
            session=session, status__in=[QueueEntry.Status.WAITING, QueueEntry.Status.CALLED]
        ).select_related("member__team")
    )
    waiting = sorted(
        (e for e in queue_entries if e.status == QueueEntry.Status.WAITING), key=lambda e: (e.position, e.pk)
    )
    called = [e for e in queue_entries if e.status == QueueEntry.Status.CALLED]
    queue_current = max(called, key=lambda e: (e.called_at, e.pk)) if called else None
    rnd = Round.objects.filter(session=session, status=Round.Status.ACTIVE).first()  # 5
    turns = list(rnd.turns.select_related("member__team").order_by("position")) if rnd else []  # 6
    reflection = (  # 7
        Reflection.objects.filter(session=session, ended_at__isnull=True).order_by("-started_at").first()
    )
    return {
        "type": "hello",
        "last_seq": room.last_seq,
        "server_time": iso(now),
        "session": {
            "id": session.pk,
            "title": session.title,
            "question": session.question,
            "prompts": session.prompt_list,
            "state": session.state,
            "paused": room.paused,
            "planned_start": iso(session.planned_start),
            "planned_end": iso(session.planned_end),
            "opened_at": iso(session.opened_at),
            "closed_at": iso(session.closed_at),
        },
        "you": {"view": "projector", "actions": sorted(permissions.PROJECTOR_ACTIONS)},
        "state": {
            "server_time": iso(now),
            "phases": [phase_data(p) for p in phases],
            "current_phase": current_phase_data(room),
            # After close nothing says who was there when (visibility.presence_shown).
            "present": [member_data(m) for m in present] if visibility.presence_shown(session.state) else [],
            "queue": [queue_entry_data(e) for e in waiting] if open_or_scheduled else [],
            "queue_current": queue_entry_data(queue_current) if queue_current and open_or_scheduled else None,
            "round": round_data(rnd, turns) if rnd else None,
            "reflection": reflection_data(reflection) if reflection else None,
        },
    }


def room_state_for_member(*, session: DialogueSession, member: Member) -> dict[str, Any]:
    """The ``hello`` frame: everything the member may see of the room now.

    Every write bumps ``last_seq`` in the transaction that changes the room,
    so reading the state and ``last_seq`` from one snapshot gives exactly the
    state after event ``last_seq``. PostgreSQL needs REPEATABLE READ for one
    snapshot across several queries; SQLite's transactions already are one.
    """
    with _one_snapshot():
        return _room_state(session=session, member=member)


def _room_state(*, session: DialogueSession, member: Member) -> dict[str, Any]:
    now = timezone.now()
    # After close nothing says who held the floor when (docs/privacy.md).
    open_or_scheduled = session.state != DialogueSession.State.CLOSED
    facilitator = permissions.runs_room(member)
    room = room_get(session=session)  # 1
    phases = list(session.phases.order_by("order"))  # 2
    present = present_members(session_id=session.pk)  # 3

    # After close the live room shows no words to anyone (visibility.py).
    words_shown = visibility.room_contributions_shown(session)
    mine = Acknowledgement.objects.filter(contribution=OuterRef("pk"), member=member)
    contributions = (
        list(  # 4
            Contribution.objects.filter(session=session, withdrawn_at__isnull=True)
            .select_related("author__team")
            .annotate(
                ack_count=Count("acknowledgements", distinct=True),
                revision_count=Count("revisions", distinct=True),
                acked_by_me=Exists(mine),
            )
            .order_by("created_at", "id")
        )
        if words_shown
        else []
    )
    themes_by_contribution: dict[int, list[int]] = {}
    for contribution_id, theme_id in ContributionTheme.objects.filter(  # 5
        contribution__session=session
    ).values_list("contribution_id", "theme_id"):
        themes_by_contribution.setdefault(contribution_id, []).append(theme_id)

    queue_entries = list(  # 6
        QueueEntry.objects.filter(
            session=session, status__in=[QueueEntry.Status.WAITING, QueueEntry.Status.CALLED]
        ).select_related("member__team")
    )
    waiting = sorted(
        (e for e in queue_entries if e.status == QueueEntry.Status.WAITING), key=lambda e: (e.position, e.pk)
    )
    called = [e for e in queue_entries if e.status == QueueEntry.Status.CALLED]
    queue_current = max(called, key=lambda e: (e.called_at, e.pk)) if called else None

    rnd = Round.objects.filter(session=session, status=Round.Status.ACTIVE).first()  # 7
    turns = list(rnd.turns.select_related("member__team").order_by("position")) if rnd else []  # 8
    reflection = Reflection.objects.filter(session=session, ended_at__isnull=True).order_by("-started_at").first()
    themes = list(Theme.objects.filter(exchange_id=session.meeting.exchange_id).order_by("name"))  # 10
    note = ReflectionNote.objects.filter(session=session, member=member).first() if words_shown else None  # 11
    commitment = Commitment.objects.filter(session=session, member=member).first()  # 12

    not_yet_spoken = None
    signals: list[dict[str, Any]] = []
    if facilitator:
        spoke = set(  # 13
            Turn.objects.filter(round__session=session, status=Turn.Status.SPOKE).values_list("member_id", flat=True)
        )
        # Anonymous words name nobody, not even by leaving their author off this list.
        spoke.update(c.author_id for c in contributions if not c.author_hidden)
        not_yet_spoken = [m.pk for m in present if m.pk not in spoke]
        signals = [  # 14
            signal_data(s)
            for s in PauseSignal.objects.filter(session=session, dismissed_at__isnull=True)
            .select_related("member__team")
            .order_by("created_at", "id")
        ]

    until = permissions.commitments_until(session)
    return {
        "type": "hello",
        "last_seq": room.last_seq,
        "server_time": iso(now),
        "session": {
            "id": session.pk,
            "title": session.title,
            "question": session.question,
            "prompts": session.prompt_list,
            "state": session.state,
            "paused": room.paused,
            "attribution_default": session.attribution_default,
            "planned_start": iso(session.planned_start),
            "planned_end": iso(session.planned_end),
            "opened_at": iso(session.opened_at),
            "closed_at": iso(session.closed_at),
            "commitments_until": iso(until),
            "archive_url": archive_url(session),
            "meeting": {"id": session.meeting_id, "number": session.meeting.number, "title": session.meeting.title},
            "exchange_id": session.meeting.exchange_id,
        },
        "you": {
            "member_id": member.pk,
            "display_name": member.display_name,
            "exchange_role": member.exchange_role,
            "stakeholder_role": member.stakeholder_role,
            "team": member_data(member)["team"],
            "is_facilitator": facilitator,
            "view": "room",
            "actions": sorted(permissions.actions_for(member)),
        },
        "state": {
            "server_time": iso(now),
            "phases": [phase_data(p) for p in phases],
            "current_phase": current_phase_data(room),
            # After close nothing says who was there when (visibility.presence_shown).
            "present": [member_data(m) for m in present] if visibility.presence_shown(session.state) else [],
            "contributions": [
                visibility.contribution_shape(
                    visibility.Facts.of(c),
                    visibility.Audience.AUTHOR if c.author_id == member.pk else visibility.Audience.ROOM,
                    extra=contribution_data(
                        c,
                        acks=c.ack_count,
                        acked_by_me=c.acked_by_me,
                        themes=sorted(themes_by_contribution.get(c.pk, [])),
                    ),
                )
                for c in contributions
            ],
            "queue": [queue_entry_data(e) for e in waiting] if open_or_scheduled else [],
            "queue_current": queue_entry_data(queue_current) if queue_current and open_or_scheduled else None,
            "round": round_data(rnd, turns) if rnd else None,
            "reflection": reflection_data(reflection) if reflection else None,
            "themes": [{"id": t.pk, "name": t.name} for t in themes],
            "not_yet_spoken": not_yet_spoken,
            "note": note_data(note),
            "commitment": commitment_data(commitment),
            "signals": signals,
        },
    }


def scheduled_session_get_for_user(
    *, meeting_id: int, session_id: int, user: User | AnonymousUser
) -> tuple[DialogueSession, Member]:
    """A session as scheduled in its meeting; the meeting in the URL must be its own."""
    return object_get_for_member(
        DialogueSession.objects.select_related("meeting__exchange").filter(meeting_id=meeting_id),
        pk=session_id,
        user=user,
        exchange_id=lambda s: s.meeting.exchange_id,
        name="session",
    )
