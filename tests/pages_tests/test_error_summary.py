"""Every form that comes back refused opens with the error summary.

The summary is the GOV.UK pattern: at the top of the page, titled "There is a
problem", focusable (static/js/forms.js focuses it), each problem a link to an
element of the page that exists; the page's title starts with "Error: ". Each
form page is posted with something wrong and its answer checked, and every
template that renders a form's fields is checked to include the summary, so a
new form page cannot be added without it.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from participants import services as participant_services
from participants.invitations import invitation_token
from participants.models import Commitment
from sessions.models import DialogueSession
from tests.factories import DialogueSessionFactory, MeetingFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _summary(body: str) -> str:
    """The error summary's markup, failing when the page has none."""
    start = body.find("data-error-summary")
    assert start != -1, "no error summary on the page"
    assert 'tabindex="-1"' in body[body.rfind("<div", 0, start) : start + 60]
    return body[start : body.index("</ul>", start)]


def assert_error_summary(response, *, expect: str | None = None, title: bool = True) -> None:
    """The page opens with the summary; its links lead to elements of the page."""
    body = response.content.decode()
    summary = _summary(body)
    assert "There is a problem" in summary
    assert 'role="alert"' in summary or 'role="alert"' in body[body.rfind("<div", 0, body.find("There is a problem")) :]
    # Before the page's heading: it is the first thing read.
    assert body.find("data-error-summary") < body.find("<h1")
    items = re.findall(r"<li>(.*?)</li>", summary, flags=re.S)
    assert items, "the summary lists nothing"
    for anchor in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{anchor}"' in body, f"the summary links to #{anchor}, which is not on the page"
    if expect is not None:
        assert expect in summary
    if title:
        assert re.search(r"<title>Error: ", body), "the page title does not start with 'Error: '"


def test_sign_in(client):
    response = client.post(reverse("login"), {"email": "nobody@example.org", "password": "wrong"})
    assert_error_summary(response)


def test_a_form_that_is_not_refused_has_no_summary(client):
    body = client.get(reverse("login")).content.decode()
    assert "data-error-summary" not in body
    assert "<title>Error: " not in body


def test_exchange_forms(client, facilitator, exchange):
    client.force_login(facilitator.user)
    assert_error_summary(client.post(reverse("exchange_create"), {"title": ""}), expect='href="#id_title"')
    assert_error_summary(client.post(reverse("exchange_edit", args=[exchange.pk]), {"title": ""}))
    assert_error_summary(client.post(reverse("team_create", args=[exchange.pk]), {"community_name": ""}))


def test_meeting_form_online_without_a_link(client, facilitator, exchange):
    """The issue's case: the service's refusal is listed and linked to the link's box."""
    client.force_login(facilitator.user)
    start = timezone.localdate() + dt.timedelta(days=40)
    response = client.post(
        reverse("meeting_create", args=[exchange.pk]),
        {
            "number": 1,
            "title": "Online check-in",
            "starts_local": f"{start.isoformat()}T18:00",
            "ends_local": f"{start.isoformat()}T19:30",
            "time_zone": "America/New_York",
            "mode": "online",
            "place": "",
            "link": "",
        },
    )
    assert_error_summary(response, expect='href="#id_link"')


def test_session_form_with_agenda_errors(client, facilitator, exchange):
    client.force_login(facilitator.user)
    meeting = MeetingFactory(exchange=exchange)
    response = client.post(
        reverse("session_create", args=[meeting.pk]),
        {"title": "", "phases-TOTAL_FORMS": "1", "phases-INITIAL_FORMS": "0", "phases-0-planned_minutes": "-5"},
    )
    assert_error_summary(response, expect='href="#id_title"')


def test_people_forms(client, facilitator, participant, exchange):
    client.force_login(facilitator.user)
    assert_error_summary(client.post(reverse("invitation_create", args=[exchange.pk]), {"email": "not an address"}))
    bulk = client.post(
        reverse("invitations_bulk", args=[exchange.pk]), {"rows": "Cy, cy@example.org, Atlantis, Academic\n"}
    )
    assert_error_summary(bulk, expect='href="#id_rows"')
    assert_error_summary(
        client.post(reverse("member_edit", args=[exchange.pk, participant.pk]), {"exchange_role": "emperor"})
    )
    assert_error_summary(client.post(reverse("member_edit_self", args=[exchange.pk]), {"display_name": ""}))


def test_joining_from_an_invitation(client, facilitator, exchange):
    invitation = participant_services.invitation_create(
        member=facilitator, exchange=exchange, name="Ana Ruiz", email="ana@example.org"
    )
    response = client.post(reverse("invitation_accept", args=[invitation_token(invitation)]), {"display_name": ""})
    assert_error_summary(response)


def test_reminders_and_check_ins(client, facilitator, participant, exchange):
    client.force_login(facilitator.user)
    meeting = MeetingFactory(exchange=exchange)
    response = client.post(reverse("meeting_reminders", args=[meeting.pk]), {"action": "add", "amount": "0"})
    assert_error_summary(response, expect='href="#id_amount"')

    session = DialogueSessionFactory(meeting=meeting, state=DialogueSession.State.CLOSED)
    MeetingFactory(exchange=exchange, starts_at=meeting.starts_at + dt.timedelta(days=30))
    commitment = Commitment.objects.create(member=participant, session=session, text="Walk the beat on Fridays.")
    client.force_login(participant.user)
    response = client.post(reverse("commitment_checkin", args=[commitment.pk]), {"tried": " "})
    assert_error_summary(response)


def test_account_deletion(client, participant):
    client.force_login(participant.user)
    response = client.post(reverse("my_account_delete"), {"password": "wrong"})
    # The radio buttons' question links to its first option.
    assert_error_summary(response)


def test_a_refusal_after_a_redirect_is_a_summary_too(client, facilitator, exchange):
    """Forms that answer with a message (the themes page, the review page) show
    their refusal as the summary on the page they return to."""
    client.force_login(facilitator.user)
    response = client.post(reverse("archive_themes", args=[exchange.pk]), {"action": "create", "name": ""}, follow=True)
    assert_error_summary(response, expect="A theme name has")
    assert 'class="messages"' not in response.content.decode()


def test_every_form_template_includes_the_summary():
    """A page that renders a form's fields, or a refusal of its own, includes the summary."""
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if path.parent.name in ("includes", "emails") or "emails" in path.parts:
            continue
        renders_fields = "includes/form_fields.html" in text or "form.visible_fields" in text
        if renders_fields and "includes/error_summary.html" not in text:
            missing.append(str(path.relative_to(TEMPLATES)))
    assert not missing, f"form pages without the error summary: {missing}"
    assert "includes/messages.html" in (TEMPLATES / "base.html").read_text()
