"""Exchanges, their teams and their meetings.

An exchange is a series of meetings that the same jurisdictional teams attend
over months; continuity is the point, so meetings are numbered in the series
in the order they are held (a meeting added between two others takes its
place by date, and the later ones move up a number) and carry their own time
zone (each may be held somewhere else).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields import TimeZoneField


class Exchange(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CONCLUDED = "concluded", _("Concluded")

    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    convening_organisation = models.CharField(_("convening organisation"), max_length=200)
    time_zone = TimeZoneField(_("time zone"), help_text=_("The exchange's home time zone."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    recording_terms = models.TextField(
        _("recording terms"),
        blank=True,
        help_text=_("What members agree to when they join: how their words are recorded and shared."),
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
        URBAN = "urban", _("Urban")
        SUBURBAN = "suburban", _("Suburban")
        RURAL = "rural", _("Rural")

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="teams")
    community_name = models.CharField(max_length=120)
    state_region = models.CharField(_("state or region"), max_length=80)
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
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="meetings")
    number = models.PositiveSmallIntegerField(
        help_text=_("Its place in the series by date: 1, 2, 3 … Kept in date order by the scheduling services.")
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = TimeZoneField(help_text=_("Where the meeting is held; times are entered in this zone."))
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(max_length=300, blank=True, help_text=_("Venue and address, for in-person and hybrid."))
    link = models.URLField(blank=True, help_text=_("Video call link, for online and hybrid."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["exchange", "starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "number"], name="meeting_unique_number_per_exchange"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(condition=Q(number__gte=1), name="meeting_number_positive"),
        ]

    def __str__(self):
        return gettext("Meeting %(number)s: %(title)s") % {"number": self.number, "title": self.title}

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


# --- Between meetings: reminder schedules and the outbox -------------------------
