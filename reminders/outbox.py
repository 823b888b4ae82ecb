"""Between meetings: the emails an exchange sends on its own, each exactly once.

Every due email is a ``Reminder`` row, made ahead of time by
``reminders_materialize`` and sent by ``reminders_scan``, which Celery beat runs
every minute. Nothing is scheduled as a far-future Celery task: the database
holds what is due, so a worker that was down catches up when it returns, and
a meeting that moves or is cancelled simply stops matching its old rows.

The path of one row: *pending* → claimed (*sending*, ``claimed_at`` set, in a
short transaction that commits before any mail leaves) → *sent*; or back to
*pending* with a later ``next_attempt_at`` when the mail server refuses, and
*failed* after ``MAX_ATTEMPTS``; or *skipped* when, at the moment of sending,
it is no longer wanted (meeting cancelled or moved, person unsubscribed,
invitation answered, check-in already given). A row left in *sending* longer
than the lease (the worker died between handing the message to the mail
server and marking it sent) is claimed again: that is the only way a person
can receive a message twice, and docs/reminders.md measures it.

Every function takes ``now`` so that tests and the scan agree on one clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from exchanges.models import Meeting
from participants.models import CheckIn, Commitment, Invitation, Member
from sessions.models import DialogueSession
from sessions.selectors import members_in_sessions

from .emails import reminder_email_build
from .models import Reminder, ReminderPlan, SkipReason
from .services import DAY, meeting_next, meeting_offsets

logger = logging.getLogger(__name__)

FOLLOWUP_OFFSETS = (3 * DAY, 7 * DAY)
# A row first made this long after its due time is not sent at all: a "14 days
# before" reminder for a meeting created 3 days ahead would only confuse. Rows
# made on time are still sent late when the worker was away.
CREATION_GRACE = dt.timedelta(minutes=15)
# Digests wait a few minutes after the close so commitments typed in the last
# moments are in them; only sessions closed in the last week are considered,
# so a digest still unsent a week later (workers down all week) is dropped.
DIGEST_DELAY = dt.timedelta(minutes=5)
DIGEST_LOOKBACK = dt.timedelta(days=7)
MAX_ATTEMPTS = 6
RETRY_BASE = dt.timedelta(minutes=1)
CLAIM_BATCH = 20

# What tells one wanted row from another of its kind: the fields of its unique constraint.
Key = tuple[Any, ...]


def lease() -> dt.timedelta:
    """How long a claimed row may stay in *sending* before another scan takes it over."""
    return dt.timedelta(seconds=getattr(settings, "REMINDER_LEASE_SECONDS", 600))


# --- Materialise -----------------------------------------------------------------------


@dataclass
class MaterializeResult:
    created: int = 0
    revived: int = 0
    skipped: int = 0
    rescheduled: int = 0


@dataclass
class _Wanted:
    """The rows one kind should have, keyed by its unique fields."""

    rows: dict[Key, Reminder] = field(default_factory=dict)


def _meeting_reminders_wanted(now: dt.datetime) -> dict[Key, Reminder]:
    meetings = list(
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now)
        .annotate(has_plan=Exists(ReminderPlan.objects.filter(meeting=OuterRef("pk"))))
        .prefetch_related("reminder_offsets")
    )
    if not meetings:
        return {}
    members_by_exchange = defaultdict(list)
    for member_id, exchange_id in Member.objects.filter(
        exchange_id__in={m.exchange_id for m in meetings}, reminders_enabled=True
    ).values_list("pk", "exchange_id"):
        members_by_exchange[exchange_id].append(member_id)
    wanted = {}
    for meeting in meetings:
        offsets = meeting_offsets(meeting, plan_exists=meeting.has_plan, offsets=list(meeting.reminder_offsets.all()))
        for minutes in offsets:
            due = meeting.starts_at - dt.timedelta(minutes=minutes)
            for member_id in members_by_exchange[meeting.exchange_id]:
                key = (member_id, meeting.pk, minutes, meeting.starts_at)
                wanted[key] = Reminder(
                    exchange_id=meeting.exchange_id,
                    kind=Reminder.Kind.MEETING_REMINDER,
                    member_id=member_id,
                    meeting_id=meeting.pk,
                    offset_minutes=minutes,
                    anchor_at=meeting.starts_at,
                    due_at=due,
                )
    return wanted


def _followups_wanted(now: dt.datetime) -> dict[Key, Reminder]:
    wanted = {}
    invitations = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
    for inv in invitations.only("pk", "exchange_id", "created_at", "expires_at"):
        for minutes in FOLLOWUP_OFFSETS:
            due = inv.created_at + dt.timedelta(minutes=minutes)
            if due >= inv.expires_at:
                continue
            wanted[(inv.pk, minutes)] = Reminder(
                exchange_id=inv.exchange_id,
                kind=Reminder.Kind.INVITATION_FOLLOWUP,
                invitation_id=inv.pk,
                offset_minutes=minutes,
                anchor_at=inv.created_at,
                due_at=due,
            )
    return wanted


def _checkins_wanted(now: dt.datetime) -> dict[Key, Reminder]:
    """Halfway between the end of a meeting and the start of the next one by
    date (``services.meeting_next``), each commitment made at the first that
    has no answer yet."""
    upcoming = list(
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now).only(
            "pk", "exchange_id", "starts_at"
        )
    )
    if not upcoming:
        return {}
    scheduled = defaultdict(list)  # exchange id → its scheduled meetings in date order
    for m in (
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, exchange_id__in={m.exchange_id for m in upcoming})
        .only("pk", "exchange_id", "starts_at", "ends_at")
        .order_by("starts_at", "pk")
    ):
        scheduled[m.exchange_id].append(m)
    pairs = {}  # previous meeting id → (next meeting, halfway)
    for nxt in upcoming:
        earlier = [m for m in scheduled[nxt.exchange_id] if (m.starts_at, m.pk) < (nxt.starts_at, nxt.pk)]
        if not earlier:
            continue
        prev = earlier[-1]
        if prev.ends_at >= nxt.starts_at:
            continue
        pairs[prev.pk] = (nxt, prev.ends_at + (nxt.starts_at - prev.ends_at) / 2)
    if not pairs:
        return {}
    already_sent = Reminder.objects.filter(
        kind=Reminder.Kind.CHECKIN, commitment=OuterRef("pk"), state=Reminder.State.SENT
    )
    commitments = (
        Commitment.objects.filter(session__meeting_id__in=pairs.keys(), member__reminders_enabled=True)
        .filter(check_in__isnull=True)
        .exclude(Exists(already_sent))
        .values_list("pk", "member_id", "session__meeting_id")
    )
    wanted = {}
    for commitment_id, member_id, prev_id in commitments:
        nxt, halfway = pairs[prev_id]
        wanted[(commitment_id, nxt.starts_at)] = Reminder(
            exchange_id=nxt.exchange_id,
            kind=Reminder.Kind.CHECKIN,
            member_id=member_id,
            commitment_id=commitment_id,
            meeting_id=nxt.pk,
            anchor_at=nxt.starts_at,
            due_at=halfway,
        )
    return wanted


def _digests_wanted(now: dt.datetime) -> dict[Key, Reminder]:
    """A digest for each closed session of the last week, to each member who
    was in it (``sessions.selectors.members_in_sessions``: the rule the
    archive's access follows) and has reminders on."""
    sessions = list(
        DialogueSession.objects.filter(
            state=DialogueSession.State.CLOSED, closed_at__isnull=False, closed_at__gte=now - DIGEST_LOOKBACK
        ).select_related("meeting")
    )
    if not sessions:
        return {}
    recipients = members_in_sessions(
        sessions=sessions, members=Member.objects.filter(reminders_enabled=True, user__is_active=True)
    )
    wanted = {}
    for s in sessions:
        assert s.closed_at is not None  # filtered on above
        for member_id in recipients[s.pk]:
            wanted[(member_id, s.pk)] = Reminder(
                exchange_id=s.meeting.exchange_id,
                kind=Reminder.Kind.DIGEST,
                member_id=member_id,
                session_id=s.pk,
                meeting_id=s.meeting_id,
                anchor_at=s.closed_at,
                due_at=s.closed_at + DIGEST_DELAY,
            )
    return wanted


def _key(row: Reminder) -> Key:
    if row.kind == Reminder.Kind.MEETING_REMINDER:
        return (row.member_id, row.meeting_id, row.offset_minutes, row.anchor_at)
    if row.kind == Reminder.Kind.INVITATION_FOLLOWUP:
        return (row.invitation_id, row.offset_minutes)
    if row.kind == Reminder.Kind.CHECKIN:
        return (row.commitment_id, row.anchor_at)
    return (row.member_id, row.session_id)


def _stale_reason(row: Reminder, now: dt.datetime) -> str:
    meeting = row.meeting
    if meeting is not None and meeting.status == Meeting.Status.CANCELLED:
        return SkipReason.CANCELLED
    if row.kind in (Reminder.Kind.MEETING_REMINDER, Reminder.Kind.CHECKIN):
        assert meeting is not None  # reminder_kind_has_its_subject
        if row.anchor_at != meeting.starts_at:
            return SkipReason.MOVED
        if meeting.starts_at <= now:
            return SkipReason.STARTED
    if row.member is not None and not row.member.user.is_active:
        return SkipReason.ACCOUNT_CLOSED
    if row.member is not None and not row.member.reminders_enabled:
        return SkipReason.UNSUBSCRIBED
    if row.kind == Reminder.Kind.INVITATION_FOLLOWUP:
        return SkipReason.INVITATION_CLOSED
    if row.kind == Reminder.Kind.CHECKIN and hasattr(row.commitment, "check_in"):
        return SkipReason.ANSWERED
    if row.kind == Reminder.Kind.DIGEST and row.session is not None:
        if row.session.state != DialogueSession.State.CLOSED:
            return SkipReason.SESSION_REOPENED
        if row.session.closed_at is not None and row.session.closed_at >= now - DIGEST_LOOKBACK:
            return SkipReason.NOT_IN_SESSION
    return SkipReason.NOT_SCHEDULED


def reminders_materialize(*, now: dt.datetime | None = None) -> MaterializeResult:
    """Make the rows that should exist, and retire pending ones that no longer should.

    Idempotent: the unique constraints turn a second run (or two scans racing)
    into no-ops. Rows first made long after their due time are not made at
    all (``CREATION_GRACE``); rows made in time stay due however late the scan
    comes, so a worker outage delays messages but does not drop them. A
    skipped row whose exact key is wanted again (the meeting moved back, the
    person resubscribed, the offset was re-added) returns to pending while it
    is still due: it was never sent, so reviving it cannot send twice.
    """
    now = now or timezone.now()
    result = MaterializeResult()
    kinds: dict[str, dict[Key, Reminder]] = {
        Reminder.Kind.MEETING_REMINDER: _meeting_reminders_wanted(now),
        Reminder.Kind.INVITATION_FOLLOWUP: _followups_wanted(now),
        Reminder.Kind.CHECKIN: _checkins_wanted(now),
        Reminder.Kind.DIGEST: _digests_wanted(now),
    }
    with transaction.atomic():
        existing = list(
            Reminder.objects.filter(state__in=[Reminder.State.PENDING, Reminder.State.SKIPPED])
            .filter(Q(state=Reminder.State.PENDING) | Q(due_at__gte=now - CREATION_GRACE))
            .select_related("meeting", "member__user", "session", "commitment__check_in")
        )
        to_skip: dict[str, list[int]] = defaultdict(list)
        to_revive: list[int] = []
        to_reschedule: list[Reminder] = []
        for row in existing:
            wanted = kinds[row.kind].get(_key(row))
            if row.state == Reminder.State.PENDING:
                if wanted is None:
                    to_skip[_stale_reason(row, now)].append(row.pk)
                elif wanted.due_at != row.due_at:
                    row.due_at = wanted.due_at
                    to_reschedule.append(row)
            elif wanted is not None and wanted.due_at >= now - CREATION_GRACE:
                to_revive.append(row.pk)
        for reason, ids in to_skip.items():
            result.skipped += Reminder.objects.filter(pk__in=ids, state=Reminder.State.PENDING).update(
                state=Reminder.State.SKIPPED, skip_reason=reason
            )
        if to_revive:
            result.revived = Reminder.objects.filter(pk__in=to_revive, state=Reminder.State.SKIPPED).update(
                state=Reminder.State.PENDING, skip_reason="", next_attempt_at=None
            )
        if to_reschedule:
            result.rescheduled = Reminder.objects.bulk_update(to_reschedule, ["due_at"])
        new_rows = [
            row
            for wanted in kinds.values()
            for row in wanted.values()
            if row.due_at >= now - CREATION_GRACE
            or (row.kind == Reminder.Kind.CHECKIN)  # a late check-in is still useful before the meeting
        ]
        before = Reminder.objects.count()
        Reminder.objects.bulk_create(new_rows, ignore_conflicts=True, batch_size=500)
        result.created = Reminder.objects.count() - before
    return result


# --- Claim, send, mark -----------------------------------------------------------------


def reminders_claim(*, now: dt.datetime, limit: int = CLAIM_BATCH) -> list[tuple[int, dt.datetime]]:
    """Take up to ``limit`` due rows for this worker, in a short transaction of its own.

    ``skip_locked`` lets several workers claim side by side without waiting on
    or taking each other's rows; on SQLite the IMMEDIATE transaction does the
    same by letting one writer in at a time. The claim commits before any mail
    is sent, so a crash afterwards leaves the row visibly in *sending*.
    """
    due = Q(state=Reminder.State.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    stale = Q(state=Reminder.State.SENDING, claimed_at__lt=now - lease())
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(due | stale)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Reminder.objects.filter(pk__in=ids).update(state=Reminder.State.SENDING, claimed_at=now)
    return [(pk, now) for pk in ids]


def _still_wanted(row: Reminder, now: dt.datetime) -> str | None:
    """Why a claimed row must not be sent after all, checked against the data as it is now."""
    if row.member is not None and not row.member.user.is_active:
        return SkipReason.ACCOUNT_CLOSED
    if row.member is not None and not row.member.reminders_enabled:
        return SkipReason.UNSUBSCRIBED
    if row.kind in (Reminder.Kind.MEETING_REMINDER, Reminder.Kind.CHECKIN):
        meeting = row.meeting
        assert meeting is not None  # reminder_kind_has_its_subject
        if meeting.status == Meeting.Status.CANCELLED:
            return SkipReason.CANCELLED
        if row.anchor_at != meeting.starts_at:
            return SkipReason.MOVED
        if now >= meeting.starts_at:
            return SkipReason.STARTED
    if row.kind == Reminder.Kind.INVITATION_FOLLOWUP:
        inv = row.invitation
        assert inv is not None  # reminder_kind_has_its_subject
        if inv.accepted_at or inv.revoked_at or inv.expires_at <= now:
            return SkipReason.INVITATION_CLOSED
    if row.kind == Reminder.Kind.CHECKIN:
        commitment = row.commitment
        assert commitment is not None  # reminder_kind_has_its_subject
        if CheckIn.objects.filter(commitment_id=commitment.pk).exists():
            return SkipReason.ANSWERED
        # The deadline is the next meeting by date; one added in between since
        # the row was made is the deadline now (and has its own row).
        if meeting_next(commitment.session.meeting) != row.meeting:
            return SkipReason.NOT_SCHEDULED
    if row.kind == Reminder.Kind.DIGEST:
        assert row.session is not None  # reminder_kind_has_its_subject
        if row.session.state != DialogueSession.State.CLOSED:
            return SkipReason.SESSION_REOPENED
    return None


def _mark(pk: int, claimed_at: dt.datetime, **fields: Any) -> bool:
    """Record the outcome, but only if this worker still holds the claim."""
    with transaction.atomic():
        return bool(
            Reminder.objects.filter(pk=pk, state=Reminder.State.SENDING, claimed_at=claimed_at).update(**fields)
        )


def reminder_send(*, reminder_id: int, claimed_at: dt.datetime, now: dt.datetime) -> str:
    """Send one claimed row and record what happened; returns the new state."""

    row = (
        Reminder.objects.select_related(
            "exchange",
            "member__user",
            "invitation",
            "meeting__exchange",
            "session__meeting",
            "commitment__session__meeting",
        )
        .filter(pk=reminder_id, state=Reminder.State.SENDING, claimed_at=claimed_at)
        .first()
    )
    if row is None:  # another scan took it over after the lease ran out
        return "lost"
    reason = _still_wanted(row, now)
    if reason:
        _mark(row.pk, claimed_at, state=Reminder.State.SKIPPED, skip_reason=reason)
        return Reminder.State.SKIPPED
    attempts = row.attempts + 1
    try:
        message = reminder_email_build(row, now=now)
        message.send()
    except Exception as exc:  # the mail server refused or was away: try again later
        logger.warning("Reminder %s not sent (attempt %s): %s", row.pk, attempts, exc)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if attempts >= MAX_ATTEMPTS:
            _mark(row.pk, claimed_at, state=Reminder.State.FAILED, attempts=attempts, last_error=error)
            return Reminder.State.FAILED
        _mark(
            row.pk,
            claimed_at,
            state=Reminder.State.PENDING,
            attempts=attempts,
            last_error=error,
            next_attempt_at=now + RETRY_BASE * (2 ** (attempts - 1)),
        )
        return Reminder.State.PENDING
    _mark(row.pk, claimed_at, state=Reminder.State.SENT, attempts=attempts, sent_at=timezone.now())
    return Reminder.State.SENT


@dataclass
class ScanResult:
    materialized: MaterializeResult
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def reminders_scan(*, now: dt.datetime | None = None, max_batches: int = 50) -> ScanResult:
    """Materialise, then claim and send everything due, one small batch at a time.

    Safe to run twice at once (two beats by mistake, a manual run): claims do
    not overlap, and marks only land for the claim that is still held.
    """
    clock: Callable[[], dt.datetime] = (lambda: now) if now is not None else timezone.now
    result = ScanResult(materialized=reminders_materialize(now=clock()))
    for _ in range(max_batches):
        # A long scan reads the clock again for each batch, so a claim's lease
        # starts when the claim is made, not when the scan began.
        claimed = reminders_claim(now=clock())
        if not claimed:
            break
        for pk, claimed_at in claimed:
            result.outcomes[reminder_send(reminder_id=pk, claimed_at=claimed_at, now=clock())] += 1
    return result
