"""Forms for exchanges, teams, meetings, RSVPs and attendance.

Forms only parse what was typed; the services check the rules (meetings numbered
by date, end after start, place or link for the mode) so the same rules
hold however a change arrives. Times are parsed as wall-clock times with no
zone attached: the service places them in the meeting's own time zone.
"""

import datetime as dt
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.fields import TimeZoneSelect, time_zone_choices
from participants.models import RSVP, ExchangeRole

from .models import Exchange, Meeting, Team
from .services import aware_to_local

LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class LocalDateTimeField(forms.Field):
    """A date and time as read off a clock where the meeting is held (no zone).

    Django's own DateTimeField would attach the server's zone; here the zone
    is chosen separately, so the value stays naive until a service places it.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {"invalid": _("Enter a date and time, for example 2026-03-07 09:30.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        text = str(value).strip()
        for fmt in LOCAL_INPUT_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class ExchangeForm(forms.ModelForm):
    class Meta:
        model = Exchange
        fields = ["title", "purpose", "convening_organisation", "time_zone", "status", "recording_terms"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3}), "recording_terms": forms.Textarea(attrs={"rows": 4})}


class ExchangeCreateForm(ExchangeForm):
    creator_role = forms.ChoiceField(
        label=_("Your role in this exchange"),
        choices=[
            (ExchangeRole.FACILITATOR, ExchangeRole.FACILITATOR.label),
            (ExchangeRole.CONVENER, ExchangeRole.CONVENER.label),
        ],
    )


class TeamForm(forms.Form):
    community_name = forms.CharField(label=_("Community name"), max_length=120)
    state_region = forms.CharField(label=_("State or region"), max_length=80)
    locale_type = forms.ChoiceField(label=_("Kind of place"), choices=Team.LocaleType.choices)

    @classmethod
    def initial_for(cls, team: Team) -> dict:
        return {
            "community_name": team.community_name,
            "state_region": team.state_region,
            "locale_type": team.locale_type,
        }


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        widget=TimeZoneSelect,
        help_text=_("Where the meeting is held. The times below are in this zone."),
    )
    starts_local = LocalDateTimeField(label=_("Starts (local time)"))
    ends_local = LocalDateTimeField(label=_("Ends (local time)"))
    mode = forms.ChoiceField(label=_("Mode"), choices=Meeting.Mode.choices)
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        help_text=_("Venue and address, for in-person and hybrid meetings."),
    )
    link = forms.URLField(
        label=_("Video call link"),
        assume_scheme="https",
        max_length=200,
        required=False,
        help_text=_("For online and hybrid meetings."),
    )

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict:
        return {
            "title": meeting.title,
            "time_zone": meeting.time_zone,
            "starts_local": aware_to_local(meeting.starts_at, meeting.time_zone),
            "ends_local": aware_to_local(meeting.ends_at, meeting.time_zone),
            "mode": meeting.mode,
            "place": meeting.place,
            "link": meeting.link,
        }


class RSVPForm(forms.Form):
    response = forms.ChoiceField(label=_("Will you come?"), choices=RSVP.Response.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note for the organisers (optional)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. arriving after lunch")}),
    )


class AttendanceForm(forms.Form):
    """The members ticked as present: every member recorded as present is
    ticked when the page opens, so sending it unchanged clears nobody."""

    present = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, member_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["present"]).choices = [(pk, pk) for pk in member_ids]
