"""Exchanges, their teams and their meetings.

An exchange is a series of meetings that the same jurisdictional teams attend
over months; continuity is the point, so meetings are numbered in the series
and carry their own time zone (each may be held somewhere else).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .fields import TimeZoneField


class Exchange(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        CONCLUDED = "concluded", "Concluded"

    title = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    convening_organisation = models.CharField(max_length=200)
    time_zone = TimeZoneField(help_text="The exchange's home time zone.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    recording_terms = models.TextField(
        blank=True,
        help_text="What members agree to when they join: how their words are recorded and shared.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Team(models.Model):
    class LocaleType(models.TextChoices):
        URBAN = "urban", "Urban"
        SUBURBAN = "suburban", "Suburban"
        RURAL = "rural", "Rural"

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="teams")
    community_name = models.CharField(max_length=120)
    state_region = models.CharField("state or region", max_length=80)
    locale_type = models.CharField(max_length=16, choices=LocaleType.choices)

    class Meta:
        ordering = ["community_name"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "community_name"], name="team_unique_community_per_exchange"),
        ]

    def __str__(self):
        return f"{self.community_name}, {self.state_region}"


class Meeting(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        HYBRID = "hybrid", "Hybrid"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="meetings")
    number = models.PositiveSmallIntegerField(help_text="Its place in the series: 1, 2, 3 …")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = TimeZoneField(help_text="Where the meeting is held; times are entered in this zone.")
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(max_length=300, blank=True, help_text="Venue and address, for in-person and hybrid.")
    link = models.URLField(blank=True, help_text="Video call link, for online and hybrid.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["exchange", "number"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "number"], name="meeting_unique_number_per_exchange"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(condition=Q(number__gte=1), name="meeting_number_positive"),
        ]

    def __str__(self):
        return f"Meeting {self.number}: {self.title}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


# --- Between meetings: reminder schedules and the outbox -------------------------


class ReminderPlan(models.Model):
    """That a facilitator has set a meeting's reminder offsets by hand.

    Without a plan a meeting follows the default schedule (14 days and 2 days
    before, plus 2 hours before for online and hybrid meetings). With one,
    exactly its offsets apply, so "no reminders for this meeting" is
    expressible as a plan with no offsets.
    """

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, primary_key=True, related_name="reminder_plan")
    customised_at = models.DateTimeField()

    def __str__(self):
        return f"Reminder plan for {self.meeting}"


class ReminderOffset(models.Model):
    """One reminder before a meeting: how long before, and what to add to it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminder_offsets")
    minutes_before = models.PositiveIntegerField()
    custom_text = models.TextField(blank=True, max_length=1000, help_text="Added to this reminder's email.")

    class Meta:
        ordering = ["meeting", "-minutes_before"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "minutes_before"], name="reminder_offset_unique_per_meeting"),
            models.CheckConstraint(condition=Q(minutes_before__gte=1), name="reminder_offset_positive"),
        ]

    def __str__(self):
        return f"{self.minutes_before} minutes before {self.meeting}"


class Reminder(models.Model):
    """One email that is due to one person: the unit that is sent exactly once.

    A row is made (materialised) ahead of time for each person, meeting and
    offset, each open invitation and follow-up day, each commitment awaiting a
    check-in, and each closed session's digest. The unique constraints below
    are what make a second copy impossible: materialising again finds the row
    already there. ``anchor_at`` is the time the row was made for (the
    meeting's start, the invitation's creation, the session's close); when the
    meeting moves, the old rows no longer match it and are skipped, and new
    rows are made for the new time.
    """

    class Kind(models.TextChoices):
        MEETING_REMINDER = "meeting_reminder", "Meeting reminder"
        INVITATION_FOLLOWUP = "invitation_followup", "Invitation follow-up"
        CHECKIN = "checkin", "Commitment check-in"
        DIGEST = "digest", "Session digest"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    member = models.ForeignKey(
        "participants.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    invitation = models.ForeignKey(
        "participants.Invitation", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    session = models.ForeignKey(
        "dialogue_sessions.DialogueSession", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    commitment = models.ForeignKey(
        "participants.Commitment", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    offset_minutes = models.IntegerField(default=0)
    anchor_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    skip_reason = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="reminder_state_due"),
            models.Index(fields=["exchange", "state", "due_at"], name="reminder_exchange_state_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "meeting", "offset_minutes", "anchor_at"],
                condition=Q(kind="meeting_reminder"),
                name="reminder_unique_meeting_reminder",
            ),
            models.UniqueConstraint(
                fields=["invitation", "offset_minutes"],
                condition=Q(kind="invitation_followup"),
                name="reminder_unique_invitation_followup",
            ),
            models.UniqueConstraint(
                fields=["commitment", "anchor_at"],
                condition=Q(kind="checkin"),
                name="reminder_unique_checkin",
            ),
            models.UniqueConstraint(
                fields=["member", "session"],
                condition=Q(kind="digest"),
                name="reminder_unique_digest",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="meeting_reminder", member__isnull=False, meeting__isnull=False)
                    | Q(kind="invitation_followup", invitation__isnull=False, member__isnull=True)
                    | Q(kind="checkin", member__isnull=False, commitment__isnull=False, meeting__isnull=False)
                    | Q(kind="digest", member__isnull=False, session__isnull=False)
                ),
                name="reminder_kind_has_its_subject",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    @property
    def offset_display(self) -> str:
        """ "2 days", "2 hours": for the outbox, in the unit the offset was given in."""
        minutes = self.offset_minutes
        for size, unit in ((24 * 60, "day"), (60, "hour"), (1, "minute")):
            if minutes % size == 0:
                n = minutes // size
                return f"{n} {unit}{'' if n == 1 else 's'}"
        return f"{minutes} minutes"
