"""Every page of the app, as the people who may see it, in Chromium: axe and the Nu HTML checker.

One exchange with one of everything (``tests/permissions/world.py``, plus a
lively open room, an expired invitation and tampered links) and the
demonstration exchange (``seed_demo``) are visited page by page, each page as
a role that may open it: the facilitator, a participant, the convener, the
scribe, the demo's facilitator, a signed-out visitor. Forms are also seen in
their error state, after an invalid submission; the live room, console and
projector after their scripts have connected and drawn them (on a phone too);
the error pages (403, 404, 410, 400, 500, 429) as well.

On each page axe-core must find no serious or critical violation. The HTML
the server sent and the DOM after scripts (``page.content()``) are saved with
the HTML of every kind of email, and the Nu HTML checker reads them all in one
run at the end: no error.

``VISITS`` names each URL by its name in the urlconf. A URL name that is
neither visited nor in ``SKIPPED`` (with the reason) fails
``test_every_url_name_is_visited_or_skipped_for_a_reason``, so a new page is
checked from the day it is added. docs/accessibility.md says how to add one."""

import datetime as dt
import itertools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.browser.conftest import login, nu_check, serious_axe_violations
from tests.conftest import nu_checker_missing
from tests.factories import DialogueSessionFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"

# URL names (or ``name(params)`` for a name routed twice) that are not HTML pages, with the reason.
SKIPPED = {
    "healthz": "JSON for load balancers",
    "favicon": "a redirect to the site's icon",
    "logout": "POST only (the sign-out button is on every page visited signed in)",
    "calendar_feed": "an iCalendar feed, not HTML",
    "calendar_token_reset": "POST only; answers with a redirect",
    "meeting_rsvp": "POST only; answers with a redirect",
    "invitation_revoke": "POST only; answers with a redirect",
    "invitation_resend": "POST only; answers with a redirect",
    "archive_publish": "POST only; answers with a redirect",
    "archive_export(fmt,session_id)": "a CSV or JSON file",
    "archive_export(exchange_id,fmt)": "a CSV or JSON file",
    "my_data_export": "a JSON file",
    "javascript_catalog": "JavaScript (the scripts' strings), not HTML",
    "language_set": "POST only; answers with a redirect",
}
# Django's admin (staff only) is Django's own markup, not this app's.
SKIPPED_PREFIXES = ("admin/", settings.STATIC_URL.lstrip("/"))


@dataclass(frozen=True)
class Visit:
    """One page to open: a URL name, who opens it, and what to do there.

    ``objects`` maps a URL parameter to the world's object for it when the
    default (``PARAMETERS``) is not the one wanted. ``invalid`` makes it a
    form in its error state: each named field is set to the value given
    (browser-side checks off), and the form is submitted.
    """

    name: str
    role: str
    objects: dict[str, str] = field(default_factory=dict)
    invalid: dict[str, str] | None = None
    status: int | tuple[int, ...] = 200
    room: bool = False  # wait for the live room's socket to connect and draw
    phone: bool = False  # a phone-sized window (the layout changes)
    key: str = ""  # which route, for a name routed twice
    query: str = ""

    @property
    def label(self) -> str:
        state = " (form errors)" if self.invalid is not None else ""
        state += " on a phone" if self.phone else ""
        return f"{self.key or self.name} as {self.role}{state}{' ' + self.query if self.query else ''}"


FAC, PART, CONV, SCRIBE, OUT = "facilitator", "participant", "convener", "scribe", "signed out"
DEMO = "the demo's facilitator"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

