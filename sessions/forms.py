"""Forms for scheduling a session: its plan and its agenda."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchanges.forms import LocalDateTimeField
from exchanges.models import Meeting
from exchanges.services import aware_to_local

from .models import Attribution, DialogueSession


class DialogueSessionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Session title"), max_length=200)
    question = forms.CharField(
        label=gettext_lazy("Question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The single question the session explores, slowly."),
    )
    guiding_prompts = forms.CharField(
        label=gettext_lazy("Guiding prompts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "One per line, e.g. What have you tried? Why? How is it working? What are you learning? What next?"
        ),
    )
    starts_local = LocalDateTimeField(label=gettext_lazy("Starts (local time)"))
    ends_local = LocalDateTimeField(label=gettext_lazy("Ends (local time)"))
    attribution_default = forms.ChoiceField(
        label=gettext_lazy("How contributions are attributed by default"),
        choices=Attribution.choices,
        help_text=gettext_lazy("Each person may choose differently for each thing they say."),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone_note = _("In %(zone)s, the meeting's time zone.") % {"zone": meeting.time_zone.replace("_", " ")}
        self.fields["starts_local"].help_text = zone_note
        self.fields["ends_local"].help_text = zone_note

    @classmethod
    def initial_for(cls, session: DialogueSession) -> dict[str, Any]:
        zone = session.meeting.time_zone
        return {
            "title": session.title,
            "question": session.question,
            "guiding_prompts": session.guiding_prompts,
            "starts_local": aware_to_local(session.planned_start, zone),
            "ends_local": aware_to_local(session.planned_end, zone),
            "attribution_default": session.attribution_default,
        }


class PhaseForm(forms.Form):
    """One row of the agenda. A row left blank is simply not part of it."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=120, required=False)
    planned_minutes = forms.IntegerField(label=gettext_lazy("Minutes"), min_value=1, max_value=600, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        title = (data.get("title") or "").strip()
        minutes = data.get("planned_minutes")
        if title and minutes is None and "planned_minutes" not in self.errors:
            self.add_error("planned_minutes", _("How many minutes does this phase take?"))
        if minutes is not None and not title:
            self.add_error("title", _("Give this phase a title."))
        return data


class BasePhaseFormSet(forms.BaseFormSet):
    def phases(self) -> list[tuple[str, int]]:
        """The agenda in row order, leaving out blank rows and rows marked for removal."""
        result = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not (data.get("title") or "").strip():
                continue
            result.append((data["title"].strip(), data["planned_minutes"]))
        return result


# formset_factory subclasses ``formset``; the stubs say only BaseFormSet.
PhaseFormSet = cast(
    type[BasePhaseFormSet],
    forms.formset_factory(PhaseForm, formset=BasePhaseFormSet, extra=3, can_delete=True, max_num=30, validate_max=True),
)


# A new session starts with more blank rows: its whole agenda is still to write.
NewSessionPhaseFormSet = cast(
    type[BasePhaseFormSet],
    forms.formset_factory(PhaseForm, formset=BasePhaseFormSet, extra=6, can_delete=True, max_num=30, validate_max=True),
)


def phase_initial(session: DialogueSession) -> list[dict[str, Any]]:
    return [{"title": p.title, "planned_minutes": p.planned_minutes} for p in session.phases.all()]
