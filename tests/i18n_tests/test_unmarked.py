"""Every string a person reads is marked for translation (issue 13; docs/languages.md).

Every page of the app (each URL name, as the people who may open it, and the
forms in their error state), every kind of email, the calendar feed and the
live room's ``hello`` are rendered in the pseudo-locale ``xx``
(``tests/i18n_tests/pseudo.py``), where a marked string reads ``⟦msgid⟧``.
Any Latin word left outside the brackets that is not people's own data is a
string nobody marked; each test fails with the list of them. The strings no
visit reaches (errors raised in rare cases, the JavaScript's) are read from
the source (``sources.py``).

Through Django's test client, not a browser: the JavaScript's strings are
checked in its source instead of on the drawn page.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from participants import emails as participant_emails
from reminders.emails import reminder_email_build
from reminders.models import Reminder
from sessions import selectors as session_selectors
from tests.permissions.world import PARAMETERS, World

from . import pseudo
from .sources import javascript_unmarked, python_unmarked

pytestmark = pytest.mark.django_db

ROLES = ("facilitator", "participant", "convener", "anonymous")
# Which secret a ``<token>`` names, by URL name.
TOKENS = {
    "invitation_accept": "invitation",
    "reminders_unsubscribe": "unsubscribe",
    "checkin_answer": "checkin",
    "calendar_feed": "calendar",
}
# Pages whose forms are also seen sent empty (their error state). Nothing here acts on an empty form.
FORMS = ("_create", "_edit", "login", "invitation_accept", "invitations_bulk", "account_delete")
SKIPPED_PREFIXES = ("admin/", "static/", "jsi18n/")


def _report(kind: str, found: list[str]) -> str:
    """Each unmarked string once, with where it was seen ("where: text" entries)."""
    places: dict[str, list[str]] = {}
    for entry in found:
        where, _, text = entry.partition(": ")
        places.setdefault(text, [])
        if where not in places[text]:
            places[text].append(where)
    lines = [
        f"{text!r}  [{', '.join(where[:3])}{f' +{len(where) - 3} more' if len(where) > 3 else ''}]"
        for text, where in places.items()
    ]
    return f"{len(lines)} unmarked {kind}:\n  " + "\n  ".join(lines)


def _routes(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name, prefix + str(pattern.pattern), list(pattern.pattern.converters)


def _url(world: World, name: str, params: list[str]) -> str | None:
    kwargs = {}
    for param in params:
        if param == "token":
            kwargs[param] = world.secrets[TOKENS[name]]
        elif param in PARAMETERS:
            kwargs[param] = PARAMETERS[param](world)
        else:
            return None
    return reverse(name, kwargs=kwargs)


def _client(world: World, role: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = pseudo.PSEUDO
    user = world.user(role) if role != "anonymous" else None
    if user is not None:
        client.force_login(user)
    return client


def _texts(response) -> list[str]:
    content_type = response.get("Content-Type", "")
    body = response.content.decode("utf-8", "replace")
    if content_type.startswith("text/html"):
        return pseudo.html_texts(body)
    if content_type.startswith("text/calendar"):
        return pseudo.calendar_texts(body)
    return []


@pytest.fixture
def pseudo_world(world):
    """The world, each of its people reading in ``xx``."""
    with pseudo.pseudo_offered():
        for user in world.users.values():
            if user is not None:
                user.language = pseudo.PSEUDO
                user.save(update_fields=["language"])
        yield world


def test_every_page_is_marked(pseudo_world):
    world = pseudo_world
    data = pseudo.data_strings()
    clients = {role: _client(world, role) for role in ROLES}
    found: list[str] = []
    seen = 0
    for name, route, params in _routes(get_resolver()):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        url = _url(world, name, params)
        if url is None:
            continue
        form_sent = False
        for role, client in clients.items():
            response = client.get(url)
            texts = _texts(response)
            seen += bool(texts)
            found.extend(f"{name} ({role}): {text}" for text in pseudo.unmarked(texts, data))
            if response.status_code == 200 and not form_sent and any(part in name for part in FORMS):
                form_sent = True
                errors = client.post(url, {})
                found.extend(f"{name} ({role}, form errors): {text}" for text in pseudo.unmarked(_texts(errors), data))
    assert seen > 50, "the walk rendered too few pages to mean anything"
    assert not found, _report("strings on pages", found)


def _reminders(world: World) -> list[Reminder]:
    participant = world.members["participant"]
    common = {"exchange": world.exchange, "anchor_at": timezone.now(), "due_at": timezone.now()}
    return [
        world.reminder,
        Reminder.objects.create(
            kind=Reminder.Kind.INVITATION_FOLLOWUP, invitation=world.invitation, offset_minutes=3 * 24 * 60, **common
        ),
        Reminder.objects.create(
            kind=Reminder.Kind.CHECKIN,
            member=participant,
            commitment=world.commitment,
            meeting=world.next_meeting,
            offset_minutes=0,
            **common,
        ),
        Reminder.objects.create(
            kind=Reminder.Kind.DIGEST, member=participant, session=world.review_session, offset_minutes=0, **common
        ),
        Reminder.objects.create(
            kind=Reminder.Kind.DIGEST, member=participant, session=world.archived_session, offset_minutes=1, **common
        ),
    ]


def _message_texts(message) -> list[str]:
    texts = [message.subject, *pseudo.unbracketed(message.body).splitlines()]
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            texts.extend(pseudo.html_texts(content))
    for part in message.attachments:
        if hasattr(part, "get_content_type") and part.get_content_type() == "text/calendar":
            texts.extend(pseudo.calendar_texts(part.get_payload(decode=True).decode("utf-8")))
    return texts


def test_every_email_is_marked(pseudo_world):
    world = pseudo_world
    found: list[str] = []
    rows = _reminders(world)
    data = pseudo.data_strings()
    # An invitation and its follow-up go out in the site's language: make that ``xx`` for them.
    with pseudo.pseudo_offered(LANGUAGE_CODE=pseudo.PSEUDO):
        for row in rows:
            message = reminder_email_build(row, now=timezone.now() + dt.timedelta(days=30))
            found.extend(f"{row.kind}: {text}" for text in pseudo.unmarked(_message_texts(message), data))
        mail.outbox = []
        assert participant_emails.invitation_email_send(invitation_id=world.invitation.pk)
        found.extend(f"invitation: {text}" for text in pseudo.unmarked(_message_texts(mail.outbox[-1]), data))
    assert not found, _report("strings in emails", found)


def test_the_rooms_hello_is_marked(pseudo_world):
    world = pseudo_world
    data = pseudo.data_strings()
    found: list[str] = []
    with translation.override(pseudo.PSEUDO):
        for role in ("participant", "facilitator"):
            for session in (world.open_session, world.session):
                hello = session_selectors.room_hello(session=session, member=world.members[role], projector=False)
                texts = pseudo.json_texts(hello)
                found.extend(f"hello ({role}, {session.state}): {t}" for t in pseudo.unmarked(texts, data))
    assert not found, _report("strings in the room's hello", found)


def test_strings_handed_to_people_in_python_are_marked():
    found = python_unmarked()
    assert not found, _report("strings in Python", found)


def test_strings_in_javascript_are_marked():
    found = javascript_unmarked()
    assert not found, _report("strings in static/js", found)


def test_the_pseudo_locale_sees_a_marked_and_an_unmarked_string():
    """The harness itself: a marked string disappears, a plain one is reported, data is not."""
    from django.template import Context, Template

    with pseudo.pseudo_offered(), translation.override(pseudo.PSEUDO):
        html = Template(
            '{% load i18n %}<p>{% translate "Save" %}</p><p>Plain words</p><p title="A title">Dana Ruiz</p>'
            '<p>{% blocktranslate with n="Dana Ruiz" %}Welcome, {{ n }}{% endblocktranslate %}</p>'
        ).render(Context())
    assert pseudo.unmarked(pseudo.html_texts(html), pseudo.data_pattern(["Dana Ruiz"])) == ["Plain words", "A title"]
