"""Exchange list, creation and detail pages, from every side."""

import pytest
from django.urls import reverse

from exchanges.models import Exchange
from participants.models import Member

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client, exchange):
    response = client.get(reverse("exchange_detail", args=[exchange.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_member_of_another_exchange_gets_404(client, exchange, outsider):
    client.force_login(outsider.user)
    assert client.get(reverse("exchange_detail", args=[exchange.pk])).status_code == 404


def test_participant_sees_exchange(client, participant):
    client.force_login(participant.user)
    response = client.get(reverse("exchange_detail", args=[participant.exchange_id]))
    assert response.status_code == 200
    assert participant.exchange.title in response.content.decode()


def test_list_shows_only_my_exchanges(client, participant, outsider):
    client.force_login(participant.user)
    body = client.get(reverse("exchange_list")).content.decode()
    assert participant.exchange.title in body
    assert outsider.exchange.title not in body


def test_list_counts_everyone_in_each_exchange(client, participant, facilitator, make_member):
    """The list says how many people an exchange has, not only the reader."""
    make_member("participant")
    client.force_login(participant.user)
    body = client.get(reverse("exchange_list")).content.decode()
    assert "3 members" in body


def test_creating_an_exchange_makes_the_creator_its_facilitator(client, stranger):
    client.force_login(stranger)
    response = client.post(
        reverse("exchange_create"),
        {
            "title": "Trust Exchange",
            "convening_organisation": "Civic League",
            "time_zone": "America/Denver",
            "status": "draft",
            "creator_role": "facilitator",
        },
    )
    exchange = Exchange.objects.get(title="Trust Exchange")
    assert response.status_code == 302
    assert Member.objects.get(exchange=exchange, user=stranger).exchange_role == "facilitator"


def test_unknown_time_zone_is_refused_and_creates_nothing(client, stranger):
    client.force_login(stranger)
    response = client.post(
        reverse("exchange_create"),
        {
            "title": "X",
            "convening_organisation": "Y",
            "time_zone": "Mars/Olympus",
            "status": "draft",
            "creator_role": "facilitator",
        },
    )
    assert response.status_code == 200
    assert not Exchange.objects.exists()
