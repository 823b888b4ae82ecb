"""Wide tables scroll sideways on a phone; a keyboard must be able to scroll them too."""

import re

import pytest
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

WRAPPER = re.compile(r'<div class="table-scroll"[^>]*>')


@pytest.mark.parametrize(
    "name, arg",
    [
        ("exchange_detail", "exchange"),
        ("exchange_composition", "exchange"),
        ("member_list", "exchange"),
        ("exchange_series", "exchange"),
        ("exchange_outbox", "exchange"),
        ("meeting_attendance", "meeting"),
    ],
)
def test_every_scrolling_table_can_be_reached_and_is_named(client, facilitator, exchange, meeting, team, name, arg):
    """Each scrolling wrapper takes keyboard focus and is a named region, so a
    keyboard user can scroll it and a screen reader says which table it holds."""
    MemberFactory(exchange=exchange, team=team)
    client.force_login(facilitator.user)
    target = exchange if arg == "exchange" else meeting
    body = client.get(reverse(name, args=[target.pk])).content.decode()
    wrappers = WRAPPER.findall(body)
    assert wrappers, f"{name} has no scrolling table"
    for wrapper in wrappers:
        assert 'tabindex="0"' in wrapper
        assert 'role="region"' in wrapper
        assert re.search(r'aria-label="[^"]+"', wrapper)
