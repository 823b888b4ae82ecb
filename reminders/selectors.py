"""Reads for the between-meetings pages, each checked against the reader.

Non-members get 404 (they are not told the exchange exists); members who are
not facilitators or conveners get 403. Every selector runs a fixed number of
queries whatever the size of the exchange.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from exchanges.models import Exchange, Meeting
from exchanges.selectors import exchange_get_for_user, meeting_get_for_user
from participants.invitations import InvitationState, invitation_state_expression
from participants.models import CheckIn, Commitment, Invitation, Member, User
from participants.permissions import require_manager
from sessions import visibility

from .models import Reminder, ReminderPlan
from .services import meeting_offsets

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _CheckInShown(TypedDict):
        answer: CheckIn | None
        attributed: visibility.Attributed

    # A commitment as the check-ins page shows it: see ``CheckInGroup``.
    ShownCommitment = WithAnnotations[Commitment, _CheckInShown]

UPCOMING_LIMIT = 300
RECENT_LIMIT = 200


@dataclass
class Outbox:
    exchange: Exchange
    member: Member
    upcoming: list[Reminder]
    recent: list[Reminder]
    failed: list[Reminder]
    # Annotated with their reminder counts, and their invitation's state.
    people: Sequence[Member]
    unanswered: Sequence[Invitation]
    counts: dict[str, int]


def _with_subjects(qs: QuerySet[Reminder]) -> QuerySet[Reminder]:
    return qs.select_related("member", "invitation", "meeting", "session", "commitment")


def outbox_get_for_user(*, exchange_id: int, user: User | AnonymousUser, now: dt.datetime | None = None) -> Outbox:
    """What the exchange will send, has sent and could not send, and who has not
    answered their invitation, for its facilitators."""
    now = now or timezone.now()
    exchange, member = exchange_get_for_user(exchange_id=exchange_id, user=user)
    require_manager(member, exchange_id=exchange.pk)
    rows = Reminder.objects.filter(exchange=exchange)
    upcoming = list(
        _with_subjects(rows.filter(state__in=[Reminder.State.PENDING, Reminder.State.SENDING])).order_by(
            "due_at", "pk"
        )[:UPCOMING_LIMIT]
    )
    recent = list(
        _with_subjects(rows.filter(state__in=[Reminder.State.SENT, Reminder.State.SKIPPED])).order_by(
            "-sent_at", "-due_at", "-pk"
        )[:RECENT_LIMIT]
    )
    failed = list(
        _with_subjects(rows.filter(Q(state=Reminder.State.FAILED) | ~Q(last_error=""))).order_by("-due_at")[
            :RECENT_LIMIT
        ]
    )
    counts = dict(rows.values_list("state").annotate(n=Count("pk")).order_by())
    people = list(
        Member.objects.filter(exchange=exchange)
        .annotate(
            sent_count=Count("reminders", filter=Q(reminders__state=Reminder.State.SENT)),
            pending_count=Count(
                "reminders", filter=Q(reminders__state__in=[Reminder.State.PENDING, Reminder.State.SENDING])
            ),
            failed_count=Count("reminders", filter=Q(reminders__state=Reminder.State.FAILED)),
            retrying_count=Count(
                "reminders", filter=Q(reminders__state=Reminder.State.PENDING, reminders__attempts__gt=0)
            ),
            last_sent_at=Max("reminders__sent_at"),
        )
        .order_by("display_name")
    )
    unanswered = list(
        Invitation.objects.filter(exchange=exchange)
        .annotate(
            invitation_state=invitation_state_expression(now),
            followups_sent=Count(
                "reminders",
                filter=Q(reminders__state=Reminder.State.SENT, reminders__kind=Reminder.Kind.INVITATION_FOLLOWUP),
            ),
        )
        .filter(invitation_state__in=[InvitationState.PENDING, InvitationState.EXPIRED])
        .order_by("created_at")
    )
    return Outbox(
        exchange=exchange,
        member=member,
        upcoming=upcoming,
        recent=recent,
        failed=failed,
        people=people,
        unanswered=unanswered,
        counts=counts,
    )


@dataclass
class ReminderSchedule:
    meeting: Meeting
    member: Member
    is_custom: bool
    offsets: list[dict[str, Any]]


def reminder_schedule_get_for_user(
    *, meeting_id: int, user: User | AnonymousUser, now: dt.datetime | None = None
) -> ReminderSchedule:
    """A meeting's reminder offsets, its own or the defaults, for its facilitators.

    Each says whether its time has passed and, if so, how many were sent and
    how many are still going out (made in time, the worker was away): a
    reminder whose time passed with neither will not be sent at all, because
    the outbox makes no row for a time long gone (``outbox.CREATION_GRACE``),
    and the page says so rather than listing it as if it were coming.
    Four queries.
    """
    now = now or timezone.now()
    meeting, member = meeting_get_for_user(meeting_id=meeting_id, user=user)
    require_manager(member, exchange_id=meeting.exchange_id)
    own = list(meeting.reminder_offsets.all())
    is_custom = ReminderPlan.objects.filter(meeting=meeting).exists()
    texts = {o.minutes_before: o.custom_text for o in own}
    counts: dict[tuple[int, str], int] = {
        (minutes, state): n
        for minutes, state, n in Reminder.objects.filter(
            meeting=meeting, kind=Reminder.Kind.MEETING_REMINDER, anchor_at=meeting.starts_at
        )
        .values_list("offset_minutes", "state")
        .annotate(n=Count("pk"))
        .order_by()
    }
    offsets = []
    for m in meeting_offsets(meeting, plan_exists=is_custom, offsets=own):
        due_at = meeting.starts_at - dt.timedelta(minutes=m)
        sent = counts.get((m, Reminder.State.SENT), 0)
        going = counts.get((m, Reminder.State.PENDING), 0) + counts.get((m, Reminder.State.SENDING), 0)
        offsets.append(
            {
                "minutes": m,
                "custom_text": texts.get(m, ""),
                "due_at": due_at,
                "passed": due_at <= now,
                "sent": sent,
                "going": going,
                "will_not_be_sent": due_at <= now and not sent and not going,
            }
        )
    return ReminderSchedule(meeting=meeting, member=member, is_custom=is_custom, offsets=offsets)


@dataclass
class CheckInGroup:
    """The commitments made at one meeting, checked in on before the next.

    ``commitments`` are the ones that may be shown, each with ``attributed``
    (who made it, exactly as far as the visibility policy lets the page say)
    and ``answer`` (its check-in or ``None``). Commitments made in
    off-the-record sessions are not shown at all, only counted in ``hidden``
    (and their answers in ``hidden_answered``).
    """

    meeting: Meeting
    next_meeting: Meeting | None
    commitments: list[ShownCommitment] = field(default_factory=list)
    hidden: int = 0
    hidden_answered: int = 0

    @property
    def total(self) -> int:
        return len(self.commitments) + self.hidden

    @property
    def answered(self) -> int:
        return sum(1 for c in self.commitments if c.answer is not None) + self.hidden_answered

    @property
    def openers(self) -> list[ShownCommitment]:
        return [c for c in self.commitments if c.answer is not None and c.answer.share_in_opening_round]


def checkin_list_for_user(*, exchange_id: int, user: User | AnonymousUser) -> tuple[Exchange, list[CheckInGroup]]:
    """Every commitment of the exchange with its check-in, grouped by the meeting
    it was made at, for its facilitators to open the next meeting with.

    A commitment has no consent of its own: it follows its session's
    ``attribution_default``, and who made it is shown exactly as
    ``visibility.archive_attribution`` says for that consent (named: name,
    role, team; not for attribution: the role only where it is common, else
    "A participant"; anonymous: "Anonymous"). Off the record, neither the
    commitment nor its answer is shown (``visibility.archive_shows_words``).
    Rows are in the order they were made, never by name, so the order says
    nothing about who is behind an unnamed row; sessions whose archive is not
    yet published show nothing. A fixed number of queries.
    """
    exchange, member = exchange_get_for_user(exchange_id=exchange_id, user=user)
    require_manager(member, exchange_id=exchange.pk)
    meetings = list(exchange.meetings.order_by("starts_at", "pk"))  # by date, as ``services.meeting_next``
    scheduled = [m for m in meetings if m.status == Meeting.Status.SCHEDULED]
    groups: dict[int, CheckInGroup] = {}
    for m in meetings:
        following = next((n for n in scheduled if (n.starts_at, n.pk) > (m.starts_at, m.pk)), None)
        groups[m.pk] = CheckInGroup(meeting=m, next_meeting=following)
    # Like the words, commitments reach others only once their session's
    # archive is published: until then only their makers see them.
    commitments = (
        Commitment.objects.filter(
            session__meeting__exchange=exchange, session__archive_review__published_at__isnull=False
        )
        .select_related("member__team", "session", "check_in")
        .order_by("session__planned_start", "session_id", "created_at", "pk")
    )
    common = visibility.common_roles(exchange_id=exchange.pk)
    for c in cast("QuerySet[ShownCommitment]", commitments):
        group = groups[c.session.meeting_id]
        c.answer = getattr(c, "check_in", None)
        consent = c.session.attribution_default
        if not visibility.archive_shows_words(consent):
            group.hidden += 1
            group.hidden_answered += c.answer is not None
            continue
        c.attributed = visibility.archive_attribution(consent=consent, author=c.member, common=common)
        group.commitments.append(c)
    return exchange, [g for g in groups.values() if g.total]


def commitment_get_for_user(*, commitment_id: int, user: User | AnonymousUser) -> Commitment:
    """A person's own commitment; anyone else's is 404 (even a facilitator answers
    only for themselves)."""
    if not user.is_authenticated:
        raise Http404("No such commitment.")
    commitment = (
        Commitment.objects.select_related("member__exchange", "session__meeting", "check_in")
        .filter(pk=commitment_id, member__user=user)
        .first()
    )
    if commitment is None:
        raise Http404("No such commitment.")
    return commitment
