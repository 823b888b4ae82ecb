"""The exchange page as a hub, editing an exchange, and adding and editing teams."""

import datetime as dt

import pytest
from django.urls import reverse

from exchanges.models import Exchange, Team
from tests.factories import DialogueSessionFactory, MeetingFactory, MemberFactory, TeamFactory

from .helpers import page_text

pytestmark = pytest.mark.django_db


def test_hub_lists_meetings_in_order_with_local_times_and_links(client, participant, exchange, meeting):
    """Each meeting shows its number, title, local time range, mode, place and a link to its page."""
    MeetingFactory(
        exchange=exchange,
        number=2,
        title="Online follow-up",
        mode="online",
        place="",
        link="https://meet.example.org/follow-up",
        starts_at=meeting.starts_at + dt.timedelta(days=90),
        ends_at=meeting.starts_at + dt.timedelta(days=90, hours=2),
        status="cancelled",
    )
    client.force_login(participant.user)
    response = client.get(reverse("exchange_detail", args=[exchange.pk]))
    body = response.content.decode()
    text = page_text(response)
    assert body.index("Opening meeting") < body.index("Online follow-up")
    assert reverse("meeting_detail", args=[meeting.pk]) in body
    assert "Thu 7 Mar 2030, 09:00–17:00 EST" in text
    assert "Community Hall, 1 Main Street" in body
    assert "https://meet.example.org/follow-up" in body
    assert "Cancelled" in body
    # A participant sees no management links.
    assert reverse("meeting_create", args=[exchange.pk]) not in body
    assert reverse("exchange_edit", args=[exchange.pk]) not in body


def test_hub_offers_managers_their_links(client, facilitator, exchange, team):
    client.force_login(facilitator.user)
    body = client.get(reverse("exchange_detail", args=[exchange.pk])).content.decode()
    for url in (
        reverse("exchange_edit", args=[exchange.pk]),
        reverse("meeting_create", args=[exchange.pk]),
        reverse("team_create", args=[exchange.pk]),
        reverse("team_edit", args=[team.pk]),
        reverse("exchange_composition", args=[exchange.pk]),
    ):
        assert url in body


def test_hub_shows_times_in_the_viewers_zone_too(client, participant, meeting):
    """A member in Chicago sees the New York meeting at 08:00 their time as well."""
    client.force_login(participant.user)
    text = page_text(client.get(reverse("exchange_detail", args=[meeting.exchange_id])))
    assert "Your time: Thu 7 Mar 2030, 08:00–16:00 CST" in text


def test_hub_queries_do_not_grow_with_meetings_and_teams(client, facilitator, exchange, django_assert_max_num_queries):
    for n in range(12):
        TeamFactory(exchange=exchange)
        m = MeetingFactory(exchange=exchange, number=n + 10)
        DialogueSessionFactory(meeting=m)
    for _ in range(20):
        MemberFactory(exchange=exchange, team=exchange.teams.first())
    client.force_login(facilitator.user)
    # 7: the meetings' sessions come in one prefetch (a meeting over several days is shown a day at a time).
    with django_assert_max_num_queries(7):
        response = client.get(reverse("exchange_detail", args=[exchange.pk]))
    assert response.status_code == 200


# --- Editing the exchange -----------------------------------------------------

EXCHANGE_DATA = {
    "title": "Renamed exchange",
    "purpose": "Trust.",
    "convening_organisation": "Civic League",
    "time_zone": "America/Denver",
    "status": "active",
    "recording_terms": "Named unless you choose otherwise.",
}


@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_manager_edits_the_exchange(client, exchange, role, request):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    response = client.post(reverse("exchange_edit", args=[exchange.pk]), EXCHANGE_DATA)
    assert response.status_code == 302
    exchange.refresh_from_db()
    assert exchange.title == "Renamed exchange"
    assert exchange.time_zone == "America/Denver"


def test_invalid_exchange_edit_changes_nothing(client, facilitator, exchange):
    client.force_login(facilitator.user)
    before = Exchange.objects.values().get(pk=exchange.pk)
    response = client.post(
        reverse("exchange_edit", args=[exchange.pk]), {**EXCHANGE_DATA, "title": "", "time_zone": "Mars/Base"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"title", "time_zone"}
    assert Exchange.objects.values().get(pk=exchange.pk) == before


def test_exchange_edit_form_is_labelled_and_submits_with_save_exchange(client, facilitator, exchange):
    client.force_login(facilitator.user)
    body = client.get(reverse("exchange_edit", args=[exchange.pk])).content.decode()
    assert 'for="id_title"' in body
    assert "Save exchange" in body


# --- Teams --------------------------------------------------------------------

TEAM_DATA = {"community_name": "Dalton", "state_region": "GA", "locale_type": "suburban"}


@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_manager_adds_a_team(client, exchange, role, request):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    response = client.post(reverse("team_create", args=[exchange.pk]), TEAM_DATA)
    assert response.status_code == 302
    team = Team.objects.get(exchange=exchange, community_name="Dalton")
    assert (team.state_region, team.locale_type) == ("GA", "suburban")


def test_duplicate_community_is_a_form_error_not_a_crash(client, facilitator, exchange):
    """The same community cannot have two teams in one exchange, whatever the capitals."""
    TeamFactory(exchange=exchange, community_name="Dalton")
    client.force_login(facilitator.user)
    count = Team.objects.count()
    response = client.post(reverse("team_create", args=[exchange.pk]), {**TEAM_DATA, "community_name": "dalton"})
    assert response.status_code == 200
    assert "already has a team from dalton" in " ".join(response.context["form"].errors["community_name"])
    assert Team.objects.count() == count


def test_the_same_community_may_have_a_team_in_another_exchange(client, facilitator, exchange, outsider):
    TeamFactory(exchange=outsider.exchange, community_name="Dalton")
    client.force_login(facilitator.user)
    assert client.post(reverse("team_create", args=[exchange.pk]), TEAM_DATA).status_code == 302


def test_renaming_a_team_onto_another_is_refused(client, facilitator, exchange, team):
    TeamFactory(exchange=exchange, community_name="Dalton")
    client.force_login(facilitator.user)
    before = Team.objects.values().get(pk=team.pk)
    response = client.post(reverse("team_edit", args=[team.pk]), TEAM_DATA)
    assert response.status_code == 200
    assert response.context["form"].errors["community_name"]
    assert Team.objects.values().get(pk=team.pk) == before


def test_manager_edits_a_team_keeping_its_own_name(client, convener, team):
    client.force_login(convener.user)
    response = client.post(
        reverse("team_edit", args=[team.pk]),
        {"community_name": team.community_name, "state_region": "MN", "locale_type": "rural"},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.state_region, team.locale_type) == ("MN", "rural")


def test_team_form_requires_every_field(client, facilitator, exchange):
    client.force_login(facilitator.user)
    count = Team.objects.count()
    response = client.post(reverse("team_create", args=[exchange.pk]), {"community_name": "", "locale_type": "moon"})
    assert set(response.context["form"].errors) == {"community_name", "state_region", "locale_type"}
    assert Team.objects.count() == count
