"""Members edit their own details; facilitators place members in teams and roles."""

import pytest
from django.urls import reverse

from participants.models import Member
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_member_edits_own_name_pronouns_and_time_zone(client, participant):
    """A member sets how they are named and the zone they read times in."""
    client.force_login(participant.user)
    url = reverse("member_edit_self", args=[participant.exchange_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"display_name": "Jo", "pronouns": "they/them", "time_zone": "Europe/London"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert (participant.display_name, participant.pronouns, participant.time_zone) == (
        "Jo",
        "they/them",
        "Europe/London",
    )


def test_own_details_cannot_change_team_or_role(client, participant, exchange):
    """Extra fields posted to the self-edit page are ignored: nobody promotes themselves."""
    other = TeamFactory(exchange=exchange)
    client.force_login(participant.user)
    client.post(
        reverse("member_edit_self", args=[exchange.pk]),
        {
            "display_name": "Jo",
            "time_zone": "Europe/London",
            "exchange_role": "facilitator",
            "team": other.pk,
        },
    )
    participant.refresh_from_db()
    assert participant.exchange_role == "participant"
    assert participant.team != other


def test_unknown_time_zone_is_refused(client, participant):
    """A made-up time zone is refused and nothing is saved."""
    client.force_login(participant.user)
    response = client.post(
        reverse("member_edit_self", args=[participant.exchange_id]), {"display_name": "Jo", "time_zone": "Mars/Base"}
    )
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.display_name != "Jo"


def test_self_edit_from_outside_is_refused(client, exchange, outsider):
    """Anonymous visitors sign in; members of other exchanges get 404."""
    url = reverse("member_edit_self", args=[exchange.pk])
    assert reverse("login") in client.get(url)["Location"]
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404


def test_facilitator_changes_a_members_team_and_roles(client, facilitator, participant, exchange):
    """A facilitator moves a member to another team and makes them a scribe."""
    other = TeamFactory(exchange=exchange)
    client.force_login(facilitator.user)
    response = client.post(
        reverse("member_edit", args=[exchange.pk, participant.pk]),
        {"team": other.pk, "stakeholder_role": "academic", "exchange_role": "scribe"},
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert (participant.team, participant.stakeholder_role, participant.exchange_role) == (other, "academic", "scribe")


@pytest.mark.parametrize("role", ["participant", "scribe"])
def test_non_facilitator_cannot_change_roles(client, make_member, participant, exchange, role):
    """Participants and scribes get 403, and nothing changes."""
    actor = make_member(role)
    client.force_login(actor.user)
    url = reverse("member_edit", args=[exchange.pk, participant.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"team": "", "stakeholder_role": "academic", "exchange_role": "convener"})
    assert response.status_code == 403
    participant.refresh_from_db()
    assert participant.exchange_role == "participant"


def test_member_of_another_exchange_cannot_be_edited(client, facilitator, outsider):
    """A facilitator cannot reach a member of another exchange (404), nor an outsider ours."""
    client.force_login(facilitator.user)
    assert client.get(reverse("member_edit", args=[facilitator.exchange_id, outsider.pk])).status_code == 404
    client.force_login(outsider.user)
    assert client.get(reverse("member_edit", args=[facilitator.exchange_id, facilitator.pk])).status_code == 404


def test_team_of_another_exchange_is_not_offered(client, facilitator, participant, outsider):
    """Placing a member in another exchange's team is refused."""
    client.force_login(facilitator.user)
    client.post(
        reverse("member_edit", args=[facilitator.exchange_id, participant.pk]),
        {"team": outsider.team_id, "stakeholder_role": "academic", "exchange_role": "participant"},
    )
    participant.refresh_from_db()
    assert participant.team_id != outsider.team_id


def test_last_facilitator_cannot_step_down(client, facilitator):
    """Nobody steps down by themselves, so an exchange is never left without someone to run it."""
    client.force_login(facilitator.user)
    response = client.post(
        reverse("member_edit", args=[facilitator.exchange_id, facilitator.pk]),
        {"team": "", "stakeholder_role": "other", "exchange_role": "participant"},
    )
    assert response.status_code == 200
    assert "You cannot change your own role in the exchange" in response.content.decode()
    assert Member.objects.get(pk=facilitator.pk).exchange_role == "facilitator"


def test_a_convener_lets_a_facilitator_step_down(client, facilitator, convener):
    """A facilitator who wants to step down is made a participant by someone else."""
    client.force_login(convener.user)
    response = client.post(
        reverse("member_edit", args=[facilitator.exchange_id, facilitator.pk]),
        {"team": "", "stakeholder_role": "other", "exchange_role": "participant"},
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=facilitator.pk).exchange_role == "participant"
