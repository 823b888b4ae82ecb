"""Forms for signing in, inviting, joining, profiles and RSVPs.

Forms only parse and label; the rules (who may, what is allowed) live in
``participants.services``, answered by ``participants.permissions``. A form
offers only the choices its user may make, but still accepts every role the
exchange knows, so a role someone may not give is refused by the service
with a message saying why, never by a bare "not one of the choices".
"""

from typing import TYPE_CHECKING, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.fields import TimeZoneSelect, time_zone_choices
from core.middleware import language_choice

from .models import ExchangeRole, Member, StakeholderRole
from .permissions import can_change_exchange_role, exchange_roles_offered, own_role_note

if TYPE_CHECKING:  # annotations only: exchanges sits above participants
    from exchanges.models import Exchange, Team


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def language_field_add(form: forms.Form, *, initial: str) -> None:
    """A "Language" choice among the offered languages, only when there is more than one (docs/languages.md).

    Blank (also when the field is left out) follows the browser: a later
    browser in another language still wins, and emails, which have no browser
    to ask, are in the site's language. On accepting an invitation it starts at
    the browser's language and is kept, so emails follow it too.
    """
    if not language_choice():
        return
    form.fields["language"] = forms.ChoiceField(
        # Not "Language": the header's switcher is named that on the same page.
        label=_("Your language"),
        choices=[("", _("The one my browser asks for")), *settings.OFFERED_LANGUAGES],
        required=False,
        initial=initial,
        help_text=_("Pages, the live room and your emails are in this language."),
    )


def invitation_language_field_add(form: forms.Form) -> None:
    """The language of an invitation's emails, when more than one is offered (docs/languages.md)."""
    if not language_choice():
        return
    form.fields["language"] = forms.ChoiceField(
        label=_("Language of the invitation email"),
        choices=settings.OFFERED_LANGUAGES,
        required=False,
        initial=settings.LANGUAGE_CODE,
        help_text=_(
            "The invitation and its reminders are written in it. "
            "Someone who has already chosen a language on Common Ground reads theirs."
        ),
    )


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.community_name}, {obj.state_region}"


def _offer_exchange_roles(field: forms.ChoiceField, offered: list[tuple[str, str]]) -> None:
    """Show only ``offered``; accept any role, which the service then judges."""
    field.choices = ExchangeRole.choices
    field.widget.choices = offered


def _team_field(exchange: "Exchange") -> TeamChoiceField:
    return TeamChoiceField(
        label=_("Team"),
        queryset=exchange.teams.all(),
        required=False,
        empty_label=_("No team"),
    )


class InvitationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    team: "forms.ModelChoiceField[Team]" = forms.ModelChoiceField(queryset=None, required=False)  # see __init__
    stakeholder_role = forms.ChoiceField(
        label=_("Stakeholder role"), choices=StakeholderRole.choices, initial=StakeholderRole.OTHER
    )
    exchange_role = forms.ChoiceField(
        label=_("Role in the exchange"), choices=ExchangeRole.choices, initial=ExchangeRole.PARTICIPANT
    )

    def __init__(self, *args, exchange: "Exchange", actor: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = _team_field(exchange)
        _offer_exchange_roles(cast(forms.ChoiceField, self.fields["exchange_role"]), exchange_roles_offered(actor))
        invitation_language_field_add(self)
        self.order_fields(["name", "email", "team", "stakeholder_role", "exchange_role", "language"])


class BulkInvitationForm(forms.Form):
    rows = forms.CharField(
        label=_("People to invite, one per line"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text=format_lazy(
            _(
                "Write each person as: name, email, team, stakeholder role. The team is the community name; "
                "the stakeholder role is one of: {roles}. "
                "Put a name containing a comma in double quotes. Nobody is invited until every line is right."
            ),
            roles=format_lazy(", ".join(["{}"] * len(StakeholderRole.labels)), *StakeholderRole.labels),
        ),
        max_length=100_000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invitation_language_field_add(self)

    def show_row_errors(self) -> None:
        """Tie the box to the list of bad lines shown above it.

        The lines are listed apart from the box (they are about its content,
        not about one field), so a screen reader would otherwise hear only
        the help text when it reaches the box, and not that it needs fixing.
        """
        self.fields["rows"].widget.attrs.update(
            {"aria-invalid": "true", "aria-describedby": "bulk-errors id_rows_helptext"}
        )


class AcceptInvitationForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name as others will see it"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    pronouns = forms.CharField(label=_("Pronouns (optional)"), max_length=40, required=False)
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=time_zone_choices,
        help_text=_("Meeting times are shown to you in this zone."),
        widget=TimeZoneSelect(browser="preselect"),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    consent = forms.BooleanField(
        label=_("I have read the recording terms above and agree to them"),
        required=True,
        error_messages={"required": _("You need to agree to the recording terms to join.")},
    )

    def __init__(self, *args, needs_password: bool, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_password:
            del self.fields["password"]
        language_field_add(self, initial=language)
        if self.is_bound:  # the person has chosen: the page shown again keeps their answer
            self.fields["time_zone"].widget.attrs["data-time-zone-picker"] = ""


class MemberSelfForm(forms.Form):
    display_name = forms.CharField(label=_("Your name as others will see it"), max_length=120)
    pronouns = forms.CharField(label=_("Pronouns (optional)"), max_length=40, required=False)
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=time_zone_choices,
        help_text=_("Meeting times are shown to you in this zone."),
        widget=TimeZoneSelect(browser="suggest"),
    )

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        language_field_add(self, initial=language)


class MemberRolesForm(forms.Form):
    team: "forms.ModelChoiceField[Team]" = forms.ModelChoiceField(queryset=None, required=False)  # see __init__
    stakeholder_role = forms.ChoiceField(label=_("Stakeholder role"), choices=StakeholderRole.choices)
    exchange_role = forms.ChoiceField(label=_("Role in the exchange"), choices=ExchangeRole.choices)

    def __init__(self, *args, exchange: "Exchange", actor: Member, target: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = _team_field(exchange)
        role = cast(forms.ChoiceField, self.fields["exchange_role"])
        if can_change_exchange_role(actor, target):
            offered = exchange_roles_offered(actor)
        else:
            # One's own role is changed by someone else; show it, offer nothing else.
            offered = [(target.exchange_role, target.get_exchange_role_display())]
            role.help_text = own_role_note(target)
        _offer_exchange_roles(role, offered)
        self.order_fields(["team", "stakeholder_role", "exchange_role"])
