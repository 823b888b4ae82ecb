"""Writes about reminders that people make: a meeting's reminder schedule,
turning one's emails off, and answering a commitment check-in.

The outbox itself (materialise, claim, send, scan) is in outbox.py.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import format_when
from exchanges.models import Meeting
from participants.models import CheckIn, Commitment, Member
from participants.permissions import require_manager

from .models import Reminder, ReminderOffset, ReminderPlan, SkipReason, offset_label

DAY = 24 * 60
DEFAULT_OFFSETS = (14 * DAY, 2 * DAY)
ONLINE_OFFSET = 120  # 2 hours: only worth it when people join from their desks


# --- Reminder schedules ---------------------------------------------------------


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


def _check_offset_ahead(*, meeting: Meeting, minutes_before: int, now: dt.datetime) -> None:
    """Refuse a reminder whose time has already passed: it would never be sent.

    The outbox makes no row for a time long gone (``outbox.CREATION_GRACE``),
    so such an offset would sit on the page doing nothing; saying so when it
    is typed, with the longest offset still ahead, is kinder than silence.
    """
    due = meeting.starts_at - dt.timedelta(minutes=minutes_before)
    if due > now:
        return
    left = math.ceil((meeting.starts_at - now).total_seconds() / 60) - 1  # whole minutes still ahead
    if left < 1:
        raise ValidationError(
            {"minutes_before": _("This meeting has already started, so no reminder can be sent before it.")}
        )
    when = format_when(due.astimezone(zoneinfo.ZoneInfo(meeting.time_zone)), "short")
    longest = left - left % DAY if left >= DAY else left - left % 60 if left >= 60 else left
    raise ValidationError(
        {
            "minutes_before": (
                _(
                    "A reminder %(offset)s before would have gone out on %(when)s, "
                    "which has already passed, so it would never be sent. "
                    "Choose at most %(longest)s before the meeting."
                )
                % {"offset": offset_label(minutes_before), "when": when, "longest": offset_label(longest)}
            )
        }
    )


@transaction.atomic
def reminder_offset_add(
    *, actor: Member, meeting: Meeting, minutes_before: int, custom_text: str = "", now: dt.datetime | None = None
) -> ReminderOffset:
    """Add (or re-word) one reminder before a meeting. Rows are made by the next scan.

    A reminder whose time has already passed is refused (``_check_offset_ahead``).
    """
    require_manager(actor, exchange_id=meeting.exchange_id)
    if minutes_before < 1:
        raise ValueError("A reminder comes at least a minute before the meeting.")
    now = now or timezone.now()
    _check_offset_ahead(meeting=meeting, minutes_before=minutes_before, now=now)
    _plan_ensure(meeting=meeting, now=now)
    offset, _created = ReminderOffset.objects.update_or_create(
        meeting=meeting, minutes_before=minutes_before, defaults={"custom_text": custom_text}
    )
    return offset


@transaction.atomic
def reminder_offset_remove(
    *, actor: Member, meeting: Meeting, minutes_before: int, now: dt.datetime | None = None
) -> None:
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
    """The next scheduled meeting of the series after this one, by date.

    By date, not by the order meetings were added in: a check-in meeting
    slipped in between two others is the next one for the commitments made
    at the first. Meetings starting at the same moment follow the order they
    were scheduled in, as their numbers do.
    """
    later = Q(starts_at__gt=meeting.starts_at) | Q(starts_at=meeting.starts_at, pk__gt=meeting.pk)
    return (
        Meeting.objects.filter(later, exchange_id=meeting.exchange_id, status=Meeting.Status.SCHEDULED)
        .order_by("starts_at", "pk")
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
        raise CheckInClosed(_("Check-ins on this commitment are closed: the next meeting has begun."))
    check_in, _created = CheckIn.objects.update_or_create(
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
