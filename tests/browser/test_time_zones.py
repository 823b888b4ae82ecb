"""Time zones as a person in Los Angeles meets them.

Invited to an exchange at home in New York, she reads the link's expiry in
New York time, named, at the right instant; the time-zone question on the
joining page already says Los Angeles (her browser's zone) and can be
searched; after joining, meeting times are in Pacific time with the zone
named. A member whose saved zone differs from her device's is offered the
device's zone, and it changes only when she takes it.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from django.core import mail
from django.utils import dateformat, timezone
from playwright.sync_api import expect

from participants import services as participant_services
from participants.models import Invitation, Member
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations
from tests.factories import ExchangeFactory, MeetingFactory, MemberFactory

pytestmark = pytest.mark.browser

LA = "America/Los_Angeles"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Thursday 5 December 2030: 12:00–15:00 in New York, 09:00–12:00 in Los Angeles.
STARTS = dt.datetime(2030, 12, 5, 17, 0, tzinfo=dt.UTC)


def check_page(page) -> None:
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)


@pytest.fixture
def setting(transactional_db):
    exchange = ExchangeFactory(title="Safe Communities Exchange", time_zone="America/New_York")
    facilitator = MemberFactory(
        exchange=exchange, exchange_role="facilitator", team=None, display_name="Kathleen Moreau",
        time_zone="America/New_York",
    )  # fmt: skip
    meeting = MeetingFactory(
        exchange=exchange, number=1, title="Where we are starting", starts_at=STARTS,
        ends_at=STARTS + dt.timedelta(hours=3), time_zone="America/New_York",
    )  # fmt: skip
    return {"exchange": exchange, "facilitator": facilitator, "meeting": meeting}


def test_los_angeles_invitee_joins_in_her_zone_and_reads_pacific_times(new_context, setting, live_server_url):
    exchange, meeting = setting["exchange"], setting["meeting"]
    participant_services.invitation_create(
        member=setting["facilitator"], exchange=exchange, name="Rosa Delgado", email="rosa@example.org"
    )
    invitation = Invitation.objects.get(email="rosa@example.org")

    # --- The email: the expiry in New York time, at the right instant, named ----
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    in_new_york = dateformat.format(timezone.localtime(invitation.expires_at, NEW_YORK), "l j F Y, H:i T")
    assert f"expires on {in_new_york} (America/New York time)" in email.body
    link = re.search(re.escape(live_server_url) + r"/invitations/[^\s\"'<>]+/", email.body)
    assert link, email.body

    # --- The joining page already says Los Angeles ---------------------------
    context = new_context(timezone_id=LA)
    rosa = context.new_page()
    rosa.goto(link.group(0))
    expect(rosa.get_by_role("heading", name="Join Safe Communities Exchange")).to_be_visible()
    question = rosa.get_by_label("Your time zone")
    expect(question).to_have_value(LA)
    expect(rosa.get_by_text("Chosen from this device's setting")).to_contain_text("Los Angeles")
    expect(question.locator("optgroup").first).to_have_attribute("label", "Common")
    assert question.locator('option[value="Factory"], option[value^="Etc/"]').count() == 0
    check_page(rosa)
    assert {"name": "tz", "value": LA} in [{"name": c["name"], "value": c["value"]} for c in context.cookies()]

    # --- ... and the list can be searched from the keyboard -------------------
    search = rosa.get_by_label("Find a zone: type a city, country or region")
    search.fill("tokyo")
    expect(question).to_have_value("Asia/Tokyo")
    expect(rosa.get_by_text("1 zone matches")).to_be_visible()
    search.fill("nowhere at all")
    expect(rosa.get_by_text("No zone matches")).to_be_visible()
    search.fill("los angeles")
    expect(question).to_have_value(LA)
    search.press("Enter")  # goes to the list, does not send the half-filled form
    expect(question).to_be_focused()
    assert not Member.objects.filter(user__email="rosa@example.org").exists()
    check_page(rosa)

    rosa.get_by_label("Choose a password").fill("a long walk to common ground")
    rosa.get_by_label("I have read the recording terms above and agree to them").check()
    rosa.get_by_role("button", name="Join the exchange").click()
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Safe Communities Exchange")
    check_page(rosa)
    assert Member.objects.get(exchange=exchange, user__email="rosa@example.org").time_zone == LA

    # --- Meeting times in Pacific time, named ----------------------------------
    rosa.goto(f"/meetings/{meeting.pk}/")
    expect(rosa.get_by_text("When, in your time zone (America/Los_Angeles)")).to_be_visible()
    yours = rosa.locator("dl.facts dd").nth(1)
    expect(yours).to_contain_text("Thu 5 Dec 2030, 09:00")
    expect(yours).to_contain_text("12:00 PST")
    check_page(rosa)

    rosa.get_by_role("link", name="My schedule").click()
    card = rosa.locator(f"#meeting-{meeting.pk}")
    expect(card.locator(".your-time")).to_contain_text("09:00")
    expect(card.locator(".your-time")).to_contain_text("PST")
    check_page(rosa)


def test_own_details_offer_the_devices_zone_and_change_only_when_taken(new_context, setting):
    member = MemberFactory(exchange=setting["exchange"], time_zone="America/New_York", display_name="Sam Lee")
    page = new_context(timezone_id=LA).new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(member.user.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"/exchanges/{setting['exchange'].pk}/me/")
    question = page.get_by_label("Your time zone")
    expect(question).to_have_value("America/New_York")  # the saved answer stands
    expect(page.get_by_text("This device is set to")).to_contain_text("Los Angeles")
    check_page(page)
    page.get_by_role("button", name=re.compile("^Use Pacific Time")).click()
    expect(question).to_have_value(LA)
    expect(question).to_be_focused()
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_url(lambda url: "/me/" not in url)
    member.refresh_from_db()
    assert member.time_zone == LA
