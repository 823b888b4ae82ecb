"""A facilitator adds a meeting between two others and sets reminders, in a real browser.

The February check-in she adds to a series of January, March and next
January takes number 2 and its place in the list; March becomes 3. On a
meeting ten days away she is told plainly that "27 days before" has already
passed and is refused, and the default "14 days before" is listed as "Will
not be sent".
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exchanges.models import Meeting
from reminders.models import ReminderOffset, ReminderPlan
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import ExchangeFactory, MeetingFactory, MemberFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def check_page(page) -> None:
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)


@pytest.fixture
def setting(transactional_db):
    """An exchange with meetings in January, March and the January after, and its facilitator."""
    exchange = ExchangeFactory(title="Rivers Exchange", time_zone="America/New_York")
    year = timezone.now().year + 1
    for number, (title, start) in enumerate(
        [
            ("January meeting", dt.datetime(year, 1, 14, 14, 0, tzinfo=dt.UTC)),
            ("March meeting", dt.datetime(year, 3, 11, 14, 0, tzinfo=dt.UTC)),
            ("January, a year on", dt.datetime(year + 1, 1, 13, 14, 0, tzinfo=dt.UTC)),
        ],
        start=1,
    ):
        MeetingFactory(exchange=exchange, number=number, title=title, starts_at=start, time_zone="America/New_York")
    facilitator = MemberFactory(
        exchange=exchange, exchange_role="facilitator", team=None, display_name="Ana Ruiz", time_zone="America/New_York"
    )
    return {"exchange": exchange, "facilitator": facilitator, "year": year}


def test_a_meeting_added_in_february_is_listed_and_numbered_by_date(new_context, setting):
    exchange, year = setting["exchange"], setting["year"]
    page = new_context().new_page()
    login(page, setting["facilitator"].user.email, PASSWORD)
    page.goto(f"/exchanges/{exchange.pk}/")
    page.get_by_role("link", name="Schedule a meeting").click()
    expect(page.get_by_role("heading", name="Schedule a meeting")).to_be_visible()
    expect(page.get_by_label("Number in the series")).to_have_count(0)
    check_page(page)
    page.get_by_label("Title").fill("February check-in")
    page.get_by_label("Starts (local time)").fill(f"{year}-02-11T18:00")
    page.get_by_label("Ends (local time)").fill(f"{year}-02-11T19:30")
    page.get_by_label("Mode").select_option(label="Online")
    page.get_by_label("Place").fill("")
    page.get_by_label("Video call link").fill("https://meet.example.org/check-in")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting 2: February check-in")
    expect(page.get_by_text("Scheduled meeting 2: February check-in.")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Rivers Exchange").first.click()
    rows = page.get_by_role("table", name="The meetings of this exchange, in date order").locator("tbody tr")
    expect(rows).to_have_count(4)
    listed = [
        (row.locator("td").first.inner_text().strip(), row.locator("th").inner_text().strip()) for row in rows.all()
    ]
    assert listed == [
        ("1", "January meeting"),
        ("2", "February check-in"),
        ("3", "March meeting"),
        ("4", "January, a year on"),
    ]
    check_page(page)
    # Its old address still opens the March meeting, now under its new number.
    march = Meeting.objects.get(exchange=exchange, title="March meeting")
    page.goto(f"/meetings/{march.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting 3: March meeting")


def test_a_reminder_already_past_is_refused_and_a_passed_default_is_marked(new_context, setting):
    exchange = setting["exchange"]
    start = (timezone.now() + dt.timedelta(days=10)).replace(second=0, microsecond=0)
    soon = MeetingFactory(exchange=exchange, number=4, title="Soon", starts_at=start, time_zone="America/New_York")
    page = new_context().new_page()
    login(page, setting["facilitator"].user.email, PASSWORD)
    page.goto(f"/meetings/{soon.pk}/")
    page.get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reminders for meeting")
    fourteen = page.get_by_role("row", name="14 days")
    expect(fourteen).to_contain_text("Will not be sent")
    expect(page.get_by_role("row", name="2 days")).to_contain_text("Waiting")
    check_page(page)

    page.get_by_label("How long before").fill("27")
    page.get_by_label("Unit").select_option("days")
    page.get_by_role("button", name="Save reminder").click()
    expect(page.get_by_text("which has already passed, so it would never be sent").first).to_be_visible()
    expect(page.get_by_text("Choose at most 9 days before the meeting.").first).to_be_visible()
    expect(page.get_by_label("How long before")).to_have_attribute("aria-invalid", "true")
    check_page(page)
    assert not ReminderOffset.objects.filter(meeting=soon).exists()
    assert not ReminderPlan.objects.filter(meeting=soon).exists()

    page.get_by_label("How long before").fill("9")
    page.get_by_role("button", name="Save reminder").click()
    expect(page.get_by_text("Reminder 9 days before the meeting saved.")).to_be_visible()
    expect(page.get_by_role("row", name="9 days")).to_contain_text("Waiting")
    check_page(page)
