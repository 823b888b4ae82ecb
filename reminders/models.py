"""Between meetings: the emails an exchange sends on its own.

``Reminder`` is the outbox: one row per email due to one person, made ahead
of time and sent exactly once (reminders/outbox.py). ``ReminderPlan`` and
``ReminderOffset`` say when a meeting's reminders go out. The tables keep the
names they had when these models lived in the exchanges app.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext


def offset_label(minutes: int) -> str:
    """ "14 days", "2 hours", "90 minutes": how far ahead (or after) a reminder comes, in the unit it was given in."""
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


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
    custom_text = models.TextField(
        blank=True, max_length=1000, help_text=gettext_lazy("Added to this reminder's email.")
    )

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
        MEETING_REMINDER = "meeting_reminder", gettext_lazy("Meeting reminder")
        INVITATION_FOLLOWUP = "invitation_followup", gettext_lazy("Invitation follow-up")
        CHECKIN = "checkin", gettext_lazy("Commitment check-in")
        DIGEST = "digest", gettext_lazy("Session digest")

    class State(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        SENDING = "sending", gettext_lazy("Sending")
        SENT = "sent", gettext_lazy("Sent")
        FAILED = "failed", gettext_lazy("Failed")
        SKIPPED = "skipped", gettext_lazy("Skipped")

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
        return offset_label(self.offset_minutes)

    @property
    def skip_reason_display(self) -> str:
        """Why the row was not sent, in the reader's language (``skip_reason`` keeps the English)."""
        return gettext(self.skip_reason) if self.skip_reason else ""


class SkipReason:
    """Why a row was not sent: what the outbox page and the admin show.

    Stored as written here (English, whatever the language of the task that
    skipped the row); marked with ``gettext_noop`` so the catalog has them,
    and translated when read (``Reminder.skip_reason_display``).
    """

    CANCELLED = gettext_noop("meeting cancelled")
    MOVED = gettext_noop("meeting moved")
    STARTED = gettext_noop("meeting already started")
    UNSUBSCRIBED = gettext_noop("unsubscribed")
    ACCOUNT_CLOSED = gettext_noop("account deactivated")
    NOT_SCHEDULED = gettext_noop("no longer scheduled")
    INVITATION_CLOSED = gettext_noop("invitation answered, revoked or expired")
    ANSWERED = gettext_noop("check-in already answered")
    SESSION_REOPENED = gettext_noop("session not closed")
    NOT_IN_SESSION = gettext_noop("not in the session")
