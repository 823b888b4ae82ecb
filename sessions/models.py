"""Dialogue sessions: one question, explored slowly through a timed agenda."""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy, pgettext_lazy

from . import limits


class Attribution(models.TextChoices):
    """How a person's words may be attributed once the archive is shared.

    A session sets the default; each contribution may choose its own.
    """

    NAMED = "named", gettext_lazy("On the record, named")
    NOT_FOR_ATTRIBUTION = "not_for_attribution", gettext_lazy("Not for attribution (Chatham House: no name or team)")
    ANONYMOUS = "anonymous", gettext_lazy("Anonymous (no name, role or team)")
    OFF_RECORD = "off_record", gettext_lazy("Off the record (never archived)")


class DialogueSession(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("session state", "Scheduled")
        OPEN = "open", pgettext_lazy("session state", "Open")
        CLOSED = "closed", pgettext_lazy("session state", "Closed")

    meeting = models.ForeignKey("exchanges.Meeting", on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    question = models.TextField(help_text=gettext_lazy("The single question the session explores."))
    guiding_prompts = models.TextField(
        blank=True, help_text=gettext_lazy("One prompt per line, e.g. What have you tried? Why? How is it working?")
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

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def plan_is_editable(self) -> bool:
        """A session's plan (times, question, agenda) is fixed once it opens:
        the live room runs from it and the archive must show what was planned."""
        return self.state == self.State.SCHEDULED

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

    def __str__(self) -> str:
        return self.title


# --- The live room ------------------------------------------------------------
#
# DialogueSession above carries the room's small mutable state (paused, current
# phase, the event counter); everything that happens in the room is one of the
# rows below, and every change anyone else must hear of is a SessionEvent.


class RoomState(models.Model):
    """The live room's counters and switches for one session.

    Kept beside DialogueSession so the schedule (which the archive shows as
    planned) and the room's running state change independently. Its row is the
    lock that serializes every write to the room: ``last_seq`` is the seq of
    the session's last SessionEvent.
    """

    session = models.OneToOneField(DialogueSession, on_delete=models.CASCADE, related_name="room")
    last_seq = models.PositiveBigIntegerField(default=0)
    paused = models.BooleanField(default=False)
    current_phase = models.ForeignKey(Phase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    phase_started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Room of {self.session}"


class SessionEvent(models.Model):
    """One change to a live room, in the order everyone saw it.

    The channel layer may drop messages; these rows do not. Clients
    de-duplicate by ``seq`` and ask for what they missed by it.
    """

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    name = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    actor = models.ForeignKey("participants.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The contribution the event is about, so its text can be found and erased
    # from every event when it is off the record.
    contribution = models.ForeignKey(
        "Contribution", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="session_event_unique_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.name}"


class Contribution(models.Model):
    """Something a member said or wrote in the room."""

    class Kind(models.TextChoices):
        STORY = "story", gettext_lazy("Story")
        REFLECTION = "reflection", gettext_lazy("Reflection")
        RESPONSE = "response", gettext_lazy("Response")
        QUESTION = "question", gettext_lazy("Question")

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="contributions")
    author = models.ForeignKey("participants.Member", on_delete=models.CASCADE, related_name="contributions")
    # The scribe who wrote down what the author said aloud, if it was captured.
    captured_by = models.ForeignKey(
        "participants.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="captured"
    )
    # Chosen by the sending client so a resend after a reconnect stores nothing new.
    client_id = models.CharField(max_length=64, null=True, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STORY)
    text = models.TextField(blank=True)
    # The language the words were written in (a code of settings.LANGUAGES;
    # blank when unknown), as the writer's page was: pages mark the words with
    # it so a screen reader speaks them right. Never used to translate them.
    language = models.CharField(max_length=16, blank=True, default="")
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    consent = models.CharField(max_length=24, choices=Attribution.choices)
    # Whether the room must not know who said it: set by choosing anonymous,
    # cleared only by choosing to be named again (``visibility.author_hidden_after``),
    # so moving anonymous words off the record never unmasks them.
    author_hidden = models.BooleanField(default=False)
    phase = models.ForeignKey(Phase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Set when the text was erased because it was off the record at close.
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client_id"],
                condition=Q(client_id__isnull=False),
                name="contribution_unique_client_id_per_session",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ContributionRevision(models.Model):
    """The text a contribution had before an edit: nothing changes silently."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField(blank=True)
    edited_by = models.ForeignKey("participants.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["contribution", "created_at", "id"]

    def __str__(self) -> str:
        return f"Revision of {self.contribution_id}"


class Acknowledgement(models.Model):
    """ "I heard you": a member's sign that a contribution landed, with an
    optional one-line reflection of what they heard."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="acknowledgements")
    member = models.ForeignKey("participants.Member", on_delete=models.CASCADE, related_name="acknowledgements")
    reflection = models.CharField(max_length=280, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "member"], name="acknowledgement_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} heard {self.contribution_id}"


class QueueEntry(models.Model):
    """A raised hand in the speaking queue."""

    class Kind(models.TextChoices):
        NEW_POINT = "new_point", gettext_lazy("New point")
        DIRECT_REPLY = "direct_reply", gettext_lazy("Direct reply")

    class Status(models.TextChoices):
        WAITING = "waiting", gettext_lazy("Waiting")
        CALLED = "called", gettext_lazy("Called")
        LOWERED = "lowered", gettext_lazy("Lowered")
        CLEARED = "cleared", gettext_lazy("Cleared")

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="queue_entries")
    member = models.ForeignKey("participants.Member", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reply_to = models.ForeignKey(Contribution, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    position = models.PositiveIntegerField(default=0)
    raised_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(status="waiting"),
                name="queue_one_waiting_hand_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.member_id}"


class Round(models.Model):
    """A go-around: each present member in turn holds the talking piece."""

    class Order(models.TextChoices):
        BY_TEAM = "by_team", gettext_lazy("By team")
        RANDOM = "random", gettext_lazy("Random")
        ARRANGED = "arranged", gettext_lazy("Arranged")

    class Status(models.TextChoices):
        ACTIVE = "active", gettext_lazy("Active")
        ENDED = "ended", gettext_lazy("Ended")

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="rounds")
    order = models.CharField(max_length=16, choices=Order.choices)
    turn_seconds = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    started_by = models.ForeignKey("participants.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=Q(status="active"), name="round_one_active_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"Round {self.pk} ({self.get_order_display()})"


class Turn(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        CURRENT = "current", gettext_lazy("Current")
        SPOKE = "spoke", gettext_lazy("Spoke")
        PASSED = "passed", gettext_lazy("Passed")
        SKIPPED = "skipped", gettext_lazy("Skipped")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="turns")
    member = models.ForeignKey("participants.Member", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "position"], name="turn_unique_position_per_round"),
        ]

    def __str__(self) -> str:
        return f"Turn {self.position} of round {self.round_id}"


class Reflection(models.Model):
    """A period of quiet reflection; its end time is held here and counted
    down by every client, so it survives reconnects and needs no timer task."""

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="reflections")
    started_by = models.ForeignKey("participants.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "started_at", "id"]

    def __str__(self) -> str:
        return f"Reflection until {self.ends_at:%H:%M}"


class ReflectionNote(models.Model):
    """A member's private notes for one session; seen by nobody else until
    the member shares some of it into the room."""

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="notes")
    member = models.ForeignKey("participants.Member", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="note_one_per_member_session")]

    def __str__(self) -> str:
        return f"Note of {self.member_id}"


class PauseSignal(models.Model):
    """A member's private "I need a pause", seen only by facilitators."""

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="pause_signals")
    member = models.ForeignKey("participants.Member", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        "participants.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["session", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(dismissed_at__isnull=True),
                name="pause_signal_one_open_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"Pause requested by {self.member_id}"


class Theme(models.Model):
    """A thread that keeps returning across an exchange's sessions."""

    # An exchange's first themes, named in the language of whoever opens its
    # first session (``themes_ensure_defaults``); then they are the exchange's
    # own words, renamed or merged like any other.
    DEFAULTS = (
        gettext_lazy("Mutual mistrust"),
        gettext_lazy("Trauma"),
        gettext_lazy("Flagging optimism"),
        gettext_lazy("Rebuilding relationships"),
    )

    exchange = models.ForeignKey("exchanges.Exchange", on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=limits.THEME_NAME_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exchange", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "exchange", name="theme_unique_name_per_exchange"),
        ]

    def __str__(self) -> str:
        return self.name


class ContributionTheme(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="theme_tags")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="tags")
    tagged_by = models.ForeignKey("participants.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    tagged_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "theme"], name="contribution_theme_once"),
        ]

    def __str__(self) -> str:
        return f"{self.theme_id} on {self.contribution_id}"
