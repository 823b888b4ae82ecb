"""Dialogue sessions: one question, explored slowly through a timed agenda."""

from django.db import models
from django.db.models import F, Q


class Attribution(models.TextChoices):
    """How a person's words may be attributed once the archive is shared.

    A session sets the default; each contribution may choose its own.
    """

    NAMED = "named", "On the record, named"
    NOT_FOR_ATTRIBUTION = "not_for_attribution", "Not for attribution (role and team only)"
    ANONYMOUS = "anonymous", "Anonymous (no name, role or team)"
    OFF_RECORD = "off_record", "Off the record (never archived)"


class DialogueSession(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    meeting = models.ForeignKey("exchanges.Meeting", on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    question = models.TextField(help_text="The single question the session explores.")
    guiding_prompts = models.TextField(
        blank=True, help_text="One prompt per line, e.g. What have you tried? Why? How is it working?"
    )
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    attribution_default = models.CharField(max_length=24, choices=Attribution.choices, default=Attribution.NAMED)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["planned_start"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__gt=F("planned_start")), name="session_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def prompt_list(self) -> list[str]:
        return [line.strip() for line in self.guiding_prompts.splitlines() if line.strip()]


class Phase(models.Model):
    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120)
    planned_minutes = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["session", "order"]
        constraints = [
            models.UniqueConstraint(fields=["session", "order"], name="phase_unique_order_per_session"),
            models.CheckConstraint(condition=Q(planned_minutes__gte=1), name="phase_minutes_positive"),
        ]

    def __str__(self):
        return self.title
