from django import forms

from participants.models import ExchangeRole

from .fields import time_zone_choices
from .models import Exchange


class ExchangeForm(forms.ModelForm):
    class Meta:
        model = Exchange
        fields = ["title", "purpose", "convening_organisation", "time_zone", "status", "recording_terms"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3}), "recording_terms": forms.Textarea(attrs={"rows": 4})}


class ExchangeCreateForm(ExchangeForm):
    creator_role = forms.ChoiceField(
        label="Your role in this exchange",
        choices=[(ExchangeRole.FACILITATOR, "Facilitator"), (ExchangeRole.CONVENER, "Convener")],
    )


__all__ = ["ExchangeForm", "ExchangeCreateForm", "time_zone_choices"]
