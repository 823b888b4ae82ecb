"""Each person's language: which languages are offered, how a page, a switch,
an invitation and an email choose theirs (docs/languages.md)."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from config.settings import offered_languages
from participants import emails as participant_emails
from participants.invitations import invitation_token
from participants.models import User
from participants.services import calendar_token_reset
from reminders import emails as reminder_emails
from reminders.models import Reminder

pytestmark = pytest.mark.django_db

BOTH = [("en", "English"), ("es", "Español")]
PASSWORD = "a long and unusual passphrase"


def test_a_language_is_offered_only_once_its_catalog_is_compiled(tmp_path):
    assert offered_languages(settings.LANGUAGES, tmp_path) == [("en", "English")]
    (tmp_path / "es" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "es" / "LC_MESSAGES" / "django.po").write_text("")
    assert offered_languages(settings.LANGUAGES, tmp_path) == [("en", "English")]
    (tmp_path / "es" / "LC_MESSAGES" / "django.mo").write_bytes(b"")
    assert offered_languages(settings.LANGUAGES, tmp_path) == BOTH


@override_settings(OFFERED_LANGUAGES=[("en", "English")])
def test_with_english_alone_a_spanish_browser_reads_english_and_sees_no_choice(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "language-switcher" not in body
    assert reverse("javascript_catalog") not in body
    response = client.get(reverse("invitation_accept", args=[invitation_token(world.invitation)]))
    assert 'name="language"' not in response.content.decode()


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_the_browser_the_cookie_and_the_person_choose_in_that_order(client, world):
    assert '<html lang="es">' in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").content.decode()
    assert '<html lang="en">' in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr,en;q=0.5").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    user = world.user("participant")
    user.language = "es"
    user.save()
    client.force_login(user)
    body = client.get(reverse("exchange_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in body
    assert f'src="{reverse("javascript_catalog")}?language=es"' in body


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_the_header_switcher_keeps_a_signed_in_persons_language(client, world):
    user = world.user("participant")
    client.force_login(user)
    page = client.get(reverse("exchange_list")).content.decode()
    assert 'class="inline-form language-switcher"' in page
    response = client.post(reverse("language_set"), {"language": "es", "next": reverse("my_schedule")})
    assert response.status_code == 302 and response["Location"] == reverse("my_schedule")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    user.refresh_from_db()
    assert user.language == "es"


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_the_switcher_sets_only_the_cookie_for_a_visitor_and_refuses_other_languages(client):
    response = client.post(reverse("language_set"), {"language": "es", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert client.post(reverse("language_set"), {"language": "fr"}).status_code == 400


@override_settings(OFFERED_LANGUAGES=[("en", "English")])
def test_the_switcher_refuses_a_language_not_yet_offered(client):
    assert client.post(reverse("language_set"), {"language": "es"}).status_code == 400


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_the_language_chosen_on_joining_is_kept(client, world):
    url = reverse("invitation_accept", args=[invitation_token(world.invitation)])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.8").content.decode()
    assert '<option value="es" selected>' in form  # from the browser's Accept-Language
    data = {
        "display_name": "Dana",
        "time_zone": "America/Denver",
        "password": PASSWORD,
        "consent": "on",
        "language": "es",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert User.objects.get(email=world.invitation.email).language == "es"


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_the_language_can_be_changed_with_ones_details(client, world):
    member = world.members["participant"]
    client.force_login(member.user)
    url = reverse("member_edit_self", args=[world.exchange.pk])
    assert 'name="language"' in client.get(url).content.decode()
    data = {"display_name": member.display_name, "pronouns": "", "time_zone": member.time_zone, "language": "es"}
    assert client.post(url, data).status_code == 302
    member.user.refresh_from_db()
    assert member.user.language == "es"


def _email_languages(monkeypatch, module) -> list[str]:
    """The active language each time ``module`` renders an email template."""
    seen: list[str] = []
    real = module.render_to_string

    def spy(*args, **kwargs):
        seen.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "render_to_string", spy)
    return seen


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_a_reminder_is_written_in_its_recipients_language(world, monkeypatch):
    seen = _email_languages(monkeypatch, reminder_emails)
    world.reminder.member.user.language = "es"
    world.reminder.member.user.save()
    reminder_emails.reminder_email_build(Reminder.objects.get(pk=world.reminder.pk), now=world.meeting.starts_at)
    assert seen and set(seen) == {"es"}
    assert translation.get_language() != "es"  # and only while it was built


@override_settings(OFFERED_LANGUAGES=[("en", "English")])
def test_a_reminder_falls_back_to_the_sites_language_when_the_persons_is_not_offered(world, monkeypatch):
    seen = _email_languages(monkeypatch, reminder_emails)
    world.reminder.member.user.language = "es"
    world.reminder.member.user.save()
    reminder_emails.reminder_email_build(Reminder.objects.get(pk=world.reminder.pk), now=world.meeting.starts_at)
    assert seen and set(seen) == {"en"}


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_an_invitation_is_written_in_the_sites_language(world, monkeypatch):
    seen = _email_languages(monkeypatch, participant_emails)
    with translation.override("es"):
        assert participant_emails.invitation_email_send(invitation_id=world.invitation.pk)
    assert set(seen) == {settings.LANGUAGE_CODE}
    assert mail.outbox


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_joining_without_choosing_follows_the_browser(client, world):
    """Left out (or "The one my browser asks for"): nothing is pinned, and the
    welcome is in the browser's language."""
    url = reverse("invitation_accept", args=[invitation_token(world.invitation)])
    data = {"display_name": "Dana", "time_zone": "America/Denver", "password": PASSWORD, "consent": "on"}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302
    assert User.objects.get(email=world.invitation.email).language == ""
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="es")
    assert page["Content-Language"] == "es"


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_ones_details_offer_following_the_browser_and_can_go_back_to_it(client, world):
    member = world.members["participant"]
    client.force_login(member.user)
    url = reverse("member_edit_self", args=[world.exchange.pk])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<option value="" selected>' in form  # not the browser's language pinned
    data = {"display_name": member.display_name, "pronouns": "", "time_zone": member.time_zone, "language": "es"}
    assert client.post(url, data).status_code == 302
    assert '<option value="es" selected>' in client.get(url).content.decode()
    assert client.post(url, {**data, "language": ""}).status_code == 302
    member.user.refresh_from_db()
    assert member.user.language == ""
    assert client.post(url, {**data, "language": "fr"}).status_code == 200  # not offered: refused
    member.user.refresh_from_db()
    assert member.user.language == ""


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_an_invitation_to_someone_with_an_account_is_in_their_language(world, monkeypatch):
    """Invited to a second exchange: their own language, for the invitation and its follow-up."""
    User.objects.create_user(email=world.invitation.email.upper(), password=PASSWORD, language="es")
    seen = _email_languages(monkeypatch, participant_emails)
    assert participant_emails.invitation_email_send(invitation_id=world.invitation.pk)
    assert set(seen) == {"es"}
    followup = Reminder.objects.create(
        exchange=world.exchange,
        kind=Reminder.Kind.INVITATION_FOLLOWUP,
        invitation=world.invitation,
        offset_minutes=3 * 24 * 60,
        anchor_at=world.invitation.created_at,
        due_at=world.invitation.created_at,
    )
    assert reminder_emails.recipient_language(followup) == "es"
    User.objects.filter(email__iexact=world.invitation.email).update(language="")
    assert reminder_emails.recipient_language(followup) == settings.LANGUAGE_CODE


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_the_calendar_feed_is_in_its_owners_language_whoever_fetches_it(client, world):
    user = world.members["participant"].user
    token = calendar_token_reset(user=user)
    with translation.override("es"):
        spanish = translation.gettext("Common Ground meetings")
    assert spanish != "Common Ground meetings"  # the Spanish catalog is compiled
    url = reverse("calendar_feed", args=[token])
    assert "Common Ground meetings" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    user.language = "es"
    user.save()
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert spanish in response.content.decode()
    assert response["Content-Language"] == "es"  # the owner's, not the fetcher's


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_signing_out_forgets_the_language_cookie_not_the_persons_choice(client, world):
    """On a shared computer the next person reads in their own browser's language."""
    user = world.user("participant")
    client.force_login(user)
    client.post(reverse("language_set"), {"language": "es"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    response = client.post(reverse("logout"))
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # expired
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "en"
    user.refresh_from_db()
    assert user.language == "es"


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_ones_role_is_named_in_ones_language(client, world):
    """ "Your role" on My exchanges is the role's label, not its stored value."""
    user = world.user("participant")
    client.force_login(user)
    with translation.override("es"):
        expected = translation.gettext("Your role: %(role)s") % {"role": translation.gettext("Participant")}
    assert expected != "Your role: Participant"
    page = client.get(reverse("exchange_list"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert expected in page
    assert "Your role: Participant" in client.get(reverse("exchange_list")).content.decode()


def test_the_server_error_page_says_its_language():
    from django.test import RequestFactory
    from django.views.defaults import server_error

    with translation.override("es"):
        body = server_error(RequestFactory().get("/")).content.decode()
    assert '<html lang="es">' in body


def test_an_exchanges_first_themes_are_named_once_in_the_openers_language(db):
    """A Spanish facilitator's first session gives Spanish themes; a later
    English one adds no English copies, and a renamed theme stays renamed."""
    from sessions.models import Theme
    from sessions.services import themes_ensure_defaults
    from tests.factories import ExchangeFactory

    exchange = ExchangeFactory()
    with translation.override("es"):
        themes_ensure_defaults(exchange_id=exchange.pk)
        spanish = {translation.gettext(str(name)) for name in ["Mutual mistrust", "Trauma"]}
    names = set(Theme.objects.filter(exchange=exchange).values_list("name", flat=True))
    assert len(names) == 4 and spanish <= names and "Mutual mistrust" not in names
    first, second = sorted(spanish)
    Theme.objects.filter(exchange=exchange, name=first).update(name="Renamed")
    Theme.objects.filter(exchange=exchange, name=second).delete()
    with translation.override("en"):
        themes_ensure_defaults(exchange_id=exchange.pk)
    assert Theme.objects.filter(exchange=exchange).count() == 3
    assert Theme.objects.filter(exchange=exchange, name="Renamed").exists()
    assert not Theme.objects.filter(exchange=exchange, name__in=["Mutual mistrust", "Trauma", second]).exists()


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_a_facilitator_writes_a_newcomers_invitation_in_spanish(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    """Someone with no account cannot say their language: the inviter chooses
    it for the email and its follow-ups; an account's own choice still wins."""
    seen = _email_languages(monkeypatch, participant_emails)
    facilitator = world.members["facilitator"]
    client.force_login(facilitator.user)
    url = reverse("invitation_create", args=[world.exchange.pk])
    assert 'name="language"' in client.get(url).content.decode()
    data = {"name": "Rosa Delgado", "email": "rosa@example.org", "stakeholder_role": "community_leader"}
    data |= {"exchange_role": "participant", "language": "es"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    from participants.models import Invitation

    invitation = Invitation.objects.get(email="rosa@example.org")
    assert invitation.language == "es"
    assert seen and set(seen) == {"es"}
    followup = Reminder(exchange=world.exchange, kind=Reminder.Kind.INVITATION_FOLLOWUP, invitation=invitation)
    assert reminder_emails.recipient_language(followup) == "es"
    User.objects.create_user(email="rosa@example.org", password=PASSWORD, language="en")
    assert reminder_emails.recipient_language(followup) == "en"

    # Pasted rows take the language chosen for the batch; a language not offered is refused.
    bulk = reverse("invitations_bulk", args=[world.exchange.pk])
    rows = "Ana Ruiz, ana@example.org\nSam Lee, sam@example.org"
    assert client.post(bulk, {"rows": rows, "language": "es"}).status_code == 302
    assert set(
        Invitation.objects.filter(email__in=["ana@example.org", "sam@example.org"]).values_list("language", flat=True)
    ) == {"es"}
    assert client.post(bulk, {"rows": "Lu Wu, lu@example.org", "language": "fr"}).status_code == 200
    assert not Invitation.objects.filter(email="lu@example.org").exists()


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_a_form_refused_for_its_missing_cookie_explains_itself_in_the_readers_language():
    """Django's CSRF refusal is the product's own page, in the reader's language, saying nothing was saved."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("language_set"), {"language": "es"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    body = response.content.decode()
    with translation.override("es"):
        heading = translation.gettext("The form could not be sent")
    assert heading != "The form could not be sent"
    assert '<html lang="es">' in body and heading in body


@override_settings(OFFERED_LANGUAGES=BOTH)
def test_the_joining_question_starts_from_the_browser_else_the_invitations_language(client, world):
    """A newcomer whose browser asks for no offered language starts at the language
    they were invited in; one who left theirs to the browser stays so."""
    world.invitation.language = "es"
    world.invitation.save()
    url = reverse("invitation_accept", args=[invitation_token(world.invitation)])
    assert '<option value="es" selected>' in client.get(url, HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert '<option value="en" selected>' in client.get(url, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    account = User.objects.create_user(email=world.invitation.email, password=PASSWORD, language="")
    client.force_login(account)
    assert '<option value="" selected>' in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
