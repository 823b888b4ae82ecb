"""Who may open and submit each scheduling page.

Anonymous visitors are sent to sign in; people outside the exchange are told
nothing exists (404); members without a managing role may read but not change
(403); facilitators and conveners may do both.
"""

import pytest
from django.urls import reverse

from exchanges.models import Exchange, Meeting, Team
from sessions.models import DialogueSession

pytestmark = pytest.mark.django_db

READ_PAGES = ["exchange_detail", "exchange_composition", "meeting_detail"]
MANAGE_PAGES = [
    "exchange_edit",
    "team_create",
    "team_edit",
    "meeting_create",
    "meeting_edit",
    "meeting_cancel",
    "session_create",
    "session_edit",
]


@pytest.fixture
def urls(exchange, team, meeting, session):
    def url(name):
        args = {
            "exchange_detail": [exchange.pk],
            "exchange_composition": [exchange.pk],
            "exchange_edit": [exchange.pk],
            "team_create": [exchange.pk],
            "team_edit": [team.pk],
            "meeting_create": [exchange.pk],
            "meeting_detail": [meeting.pk],
            "meeting_edit": [meeting.pk],
            "meeting_cancel": [meeting.pk],
            "session_create": [meeting.pk],
            "session_edit": [meeting.pk, session.pk],
        }[name]
        return reverse(name, args=args)

    return url


def _snapshot():
    """Everything a refused request must leave untouched."""
    return (
        list(Exchange.objects.values()),
        list(Team.objects.values()),
        list(Meeting.objects.values()),
        list(DialogueSession.objects.values()),
    )


# Enough for any of the forms to pass if the request were allowed.
POST_DATA = {
    "title": "Changed",
    "purpose": "",
    "convening_organisation": "Changed org",
    "time_zone": "America/New_York",
    "status": "active",
    "recording_terms": "",
    "community_name": "Changed town",
    "state_region": "NM",
    "locale_type": "rural",
    "number": "1",
    "starts_local": "2030-03-07T09:00",
    "ends_local": "2030-03-07T17:00",
    "mode": "online",
    "link": "https://meet.example.org/x",
    "place": "",
    "question": "Changed?",
    "guiding_prompts": "",
    "attribution_default": "named",
    "phases-TOTAL_FORMS": "0",
    "phases-INITIAL_FORMS": "0",
    "phases-MIN_NUM_FORMS": "0",
    "phases-MAX_NUM_FORMS": "30",
}


@pytest.mark.parametrize("name", READ_PAGES + MANAGE_PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(client, urls, name):
    """Every scheduling page asks an anonymous visitor to sign in first."""
    response = client.get(urls(name))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_anonymous_post_is_sent_to_sign_in_and_changes_nothing(client, urls, name):
    before = _snapshot()
    response = client.post(urls(name), POST_DATA)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert _snapshot() == before


@pytest.mark.parametrize("name", READ_PAGES + MANAGE_PAGES)
@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_people_outside_the_exchange_get_404(client, urls, name, who, request):
    """A member of another exchange, or of none, cannot learn the exchange exists."""
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(urls(name)).status_code == 404


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_outsider_post_gets_404_and_changes_nothing(client, urls, name, outsider):
    client.force_login(outsider.user)
    before = _snapshot()
    assert client.post(urls(name), POST_DATA).status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("name", READ_PAGES)
@pytest.mark.parametrize("role", ["participant", "scribe", "facilitator", "convener"])
def test_every_member_may_read(client, urls, name, role, request):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    assert client.get(urls(name)).status_code == 200


@pytest.mark.parametrize("name", MANAGE_PAGES)
@pytest.mark.parametrize("role", ["participant", "scribe"])
def test_members_without_a_managing_role_are_refused_forms(client, urls, name, role, request):
    """Participants and scribes get 403 on every page that changes the schedule."""
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    assert client.get(urls(name)).status_code == 403


def test_refusal_says_why_and_where_to_go(client, urls, participant):
    """A participant who opens a facilitator's page is told, on a page of the
    site, that only facilitators and conveners may do this, with a way back."""
    client.force_login(participant.user)
    response = client.get(urls(MANAGE_PAGES[0]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "<h1>This page is not open to you</h1>" in body
    assert "Only the exchange&#x27;s facilitators and conveners may do this." in body
    assert reverse("exchange_list") in body


@pytest.mark.parametrize("name", MANAGE_PAGES)
@pytest.mark.parametrize("role", ["participant", "scribe"])
def test_members_without_a_managing_role_cannot_post(client, urls, name, role, request):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    before = _snapshot()
    assert client.post(urls(name), POST_DATA).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("name", MANAGE_PAGES)
@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_facilitators_and_conveners_get_the_forms(client, urls, name, role, request):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    assert client.get(urls(name)).status_code == 200


def test_session_of_another_meeting_is_not_found_under_this_one(client, facilitator, exchange, session):
    """The meeting in a session's address must be its own."""
    from tests.factories import MeetingFactory

    other = MeetingFactory(exchange=exchange, number=9)
    client.force_login(facilitator.user)
    assert client.get(reverse("session_edit", args=[other.pk, session.pk])).status_code == 404


def test_meeting_cancel_refuses_other_methods(client, facilitator, meeting):
    client.force_login(facilitator.user)
    assert client.put(reverse("meeting_cancel", args=[meeting.pk])).status_code == 405
