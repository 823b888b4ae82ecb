"""Forms for the between-meetings pages."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants.models import CheckIn


class ReminderOffsetForm(forms.Form):
    UNITS = {"days": 24 * 60, "hours": 60, "minutes": 1}

    amount = forms.IntegerField(label=gettext_lazy("How long before"), min_value=1, max_value=10000)
    unit = forms.ChoiceField(
        label=gettext_lazy("Unit"),
        choices=[
            ("days", gettext_lazy("days")),
            ("hours", gettext_lazy("hours")),
            ("minutes", gettext_lazy("minutes")),
        ],
        initial="days",
    )
    custom_text = forms.CharField(
        label=gettext_lazy("Text to add to this reminder (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For example what to bring, or a reading to do before the meeting."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if "amount" in data and "unit" in data:
            data["minutes_before"] = data["amount"] * self.UNITS[data["unit"]]
            if data["minutes_before"] > 366 * 24 * 60:
                raise forms.ValidationError(_("A reminder can come at most a year before the meeting."))
        return data


class CheckInForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["tried", "how_working", "learning", "next_step", "share_in_opening_round"]
        labels = {"share_in_opening_round": gettext_lazy("Offer my answer to open the next meeting's first round")}
        widgets = {
            "tried": forms.Textarea(attrs={"rows": 3}),
            "how_working": forms.Textarea(attrs={"rows": 3}),
            "learning": forms.Textarea(attrs={"rows": 3}),
            "next_step": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # ModelForm.clean returns cleaned_data
        if not any((data.get(f) or "").strip() for f in ("tried", "how_working", "learning", "next_step")):
            raise forms.ValidationError(_("Write at least a line in one of the answers."))
        return data
