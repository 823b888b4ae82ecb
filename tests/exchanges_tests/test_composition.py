"""The team × stakeholder-role composition matrix and its gap flags."""

import pytest
from django.urls import reverse

from exchanges import selectors
from participants.models import StakeholderRole
from tests.factories import MemberFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(exchange):
    """Riverton has everyone it needs; Dalton has no police; Elk Point has nobody."""
    riverton = TeamFactory(exchange=exchange, community_name="Riverton", state_region="OH")
    dalton = TeamFactory(exchange=exchange, community_name="Dalton", state_region="GA")
    elk = TeamFactory(exchange=exchange, community_name="Elk Point", state_region="SD", locale_type="rural")
    for role in ("law_enforcement", "community_leader", "community_leader", "elected_official"):
        MemberFactory(exchange=exchange, team=riverton, stakeholder_role=role)
    for role in ("community_leader", "faith_leader"):
        MemberFactory(exchange=exchange, team=dalton, stakeholder_role=role)
    return riverton, dalton, elk


def test_counts_per_cell_and_totals(exchange, teams):
    composition = selectors.composition_get_for_exchange(exchange=exchange)
    roles = [value for value, _ in composition.roles]
    by_label = {row.label: dict(zip(roles, row.counts, strict=True)) for row in composition.rows}
    assert by_label["Riverton, OH"]["community_leader"] == 2
    assert by_label["Riverton, OH"]["law_enforcement"] == 1
    assert by_label["Dalton, GA"]["faith_leader"] == 1
    assert sum(by_label["Elk Point, SD"].values()) == 0
    assert composition.total == 6
    assert composition.column_totals[roles.index("community_leader")] == 3
    assert roles == list(StakeholderRole.values)


def test_gaps_are_flagged_in_words(client, participant, exchange, teams):
    """A team with no law enforcement member or no community leader is named as having a gap."""
    client.force_login(participant.user)
    response = client.get(reverse("exchange_composition", args=[exchange.pk]))
    composition = response.context["composition"]
    gaps = {row.label: row.gaps for row in composition.rows}
    assert gaps["Riverton, OH"] == []
    assert gaps["Dalton, GA"] == ["No law enforcement member"]
    assert gaps["Elk Point, SD"] == ["No law enforcement member", "No community leader"]
    body = response.content.decode()
    assert "Gap: No law enforcement member" in body
    assert "Gap: No community leader" in body
    assert "<caption>" in body and 'scope="col"' in body and 'scope="row"' in body


def test_participants_not_on_a_team_are_counted_apart(exchange, teams):
    MemberFactory(exchange=exchange, team=None, stakeholder_role="academic")
    MemberFactory(exchange=exchange, team=None, stakeholder_role="academic", exchange_role="facilitator")
    composition = selectors.composition_get_for_exchange(exchange=exchange)
    assert composition.unplaced.total == 1
    assert composition.total == 6


def test_members_of_other_exchanges_are_not_counted(exchange, teams, outsider):
    MemberFactory(exchange=outsider.exchange, team=outsider.team, stakeholder_role="law_enforcement")
    composition = selectors.composition_get_for_exchange(exchange=exchange)
    assert composition.total == 6
    assert all(row.team.exchange_id == exchange.pk for row in composition.rows)


def test_composition_page_queries_are_fixed(client, facilitator, exchange, django_assert_max_num_queries):
    """Many teams and members cost the same number of queries as a few."""
    for t in range(15):
        team = TeamFactory(exchange=exchange, community_name=f"Town {t}")
        for role in StakeholderRole.values[: 1 + t % 7]:
            MemberFactory(exchange=exchange, team=team, stakeholder_role=role)
    client.force_login(facilitator.user)
    with django_assert_max_num_queries(6):  # one of them finds the reader's time zone (core.middleware)
        response = client.get(reverse("exchange_composition", args=[exchange.pk]))
    assert response.status_code == 200
    assert len(response.context["composition"].rows) == 16  # 15 + the facilitator's fixture team


def test_selector_uses_two_queries(exchange, teams, django_assert_num_queries):
    with django_assert_num_queries(2):
        selectors.composition_get_for_exchange(exchange=exchange)
