"""Between meetings: the emails an exchange sends on its own.

``Reminder`` is the outbox: one row per email due to one person, made ahead
of time and sent exactly once (reminders/outbox.py). ``ReminderPlan`` and
``ReminderOffset`` say when a meeting's reminders go out. The tables keep the
names they had when these models lived in the exchanges app.
"""

from django.db import models
from django.db.models import Q


class ReminderPlan(models.Model):
    """That a facilitator has set a meeting's reminder offsets by hand.

    Without a plan a meeting follows the default schedule (14 days and 2 days
    before, plus 2 hours before for online and hybrid meetings). With one,
    exactly its offsets apply, so "no reminders for this meeting" is
    expressible as a plan with no offsets.
    """

    meeting = models.OneToOneField(
        "exchanges.Meeting", on_delete=models.CASCADE, primary_key=True, related_name="reminder_plan"
    )
    customised_at = models.DateTimeField()

    class Meta:
        db_table = "exchanges_reminderplan"

    def __str__(self) -> str:
        return f"Reminder plan for {self.meeting}"


class ReminderOffset(models.Model):
    """One reminder before a meeting: how long before, and what to add to it."""

    meeting = models.ForeignKey("exchanges.Meeting", on_delete=models.CASCADE, related_name="reminder_offsets")
    minutes_before = models.PositiveIntegerField()
    custom_text = models.TextField(blank=True, max_length=1000, help_text="Added to this reminder's email.")

    class Meta:
        db_table = "exchanges_reminderoffset"
        ordering = ["meeting", "-minutes_before"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "minutes_before"], name="reminder_offset_unique_per_meeting"),
            models.CheckConstraint(condition=Q(minutes_before__gte=1), name="reminder_offset_positive"),
        ]

    def __str__(self) -> str:
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

    exchange = models.ForeignKey("exchanges.Exchange", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    member = models.ForeignKey(
        "participants.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    invitation = models.ForeignKey(
        "participants.Invitation", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    meeting = models.ForeignKey(
        "exchanges.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
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
        db_table = "exchanges_reminder"
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

    def __str__(self) -> str:
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


class SkipReason:
    """Why a row was not sent: what the outbox page and the admin show."""

    CANCELLED = "meeting cancelled"
    MOVED = "meeting moved"
    STARTED = "meeting already started"
    UNSUBSCRIBED = "unsubscribed"
    ACCOUNT_CLOSED = "account deactivated"
    NOT_SCHEDULED = "no longer scheduled"
    INVITATION_CLOSED = "invitation answered, revoked or expired"
    ANSWERED = "check-in already answered"
    SESSION_REOPENED = "session not closed"
    NOT_IN_SESSION = "not in the session"
