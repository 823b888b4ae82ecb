"""People: accounts, their place in an exchange, invitations, RSVPs,
attendance, and the commitments they carry home between meetings."""

import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields import TimeZoneField


def new_calendar_token() -> str:
    """A high-entropy, URL-safe secret (also used for invitation nonces)."""
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager["User"]):
    """Accounts are keyed by email address: people are invited by email."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    # No username: the stubs cannot express removing an inherited field.
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    # Secret part of the person's iCalendar feed URL; rotating it revokes the feed.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    # The language pages, the live room and every email speak to this person
    # (docs/languages.md); blank follows their browser.
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES, blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Keyed by email, so not a subclass of the stubs' username-based UserManager.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.email


class ExchangeRole(models.TextChoices):
    CONVENER = "convener", _("Convener")
    FACILITATOR = "facilitator", _("Facilitator")
    SCRIBE = "scribe", _("Scribe")
    PARTICIPANT = "participant", _("Participant")


class StakeholderRole(models.TextChoices):
    ELECTED_OFFICIAL = "elected_official", _("Elected official")
    APPOINTED_OFFICIAL = "appointed_official", _("Appointed official")
    COMMUNITY_LEADER = "community_leader", _("Community leader")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    ACADEMIC = "academic", _("Academic")
    FAITH_LEADER = "faith_leader", _("Faith leader")
    OTHER = "other", _("Other")


class Member(models.Model):
    """A person's place in one exchange."""

    exchange = models.ForeignKey("exchanges.Exchange", on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    exchange_role = models.CharField(max_length=16, choices=ExchangeRole.choices, default=ExchangeRole.PARTICIPANT)
    stakeholder_role = models.CharField(max_length=32, choices=StakeholderRole.choices, default=StakeholderRole.OTHER)
    team = models.ForeignKey("exchanges.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    display_name = models.CharField(max_length=120)
    pronouns = models.CharField(max_length=40, blank=True)
    time_zone = TimeZoneField()
    consented_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the person agreed to the exchange's recording terms.")
    )
    reminders_enabled = models.BooleanField(default=True, help_text=_("Off once the person unsubscribes."))
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "user"], name="member_one_per_person_per_exchange"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def is_facilitator(self) -> bool:
        return self.exchange_role in (ExchangeRole.FACILITATOR, ExchangeRole.CONVENER)


class Invitation(models.Model):
    """A single-use, expiring link to join an exchange.

    The link carries ``nonce`` signed with the project's secret key
    (``django.core.signing``): a leaked database alone yields no working link,
    and a follow-up email can rebuild the same link without the token ever
    being stored in clear.
    """

    exchange = models.ForeignKey("exchanges.Exchange", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    name = models.CharField(max_length=120)
    team = models.ForeignKey("exchanges.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stakeholder_role = models.CharField(max_length=32, choices=StakeholderRole.choices, default=StakeholderRole.OTHER)
    exchange_role = models.CharField(max_length=16, choices=ExchangeRole.choices, default=ExchangeRole.PARTICIPANT)
    nonce = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations")
    # The language the inviter chose for the email and its follow-ups, for
    # someone with no account to say theirs (``selectors.invitee_language``).
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="invitation_expires_after_created"
            ),
            models.UniqueConstraint(
                "exchange",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class RSVP(models.Model):
    class Response(models.TextChoices):
        COMING = "coming", _("Coming")
        NOT_COMING = "not_coming", _("Not coming")
        MAYBE = "maybe", _("Maybe")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="rsvps")
    meeting = models.ForeignKey("exchanges.Meeting", on_delete=models.CASCADE, related_name="rsvps")
    response = models.CharField(max_length=16, choices=Response.choices)
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("RSVP")
        constraints = [models.UniqueConstraint(fields=["member", "meeting"], name="rsvp_one_per_member_meeting")]

    def __str__(self):
        return f"{self.member} → {self.meeting}: {self.get_response_display()}"


class Attendance(models.Model):
    """That a member was at a meeting: marked by a facilitator, or recorded
    when the member joins one of its live sessions."""

    class Source(models.TextChoices):
        MARKED = "marked", _("Marked by a facilitator")
        LIVE = "live", _("Joined a live session")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="attendances")
    meeting = models.ForeignKey("exchanges.Meeting", on_delete=models.CASCADE, related_name="attendances")
    source = models.CharField(max_length=16, choices=Source.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "meeting"], name="attendance_one_per_member_meeting")]

    def __str__(self):
        return gettext("%(member)s at %(meeting)s") % {"member": self.member, "meeting": self.meeting}


class SessionAttendance(models.Model):
    """That a member was present in a session's live room while it was open.

    The durable fact behind archive access: a participant reads the archive
    of the sessions they were in, not of every session of a meeting they
    attended one of. Recorded once, when the member is first present in the
    open room (or present when it opens); never for a scheduled or closed
    session. A facilitator clearing someone's attendance at the meeting
    clears these rows too.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="session_attendances")
    session = models.ForeignKey(
        "dialogue_sessions.DialogueSession", on_delete=models.CASCADE, related_name="attendances"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "session"], name="session_attendance_one_per_member_session")
        ]

    def __str__(self):
        return gettext("%(member)s in %(session)s") % {"member": self.member, "session": self.session}


class Commitment(models.Model):
    """What a member will try at home before the exchange meets again,
    asked for when a session closes."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="commitments")
    session = models.ForeignKey(
        "dialogue_sessions.DialogueSession", on_delete=models.CASCADE, related_name="commitments"
    )
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "session"], name="commitment_one_per_member_session")]

    def __str__(self):
        return self.text[:60]


class CheckIn(models.Model):
    """A member's answer, between meetings, about the commitment they made."""

    commitment = models.OneToOneField(Commitment, on_delete=models.CASCADE, related_name="check_in")
    tried = models.TextField(_("What did you try?"), blank=True)
    how_working = models.TextField(_("How is it working?"), blank=True)
    learning = models.TextField(_("What are you learning?"), blank=True)
    next_step = models.TextField(_("What next?"), blank=True)
    share_in_opening_round = models.BooleanField(
        default=True, help_text=_("Offer this answer to open the next meeting's first round.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("check-in")

    def __str__(self):
        return gettext("Check-in on %(commitment)s") % {"commitment": self.commitment}
