"""A two-day meeting on "My schedule" and in the calendar feed, in a real browser."""

import datetime as dt
import zoneinfo

import icalendar
import pytest
import vobject
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import DialogueSessionFactory, MeetingFactory, MemberFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def test_a_two_day_meeting_is_a_line_per_day_and_an_event_per_day(page):
    """A London member opens My schedule: the Friday-to-Saturday New York meeting is two
    mornings, one line each in their time and in New York's; the feed they download
    reads as the same two events in icalendar and in vobject."""
    member = MemberFactory(time_zone="Europe/London", exchange__title="Safe Communities Exchange")
    meeting = MeetingFactory(
        exchange=member.exchange,
        title="Spring residential",
        time_zone="America/New_York",
        starts_at=dt.datetime(2027, 6, 4, 6, 0, tzinfo=NEW_YORK),
        ends_at=dt.datetime(2027, 6, 5, 9, 30, tzinfo=NEW_YORK),
    )
    for day in (4, 5):
        DialogueSessionFactory(
            meeting=meeting,
            title=f"Session on the {day}th",
            planned_start=dt.datetime(2027, 6, day, 6, 30, tzinfo=NEW_YORK),
            planned_end=dt.datetime(2027, 6, day, 9, 0, tzinfo=NEW_YORK),
        )

    login(page, member.user.email, PASSWORD)
    page.get_by_role("link", name="My schedule").click()
    card = page.locator(f"#meeting-{meeting.pk}")
    expect(card.get_by_role("heading", level=2)).to_contain_text("Spring residential")

    mine = card.locator(".your-time li")
    expect(mine).to_have_count(2)
    expect(mine.nth(0)).to_contain_text("Day 1 of 2")
    expect(mine.nth(0)).to_contain_text("Fri 4 Jun 2027, 11:00")
    expect(mine.nth(0)).to_contain_text("14:30")
    expect(mine.nth(1)).to_contain_text("Day 2 of 2")
    expect(mine.nth(1)).to_contain_text("Sat 5 Jun 2027, 11:00")
    expect(mine.nth(1)).to_contain_text("14:30")
    held = card.locator(".local-time li")
    expect(held).to_have_count(2)
    expect(held.nth(0)).to_contain_text("Fri 4 Jun 2027, 06:00")
    expect(held.nth(0)).to_contain_text("09:30")
    expect(held.nth(1)).to_contain_text("Sat 5 Jun 2027, 06:00")
    expect(held.nth(1)).to_contain_text("09:30")
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)

    feed = page.get_by_role("link", name="Download the calendar file")
    response = page.request.get(feed.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text()

    expected = {
        f"meeting-{meeting.pk}@common-ground": (
            dt.datetime(2027, 6, 4, 10, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 6, 4, 13, 30, tzinfo=dt.UTC),
        ),
        f"meeting-{meeting.pk}-day-2@common-ground": (
            dt.datetime(2027, 6, 5, 10, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 6, 5, 13, 30, tzinfo=dt.UTC),
        ),
    }
    by_icalendar = {
        str(e["UID"]): (e.decoded("DTSTART").astimezone(dt.UTC), e.decoded("DTEND").astimezone(dt.UTC))
        for e in icalendar.Calendar.from_ical(text).walk("VEVENT")
    }
    by_vobject = {
        e.uid.value: (e.dtstart.value.astimezone(dt.UTC), e.dtend.value.astimezone(dt.UTC))
        for e in vobject.readOne(text).vevent_list
    }
    assert by_icalendar == expected
    assert by_vobject == expected
