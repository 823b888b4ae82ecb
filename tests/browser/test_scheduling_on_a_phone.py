"""The facilitator's scheduling and people pages on a phone, in a real browser."""

import io

import pytest
from django.core.management import call_command

from tests.browser.conftest import assert_no_serious_axe_violations, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_facilitator_pages_fit_a_phone_and_pass_axe(new_context):
    """At 390 px no page scrolls sideways as a whole (wide tables scroll inside
    their own box), and every page passes axe, wide tables included."""
    from demo import seed as demo
    from exchanges.models import Exchange

    call_command("seed_demo", stdout=io.StringIO())
    exchange = Exchange.objects.get(title=demo.EXCHANGE_TITLE)
    meeting = exchange.meetings.order_by("number").first()
    session = meeting.sessions.order_by("planned_start").first()
    page = new_context(viewport=PHONE).new_page()
    login(page, demo.demo_email("facilitator1"), demo.DEMO_PASSWORD)
    for path in [
        f"/exchanges/{exchange.pk}/",
        f"/exchanges/{exchange.pk}/composition/",
        f"/exchanges/{exchange.pk}/people/",
        f"/exchanges/{exchange.pk}/people/invite-many/",
        f"/exchanges/{exchange.pk}/series/",
        f"/exchanges/{exchange.pk}/outbox/",
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/attendance/",
        f"/meetings/{meeting.pk}/sessions/new/",
        f"/meetings/{meeting.pk}/sessions/{session.pk}/edit/",
        "/me/schedule/",
    ]:
        page.goto(path)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path} is {widths[0]} px wide on a {widths[1]} px screen"
        assert_no_serious_axe_violations(page)
