"""Between meetings: the emails an exchange sends on its own, each exactly once.

Every due email is a ``Reminder`` row, made ahead of time by
``messages_materialize`` and sent by ``messages_scan``, which Celery beat runs
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
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from participants.models import Attendance, CheckIn, Commitment, Invitation, Member
from sessions.models import DialogueSession

from .models import Meeting, Reminder, ReminderOffset, ReminderPlan
from .permissions import require_manager

logger = logging.getLogger(__name__)

DAY = 24 * 60
DEFAULT_OFFSETS = (14 * DAY, 2 * DAY)
ONLINE_OFFSET = 120  # 2 hours: only worth it when people join from their desks
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


def lease() -> dt.timedelta:
    """How long a claimed row may stay in *sending* before another scan takes it over."""
    return dt.timedelta(seconds=getattr(settings, "REMINDER_LEASE_SECONDS", 600))


class SkipReason:
    CANCELLED = "meeting cancelled"
    MOVED = "meeting moved"
    STARTED = "meeting already started"
    UNSUBSCRIBED = "unsubscribed"
    NOT_SCHEDULED = "no longer scheduled"
    INVITATION_CLOSED = "invitation answered, revoked or expired"
    ANSWERED = "check-in already answered"
    SESSION_REOPENED = "session not closed"


# --- Reminder schedules ------------------------------------------------------------


def default_offsets(meeting: Meeting) -> list[int]:
    offsets = list(DEFAULT_OFFSETS)
    if meeting.mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID):
        offsets.append(ONLINE_OFFSET)
    return offsets


def meeting_offsets(meeting: Meeting, *, plan_exists: bool, offsets: list[ReminderOffset]) -> list[int]:
    """The minutes-before values that apply to a meeting: its own plan, or the defaults."""
    if plan_exists:
        return sorted((o.minutes_before for o in offsets), reverse=True)
    return sorted(default_offsets(meeting), reverse=True)


def _plan_ensure(*, meeting: Meeting, now: dt.datetime) -> None:
    """Turn the default schedule into the meeting's own plan before its first edit,
    so that adding one offset keeps the defaults the facilitator saw on the page."""
    if ReminderPlan.objects.filter(meeting=meeting).exists():
        return
    ReminderPlan.objects.create(meeting=meeting, customised_at=now)
    ReminderOffset.objects.bulk_create(
        [ReminderOffset(meeting=meeting, minutes_before=m) for m in default_offsets(meeting)],
        ignore_conflicts=True,
    )


@transaction.atomic
def reminder_offset_add(
    *, actor: Member, meeting: Meeting, minutes_before: int, custom_text: str = "", now: dt.datetime | None = None
) -> ReminderOffset:
    """Add (or re-word) one reminder before a meeting. Rows are made by the next scan."""
    require_manager(actor, exchange_id=meeting.exchange_id)
    if minutes_before < 1:
        raise ValueError("A reminder comes at least a minute before the meeting.")
    now = now or timezone.now()
    _plan_ensure(meeting=meeting, now=now)
    offset, _ = ReminderOffset.objects.update_or_create(
        meeting=meeting, minutes_before=minutes_before, defaults={"custom_text": custom_text}
    )
    return offset


@transaction.atomic
def reminder_offset_remove(*, actor: Member, meeting: Meeting, minutes_before: int, now: dt.datetime | None = None):
    """Remove one reminder; its pending rows are skipped by the next scan."""
    require_manager(actor, exchange_id=meeting.exchange_id)
    _plan_ensure(meeting=meeting, now=now or timezone.now())
    ReminderOffset.objects.filter(meeting=meeting, minutes_before=minutes_before).delete()


@transaction.atomic
def reminder_plan_reset(*, actor: Member, meeting: Meeting) -> None:
    """Go back to the default schedule."""
    require_manager(actor, exchange_id=meeting.exchange_id)
    ReminderOffset.objects.filter(meeting=meeting).delete()
    ReminderPlan.objects.filter(meeting=meeting).delete()


# --- Signed links --------------------------------------------------------------------

UNSUBSCRIBE_SALT = "exchanges.reminders.unsubscribe"
CHECKIN_SALT = "exchanges.reminders.checkin"


def unsubscribe_token(member: Member) -> str:
    """A link that works without signing in and never expires: an unsubscribe
    link in an old email must still work."""
    return signing.dumps({"m": member.pk}, salt=UNSUBSCRIBE_SALT)


def member_from_unsubscribe_token(token: str) -> Member | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Member.objects.select_related("exchange", "user").filter(pk=data.get("m")).first()


def checkin_token(commitment: Commitment, *, until: dt.datetime) -> str:
    """A link to answer one check-in, valid until the next meeting starts.

    The deadline travels inside the signature, so it cannot be stretched; the
    answer page also checks the meeting's current start, in case it moved earlier.
    """
    return signing.dumps({"c": commitment.pk, "u": int(until.timestamp())}, salt=CHECKIN_SALT)


class CheckInLinkError(Exception):
    pass


def commitment_from_checkin_token(token: str, *, now: dt.datetime) -> Commitment:
    """The commitment a check-in link names; ``CheckInLinkError`` if it was
    tampered with or has run out."""
    try:
        data = signing.loads(token, salt=CHECKIN_SALT)
    except signing.BadSignature as exc:
        raise CheckInLinkError("This link is not valid.") from exc
    if now.timestamp() >= data.get("u", 0):
        raise CheckInLinkError("This link has expired: the next meeting has begun.")
    commitment = (
        Commitment.objects.select_related("member__exchange", "session__meeting", "check_in")
        .filter(pk=data.get("c"))
        .first()
    )
    if commitment is None:
        raise CheckInLinkError("This link is not valid.")
    return commitment


# --- Unsubscribing -------------------------------------------------------------------


@transaction.atomic
def member_reminders_set(*, member: Member, enabled: bool) -> Member:
    """Turn a person's between-meeting emails for one exchange off or on.

    Honoured at once: the scan checks the flag again just before sending each
    message, and pending rows for a person who comes back are revived by the
    next materialise while still due.
    """
    Member.objects.filter(pk=member.pk).update(reminders_enabled=enabled)
    member.reminders_enabled = enabled
    return member


# --- Check-ins ---------------------------------------------------------------------


class CheckInClosed(Exception):
    """The next meeting has begun (or there is none): the check-in can no longer change."""


def meeting_next(meeting: Meeting) -> Meeting | None:
    """The next scheduled meeting of the series after this one."""
    return (
        Meeting.objects.filter(
            exchange_id=meeting.exchange_id, number__gt=meeting.number, status=Meeting.Status.SCHEDULED
        )
        .order_by("number")
        .first()
    )


def checkin_open_until(commitment: Commitment) -> dt.datetime | None:
    """A check-in may be given or changed until the next meeting starts."""
    following = meeting_next(commitment.session.meeting)
    return following.starts_at if following else None


@transaction.atomic
def checkin_save(
    *,
    commitment: Commitment,
    tried: str,
    how_working: str,
    learning: str,
    next_step: str,
    share_in_opening_round: bool,
    now: dt.datetime | None = None,
) -> CheckIn:
    """Store the member's answer about their commitment (one per commitment).

    Editable until the next meeting starts; after that the answer belongs to
    the opening round it was offered to.
    """
    now = now or timezone.now()
    until = checkin_open_until(commitment)
    if until is None or now >= until:
        raise CheckInClosed("Check-ins on this commitment are closed: the next meeting has begun.")
    check_in, _ = CheckIn.objects.update_or_create(
        commitment=commitment,
        defaults={
            "tried": tried,
            "how_working": how_working,
            "learning": learning,
            "next_step": next_step,
            "share_in_opening_round": share_in_opening_round,
        },
    )
    # The email is no longer needed once the answer is in.
    Reminder.objects.filter(kind=Reminder.Kind.CHECKIN, commitment=commitment, state=Reminder.State.PENDING).update(
        state=Reminder.State.SKIPPED, skip_reason=SkipReason.ANSWERED
    )
    return check_in


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

    rows: dict[tuple, Reminder] = field(default_factory=dict)


def _meeting_reminders_wanted(now: dt.datetime) -> dict[tuple, Reminder]:
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


def _followups_wanted(now: dt.datetime) -> dict[tuple, Reminder]:
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


def _checkins_wanted(now: dt.datetime) -> dict[tuple, Reminder]:
    """Halfway between the end of meeting k and the start of meeting k+1, each
    commitment made at meeting k that has no answer yet."""
    upcoming = list(
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now).only(
            "pk", "exchange_id", "number", "starts_at"
        )
    )
    if not upcoming:
        return {}
    scheduled = defaultdict(list)
    for m in Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED, exchange_id__in={m.exchange_id for m in upcoming}
    ).only("pk", "exchange_id", "number", "ends_at"):
        scheduled[m.exchange_id].append(m)
    pairs = {}  # previous meeting id → (next meeting, halfway)
    for nxt in upcoming:
        earlier = [m for m in scheduled[nxt.exchange_id] if m.number < nxt.number]
        if not earlier:
            continue
        prev = max(earlier, key=lambda m: m.number)
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


def _digests_wanted(now: dt.datetime) -> dict[tuple, Reminder]:
    sessions = list(
        DialogueSession.objects.filter(
            state=DialogueSession.State.CLOSED, closed_at__isnull=False, closed_at__gte=now - DIGEST_LOOKBACK
        ).select_related("meeting")
    )
    if not sessions:
        return {}
    by_meeting = defaultdict(list)
    for s in sessions:
        by_meeting[s.meeting_id].append(s)
    recipients = defaultdict(set)  # session id → member ids
    for member_id, session_id in Commitment.objects.filter(
        session__in=sessions, member__reminders_enabled=True
    ).values_list("member_id", "session_id"):
        recipients[session_id].add(member_id)
    for member_id, meeting_id in Attendance.objects.filter(
        meeting_id__in=by_meeting.keys(), member__reminders_enabled=True
    ).values_list("member_id", "meeting_id"):
        for s in by_meeting[meeting_id]:
            recipients[s.pk].add(member_id)
    wanted = {}
    for s in sessions:
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


def _key(row: Reminder) -> tuple:
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
        if row.anchor_at != meeting.starts_at:
            return SkipReason.MOVED
        if meeting.starts_at <= now:
            return SkipReason.STARTED
    if row.member is not None and not row.member.reminders_enabled:
        return SkipReason.UNSUBSCRIBED
    if row.kind == Reminder.Kind.INVITATION_FOLLOWUP:
        return SkipReason.INVITATION_CLOSED
    if row.kind == Reminder.Kind.CHECKIN and hasattr(row.commitment, "check_in"):
        return SkipReason.ANSWERED
    return SkipReason.NOT_SCHEDULED


def messages_materialize(*, now: dt.datetime | None = None) -> MaterializeResult:
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
    kinds = {
        Reminder.Kind.MEETING_REMINDER: _meeting_reminders_wanted(now),
        Reminder.Kind.INVITATION_FOLLOWUP: _followups_wanted(now),
        Reminder.Kind.CHECKIN: _checkins_wanted(now),
        Reminder.Kind.DIGEST: _digests_wanted(now),
    }
    with transaction.atomic():
        existing = list(
            Reminder.objects.filter(state__in=[Reminder.State.PENDING, Reminder.State.SKIPPED])
            .filter(Q(state=Reminder.State.PENDING) | Q(due_at__gte=now - CREATION_GRACE))
            .select_related("meeting", "member", "commitment__check_in")
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


def messages_claim(*, now: dt.datetime, limit: int = CLAIM_BATCH) -> list[tuple[int, dt.datetime]]:
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
    if row.member is not None and not row.member.reminders_enabled:
        return SkipReason.UNSUBSCRIBED
    if row.kind in (Reminder.Kind.MEETING_REMINDER, Reminder.Kind.CHECKIN):
        meeting = row.meeting
        if meeting.status == Meeting.Status.CANCELLED:
            return SkipReason.CANCELLED
        if row.anchor_at != meeting.starts_at:
            return SkipReason.MOVED
        if now >= meeting.starts_at:
            return SkipReason.STARTED
    if row.kind == Reminder.Kind.INVITATION_FOLLOWUP:
        inv = row.invitation
        if inv.accepted_at or inv.revoked_at or inv.expires_at <= now:
            return SkipReason.INVITATION_CLOSED
    if row.kind == Reminder.Kind.CHECKIN and CheckIn.objects.filter(commitment_id=row.commitment_id).exists():
        return SkipReason.ANSWERED
    if row.kind == Reminder.Kind.DIGEST and row.session.state != DialogueSession.State.CLOSED:
        return SkipReason.SESSION_REOPENED
    return None


def _mark(pk: int, claimed_at: dt.datetime, **fields) -> bool:
    """Record the outcome, but only if this worker still holds the claim."""
    with transaction.atomic():
        return bool(
            Reminder.objects.filter(pk=pk, state=Reminder.State.SENDING, claimed_at=claimed_at).update(**fields)
        )


def message_send(*, reminder_id: int, claimed_at: dt.datetime, now: dt.datetime) -> str:
    """Send one claimed row and record what happened; returns the new state."""
    from .emails import reminder_email_build  # emails import this module's helpers

    row = (
        Reminder.objects.select_related(
            "exchange", "member__user", "invitation", "meeting__exchange", "session__meeting", "commitment__session"
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


def messages_scan(*, now: dt.datetime | None = None, max_batches: int = 50) -> ScanResult:
    """Materialise, then claim and send everything due, one small batch at a time.

    Safe to run twice at once (two beats by mistake, a manual run): claims do
    not overlap, and marks only land for the claim that is still held.
    """
    clock = (lambda: now) if now is not None else timezone.now
    result = ScanResult(materialized=messages_materialize(now=clock()))
    for _ in range(max_batches):
        # A long scan reads the clock again for each batch, so a claim's lease
        # starts when the claim is made, not when the scan began.
        claimed = messages_claim(now=clock())
        if not claimed:
            break
        for pk, claimed_at in claimed:
            result.outcomes[message_send(reminder_id=pk, claimed_at=claimed_at, now=clock())] += 1
    return result