VISITS = [
    # Accounts
    Visit("login", OUT),
    Visit("login", OUT, invalid={"username": "nobody@example.org", "password": "wrong"}),
    Visit("exchange_list", PART),
    Visit("exchange_list", CONV),
    Visit("my_schedule", PART),
    Visit("my_data", PART),
    Visit("my_account_delete", PART),
    Visit("my_account_delete", PART, invalid={"password": "not my password"}),
    # Exchanges, teams, meetings
    Visit("exchange_create", PART),
    Visit("exchange_create", PART, invalid={"title": ""}),
    Visit("exchange_detail", FAC),
    Visit("exchange_detail", PART),
    Visit("exchange_edit", FAC),
    Visit("exchange_edit", FAC, invalid={"title": ""}),
    Visit("exchange_edit", PART, status=403),
    Visit("exchange_composition", PART),
    Visit("exchange_series", FAC),
    Visit("team_create", FAC),
    Visit("team_create", FAC, invalid={"community_name": ""}),
    Visit("team_edit", FAC),
    Visit("team_edit", FAC, invalid={"community_name": ""}),
    Visit("meeting_create", FAC),
    Visit("meeting_create", FAC, invalid={"title": ""}),
    Visit("meeting_detail", FAC),
    Visit("meeting_detail", PART),
    Visit("meeting_edit", FAC),
    Visit("meeting_edit", FAC, invalid={"title": ""}),
    Visit("meeting_cancel", FAC),
    Visit("meeting_attendance", FAC),
    # People
    Visit("member_list", FAC),
    Visit("invitation_create", FAC),
    Visit("invitation_create", FAC, invalid={"name": "", "email": "not an address"}),
    Visit("invitations_bulk", FAC),
    Visit("invitations_bulk", FAC, invalid={"rows": "Only a name, no address"}),
    Visit("member_edit", FAC),
    Visit("member_edit_self", PART),
    Visit("member_edit_self", PART, invalid={"display_name": ""}),
    Visit("invitation_accept", OUT),
    Visit("invitation_accept", OUT, invalid={"display_name": "", "password": ""}),
    Visit("invitation_accept", PART, status=403),
    Visit("invitation_accept", OUT, objects={"token": "expired_invitation"}, status=410),
    # Between meetings
    Visit("exchange_outbox", FAC),
    Visit("exchange_checkins", FAC),
    Visit("meeting_reminders", FAC),
    Visit("meeting_reminders", FAC, invalid={"amount": "0"}),
    Visit("reminders_unsubscribe", OUT),
    Visit("reminders_unsubscribe", OUT, objects={"token": "bad_unsubscribe"}, status=400),
    Visit("checkin_answer", OUT),
    Visit("checkin_answer", OUT, objects={"token": "bad_checkin"}, status=403),
    Visit("commitment_checkin", PART),
    # Sessions and the live room
    Visit("session_create", FAC),
    Visit("session_create", FAC, invalid={"title": ""}),
    Visit("session_edit", FAC),
    Visit("session_edit", FAC, invalid={"title": ""}),
    Visit("session_room", PART, objects={"session_id": "open_session"}, room=True),
    Visit("session_room", SCRIBE, objects={"session_id": "open_session"}, room=True),
    Visit("session_room", PART, room=True),  # scheduled: not yet open
    Visit("session_room", PART, objects={"session_id": "archived_session"}, room=True),  # closed
    Visit("session_console", FAC, objects={"session_id": "open_session"}, room=True),
    Visit("session_console", FAC, room=True),  # scheduled: the button that opens it
    Visit("session_console", FAC, objects={"session_id": "archived_session"}, room=True),  # closed
    Visit("session_projector", FAC, objects={"session_id": "open_session"}, room=True),
    # Paused, in quiet reflection: the room's held and timed states.
    Visit("session_room", PART, objects={"session_id": "quiet_session"}, room=True),
    Visit("session_console", FAC, objects={"session_id": "quiet_session"}, room=True),
    Visit("session_projector", FAC, objects={"session_id": "quiet_session"}, room=True),
    Visit("session_room", PART, objects={"session_id": "open_session"}, room=True, phone=True),
    Visit("session_console", FAC, objects={"session_id": "open_session"}, room=True, phone=True),
    Visit("meeting_detail", PART, phone=True),
    # Archives
    Visit("archive_review", PART, objects={"session_id": "review_session"}),
    Visit("archive_review", FAC, objects={"session_id": "review_session"}),
    Visit("archive_review", FAC, objects={"session_id": "review_session"}, invalid={"days": "0"}),
    Visit("archive_transcript", PART, objects={"session_id": "archived_session"}),
    Visit("archive_transcript", CONV, objects={"session_id": "archived_session"}),
    # Closed but not yet published: a page that says so (or the 404 page).
    Visit("archive_transcript", PART, objects={"session_id": "review_session"}, status=(200, 404)),
    Visit("archive_equity", CONV, objects={"session_id": "archived_session"}),
    Visit("archive_exchange", CONV),
    Visit("archive_exchange", PART, query="?q=trust"),
    Visit("archive_themes", FAC),
    Visit("archive_themes", FAC, invalid={"name": ""}),
    Visit("archive_theme", CONV),
    Visit("archive_exchange_equity", CONV),
    Visit("archive_followthrough", CONV),
    Visit("archive_access_log", CONV),
    # Error pages: a member without the managing role (403 above), and a page that is not there.
    Visit("exchange_detail", PART, objects={"exchange_id": "missing"}, status=404),
    # The demonstration exchange (``seed_demo``): nine teams and 39 people fill the lists and grids.
    Visit("exchange_detail", DEMO, objects={"exchange_id": "demo_exchange"}),
    Visit("exchange_composition", DEMO, objects={"exchange_id": "demo_exchange"}),
    Visit("exchange_series", DEMO, objects={"exchange_id": "demo_exchange"}),
    Visit("member_list", DEMO, objects={"exchange_id": "demo_exchange"}),
    Visit("meeting_detail", DEMO, objects={"meeting_id": "demo_meeting"}),
    Visit("my_schedule", DEMO),
]

