"""Forms of the archive pages: filters and search, review choices, theme management."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchanges.models import Meeting, Team
from participants.models import StakeholderRole
from sessions import limits
from sessions.models import Attribution, DialogueSession, Theme

from .selectors import ArchiveFilters


class ArchiveFilterForm(forms.Form):
    """Search and filters over the exchange's archive (GET)."""

    q = forms.CharField(label=gettext_lazy("Search the words"), required=False, max_length=200)
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False, empty_label=gettext_lazy("Any team")
    )
    role = forms.ChoiceField(label=gettext_lazy("Stakeholder role"), required=False)
    meeting = forms.ModelChoiceField(
        label=gettext_lazy("Meeting"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any meeting"),
    )
    theme = forms.ModelChoiceField(
        label=gettext_lazy("Theme"),
        queryset=Theme.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any theme"),
    )
    session = forms.ModelChoiceField(queryset=DialogueSession.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, exchange_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = cast("forms.ModelChoiceField[Team]", self.fields["team"])
        team.queryset = Team.objects.filter(exchange_id=exchange_id).order_by("community_name")
        cast(forms.ChoiceField, self.fields["role"]).choices = [("", _("Any role")), *StakeholderRole.choices]
        meeting = cast("forms.ModelChoiceField[Meeting]", self.fields["meeting"])
        meeting.queryset = Meeting.objects.filter(exchange_id=exchange_id).order_by("number")
        # Replaced on this instance, so the function takes no ``self``; the stubs type only the method.
        meeting.label_from_instance = lambda m: f"{m.number}. {m.title}"  # type: ignore[method-assign, assignment]
        theme = cast("forms.ModelChoiceField[Theme]", self.fields["theme"])
        theme.queryset = Theme.objects.filter(exchange_id=exchange_id).order_by("name")
        session = cast("forms.ModelChoiceField[DialogueSession]", self.fields["session"])
        session.queryset = DialogueSession.objects.filter(meeting__exchange_id=exchange_id)

    def filters(self) -> ArchiveFilters:
        if not self.is_valid():
            return ArchiveFilters()
        data = self.cleaned_data
        return ArchiveFilters(
            q=data.get("q") or "",
            team=data.get("team"),
            role=data.get("role") or "",
            meeting=data.get("meeting"),
            theme=data.get("theme"),
            session=data.get("session"),
        )


REVIEW_CONSENTS = [(value, label) for value, label in Attribution.choices]


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(label=gettext_lazy("How may these words be attributed?"), choices=REVIEW_CONSENTS)


class WindowForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Review window (days after the close)"), min_value=1, max_value=60)


class ThemeCreateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("New theme"), max_length=limits.THEME_NAME_MAX)


class ThemeRenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("New name"), max_length=limits.THEME_NAME_MAX)


class ThemeMergeForm(forms.Form):
    source = forms.ModelChoiceField(label=gettext_lazy("Merge this theme"), queryset=Theme.objects.none())
    target = forms.ModelChoiceField(label=gettext_lazy("into this theme"), queryset=Theme.objects.none())

    def __init__(self, *args: Any, exchange_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        themes = Theme.objects.filter(exchange_id=exchange_id).order_by("name")
        cast("forms.ModelChoiceField[Theme]", self.fields["source"]).queryset = themes
        cast("forms.ModelChoiceField[Theme]", self.fields["target"]).queryset = themes


class FollowThroughForm(forms.Form):
    theme = forms.ModelChoiceField(
        label=gettext_lazy("Theme"),
        queryset=Theme.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any theme"),
    )
    question = forms.ChoiceField(label=gettext_lazy("Question"), required=False)

    def __init__(self, *args: Any, exchange_id: int, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        theme = cast("forms.ModelChoiceField[Theme]", self.fields["theme"])
        theme.queryset = Theme.objects.filter(exchange_id=exchange_id).order_by("name")
        question = cast(forms.ChoiceField, self.fields["question"])
        question.choices = [("", _("Every question")), *[(q, q) for q in questions]]