# How to find each URL parameter's value in the world (a Visit's ``objects`` may name another).
PARAMETERS: dict[str, Callable] = {
    "exchange_id": lambda w: w.exchange.pk,
    "team_id": lambda w: w.team.pk,
    "meeting_id": lambda w: w.meeting.pk,
    "session_id": lambda w: w.session.pk,
    "open_session": lambda w: w.open_session.pk,
    "archived_session": lambda w: w.archived_session.pk,
    "quiet_session": lambda w: w.quiet_session.pk,
    "review_session": lambda w: w.review_session.pk,
    "invitation_id": lambda w: w.invitation.pk,
    "member_id": lambda w: w.members["participant"].pk,
    "commitment_id": lambda w: w.commitment.pk,
    "theme_id": lambda w: w.exchange.themes.order_by("pk").first().pk,
    "missing": lambda w: 999_999,
    "demo_exchange": lambda w: w.demo.exchange.pk,
    "demo_meeting": lambda w: w.demo.exchange.meetings.get(number=1).pk,
}
TOKENS = {"invitation_accept": "invitation", "reminders_unsubscribe": "unsubscribe", "checkin_answer": "checkin"}


def _walk(resolver: URLResolver | None = None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield entry.name, sorted(entry.pattern.regex.groupindex)


def url_names() -> dict[str, tuple[str, list[str]]]:
    """key -> (URL name, parameters) for every URL of the app; the key is ``name(params)`` for a name routed twice."""
    found = list(_walk())
    counts: dict[str, int] = {}
    for name, _ in found:
        counts[name] = counts.get(name, 0) + 1
    return {(name if counts[name] == 1 else f"{name}({','.join(params)})"): (name, params) for name, params in found}


def test_every_url_name_is_visited_or_skipped_for_a_reason():
    """A new page cannot escape the checks: every URL name is visited (or skipped, with why), and no entry is stale."""
    names = url_names()
    unnamed = [key for key in names if not names[key][0]]
    visited = {v.key or v.name for v in VISITS}
    assert not unnamed, "URLs without a name cannot be checked"
    assert sorted(set(names) - visited - set(SKIPPED)) == [], "add a Visit (or a SKIPPED reason) for these URL names"
    assert sorted((visited | set(SKIPPED)) - set(names)) == [], "these entries name URLs that no longer exist"
    assert sorted(visited & set(SKIPPED)) == [], "visited and skipped at once"


# --- The world --------------------------------------------------------------------------

_client_ids = itertools.count()


def _lively_room(world) -> None:
    """The open session mid-way: several speakers, a reply, a reflection, a theme, a raised hand, a
    go-around under way and a private request for a pause."""
    from sessions import services as room
    from sessions.models import Contribution

    fac = world.members["facilitator"]
    second = MemberFactory(exchange=world.exchange, team=world.team, display_name="Rosa Delgado")
    world.members["second"] = second
    for member in (world.members["participant"], second, world.members["scribe"]):
        room.presence_join(session_id=world.open_session.pk, member=member, channel_name=f"every-page.{member.pk}")

    def say(member, text, **kwargs):
        result = room.contribution_create(
            session_id=world.open_session.pk,
            member=member,
            client_id=f"every-page-{next(_client_ids)}",
            text=text,
            **kwargs,
        )
        return Contribution.objects.get(pk=result["contribution_id"])

    first = world.open_session.contributions.order_by("pk").first()
    reply = say(
        second, "The youth council met the precinct captain — in Arabic: الثقة تُبنى ببطء.", reply_to_id=first.pk
    )
    room.acknowledgement_create(
        session_id=world.open_session.pk,
        member=world.members["participant"],
        contribution_id=reply.pk,
        reflection="Yes",
    )
    theme = world.exchange.themes.order_by("pk").first()
    room.theme_tag(session_id=world.open_session.pk, member=fac, contribution_id=first.pk, theme_id=theme.pk)
    room.hand_raise(session_id=world.open_session.pk, member=second, kind="new_point")
    participant = world.members["participant"]
    room.round_start(
        session_id=world.open_session.pk, member=fac, order="arranged", member_ids=[participant.pk, second.pk]
    )
    room.pause_request(session_id=world.open_session.pk, member=second)

    # A second open session, paused in the middle of a quiet reflection.
    world.quiet_session = DialogueSessionFactory(meeting=world.next_meeting, title="Quiet session")
    PhaseFactory(session=world.quiet_session, order=1, title="Quiet", planned_minutes=20)
    room.session_open(session_id=world.quiet_session.pk, member=fac)
    room.reflection_start(session_id=world.quiet_session.pk, member=fac, seconds=600)
    room.room_pause(session_id=world.quiet_session.pk, member=fac)


def _emails(world, folder: str) -> list[str]:
    """The HTML part of every kind of email the app sends, saved as files for the Nu HTML checker."""
    from django.core import mail

    from participants.emails import invitation_email_send
    from reminders.emails import reminder_email_build
    from reminders.models import Reminder

    now = timezone.now()
    rows = [
        world.reminder,
        Reminder(
            exchange=world.exchange,
            kind=Reminder.Kind.INVITATION_FOLLOWUP,
            invitation=world.invitation,
            offset_minutes=3 * 24 * 60,
        ),
        Reminder(
            exchange=world.exchange,
            kind=Reminder.Kind.CHECKIN,
            member=world.members["participant"],
            commitment=world.commitment,
            meeting=world.next_meeting,
        ),
        Reminder(
            exchange=world.exchange,
            kind=Reminder.Kind.DIGEST,
            member=world.members["participant"],
            session=world.review_session,
        ),
    ]
    messages = [reminder_email_build(row, now=now) for row in rows]
    mail.outbox = []
    invitation_email_send(invitation_id=world.invitation.pk)
    messages += mail.outbox
    paths = []
    for index, message in enumerate(messages):
        [html] = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
        path = os.path.join(folder, f"email-{index:02d}-{_slug(message.subject)}.html")
        with open(path, "w", encoding="utf-8") as out:
            out.write(html)
        paths.append(path)
    return paths


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


# --- Visiting -------------------------------------------------------------------------------


def _url(world, visit: Visit) -> str:
    name, params = url_names()[visit.key or visit.name]
    kwargs = {}
    for param in params:
        if param == "token":
            kwargs[param] = world.secrets[visit.objects.get("token", TOKENS[name])]
        else:
            kwargs[param] = PARAMETERS[visit.objects.get(param, param)](world)
    return reverse(name, kwargs=kwargs) + visit.query


def _submit_invalid(page, values: dict[str, str]):
    """Fill the named fields of one form as given, turn the browser's checks off, submit it; return the answer."""
    first = page.locator(f'main [name="{next(iter(values))}"]').first
    form = first.locator("xpath=ancestor::form[1]")
    for name, value in values.items():
        control = form.locator(f'[name="{name}"]').first
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.evaluate("f => { f.noValidate = true; }")
    with page.expect_navigation() as navigation:
        form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first.click()
    return navigation.value


def _more_world(world) -> None:
    """What the permissions world lacks: the demonstration exchange, an expired invitation, tampered links."""
    from demo import seed as demo
    from participants.invitations import invitation_token
    from participants.models import Invitation

    world.demo = demo.demo_seed()
    world.logins = {role: (world.members[role].user.email, PASSWORD) for role in (FAC, PART, CONV, SCRIBE)}
    world.logins[DEMO] = (demo.demo_email("facilitator1"), demo.DEMO_PASSWORD)
    now = timezone.now()
    expired = Invitation.objects.create(
        exchange=world.exchange,
        email="late@example.org",
        name="Late Comer",
        team=world.team,
        created_at=now - dt.timedelta(days=30),
        expires_at=now - dt.timedelta(days=16),
        invited_by=world.members["facilitator"].user,
    )
    world.secrets["expired_invitation"] = invitation_token(expired)
    for name in ("unsubscribe", "checkin"):
        token = world.secrets[name]
        world.secrets[f"bad_{name}"] = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


def _rendered_without_a_route(live_server_url: str) -> dict[str, str]:
    """Pages no URL leads to on purpose: the server error page and the too-many-attempts page."""
    from django.test import RequestFactory
    from django.views.csrf import csrf_failure
    from django.views.defaults import server_error

    from participants.views import rate_limited

    request = RequestFactory().get("/", HTTP_HOST=live_server_url.removeprefix("http://"))
    return {
        "the server error page (500)": server_error(request).content.decode(),
        "the too-many-attempts page (429)": rate_limited(request).content.decode(),
        "the form-not-sent page (403, CSRF)": csrf_failure(request).content.decode(),
    }


def _save(folder: str, saved: dict[str, str], name: str, html: str, what: str) -> None:
    path = os.path.join(folder, f"{len(saved):03d}-{_slug(name)}.html")
    with open(path, "w", encoding="utf-8") as out:
        out.write(html)
    saved[path] = what


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_page_passes_axe_and_the_nu_html_checker(live_server_url, new_context, tmp_path, language):
    """Each page in ``VISITS``, as its role sees it (and each form after an invalid
    submission), has no serious axe violation; then the Nu HTML checker finds no
    error in any of them, as sent and as drawn, nor in any email. In each offered
    language: browsers asking for it, accounts that chose it, ``<html lang>`` saying it."""
    from participants.models import User
    from tests.permissions.world import build_world

    world = build_world()
    _lively_room(world)
    _more_world(world)
    User.objects.update(language="" if language == "en" else language)
    pages = {}
    for role, phone in sorted({(v.role, v.phone) for v in VISITS}):
        pages[role, phone] = new_context(locale=language, **(PHONE if phone else {})).new_page()
        if role != OUT:
            login(pages[role, phone], *world.logins[role])

    folder = str(tmp_path)
    saved: dict[str, str] = {}  # file -> what it is
    problems: list[str] = []
    for visit in VISITS:
        page = pages[visit.role, visit.phone]
        url = _url(world, visit)
        response = page.goto(url)
        expected = visit.status if isinstance(visit.status, tuple) else (visit.status,)
        if visit.invalid is not None:
            response = _submit_invalid(page, visit.invalid)
            expected = (200, 400, 422)
        if response.status not in expected:
            problems.append(f"{visit.label}: {page.url} answered {response.status}, not {visit.status}")
            continue
        _save(folder, saved, visit.label, response.text(), f"{visit.label}, as sent ({page.url})")
        if visit.room:
            page.wait_for_selector('#connection-status:not([data-status="connecting"])', state="attached")
            page.wait_for_timeout(300)  # the first frames drawn
        _save(folder, saved, visit.label, page.content(), f"{visit.label}, after scripts ({page.url})")
        if page.locator("html").get_attribute("lang") != language:
            problems.append(f"{visit.label} ({page.url}): <html lang> is not {language!r}")
        lines = serious_axe_violations(page)
        if lines:
            problems.append(f"{visit.label} ({page.url}):\n" + "\n".join(lines))

    page = pages[OUT, False]
    for what, html in _rendered_without_a_route(live_server_url).items():
        page.goto("/accounts/login/")
        page.set_content(html)  # at the site's address, so its stylesheet loads
        _save(folder, saved, what, html, what)
        lines = serious_axe_violations(page)
        if lines:
            problems.append(f"{what}:\n" + "\n".join(lines))

    for path in _emails(world, folder):
        saved[path] = f"email {os.path.basename(path)}"

    assert not problems, "\n".join(problems)
    missing = nu_checker_missing()
    if missing:
        pytest.skip(f"every page passes axe; the Nu HTML checker did not run: {missing}")
    errors = nu_check(list(saved))
    assert not errors, _nu_report(errors, saved)


def _nu_report(errors: list[dict], saved: dict[str, str]) -> str:
    """The checker's errors grouped by message, each with the pages (and lines) it was found on."""
    by_message: dict[str, list[str]] = {}
    for error in errors:
        url = error.get("url", "")
        where = saved.get(url.removeprefix("file:"), url)
        place = f"{where}, line {error.get('lastLine')}: {error.get('extract', '')!r}"
        by_message.setdefault(error["message"], []).append(place)
    lines = [f"{len(errors)} Nu HTML checker errors, {len(by_message)} different:"]
    for message, places in sorted(by_message.items(), key=lambda item: -len(item[1])):
        lines.append(f"- {message} ({len(places)}×)")
        lines.extend(f"    {place}" for place in places[:4])
        if len(places) > 4:
            lines.append(f"    … and {len(places) - 4} more")
    return "\n".join(lines)
