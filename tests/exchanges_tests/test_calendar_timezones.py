"""The calendar feed read by two independent parsers, across clock changes and over several days.

icalendar is what the feed is written with; vobject (through dateutil) is
what many CalDAV clients read with. Every event must come out of both at the
instant stored, in zones north and south of the equator and in one without
summer time.
"""

import datetime as dt
import zoneinfo

import icalendar
import pytest
import vobject
from django.urls import reverse
from django.utils.html import strip_tags

from exchanges.calendar import zone_vtimezone
from exchanges.days import meeting_dates, meeting_days
from tests.factories import DialogueSessionFactory, MeetingFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC

# Wall-clock starts in 2027 on both sides of every clock change of the zones below:
# January and November (northern winter), May and October (the months vobject misread),
# the weeks straddling the US, EU and Australian changes, and the morning after each.
LOCAL_STARTS = [
    dt.datetime(2027, 1, 14, 10, 0),
    dt.datetime(2027, 3, 13, 10, 0),
    dt.datetime(2027, 3, 15, 10, 0),
    dt.datetime(2027, 3, 27, 10, 0),
    dt.datetime(2027, 3, 29, 10, 0),
    dt.datetime(2027, 4, 3, 10, 0),
    dt.datetime(2027, 4, 5, 10, 0),
    dt.datetime(2027, 5, 13, 10, 0),
    dt.datetime(2027, 10, 2, 10, 0),
    dt.datetime(2027, 10, 4, 10, 0),
    dt.datetime(2027, 10, 14, 10, 0),
    dt.datetime(2027, 10, 30, 10, 0),
    dt.datetime(2027, 11, 1, 10, 0),
    dt.datetime(2027, 11, 6, 10, 0),
    dt.datetime(2027, 11, 8, 10, 0),
    dt.datetime(2028, 7, 1, 10, 0),
    dt.datetime(2030, 12, 2, 10, 0),
]

ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Australia/Sydney", "Asia/Kolkata"]


def _feed_text(client, user) -> str:
    response = client.get(reverse("calendar_feed", args=[user.calendar_token]))
    assert response.status_code == 200
    return response.content.decode()


def _icalendar_events(text: str) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    cal = icalendar.Calendar.from_ical(text)
    return {
        str(e["UID"]): (e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC))
        for e in cal.walk("VEVENT")
    }


def _vobject_events(text: str) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    cal = vobject.readOne(text)
    return {
        e.uid.value: (e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC))
        for e in getattr(cal, "vevent_list", [])
    }


def _both_parsers(text: str) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """The events as icalendar reads them, after checking vobject reads exactly the same."""
    by_icalendar = _icalendar_events(text)
    assert _vobject_events(text) == by_icalendar
    return by_icalendar


@pytest.mark.parametrize("zone_name", ZONES)
def test_both_parsers_read_every_meeting_at_the_stored_instant_across_clock_changes(
    client, participant, exchange, zone_name
):
    """In every zone, before and after each clock change, both parsers give the instant stored."""
    zone = zoneinfo.ZoneInfo(zone_name)
    meetings = [
        MeetingFactory(
            exchange=exchange,
            time_zone=zone_name,
            starts_at=local.replace(tzinfo=zone),
            ends_at=(local + dt.timedelta(hours=3)).replace(tzinfo=zone),
        )
        for local in LOCAL_STARTS
    ]
    text = _feed_text(client, participant.user)
    assert "RDATE" not in text
    events = _both_parsers(text)
    for meeting in meetings:
        assert events[f"meeting-{meeting.pk}@common-ground"] == (meeting.starts_at, meeting.ends_at), (
            zone_name,
            meeting.starts_at.astimezone(zone),
        )


def test_a_zone_with_summer_time_is_written_as_two_yearly_rules():
    """New York's VTIMEZONE is its current rule, not a list of dates."""
    vtimezone = zone_vtimezone("America/New_York", first=dt.date(2027, 1, 1), last=dt.date(2027, 12, 31))
    observances = {c.name: c for c in vtimezone.subcomponents}
    assert set(observances) == {"STANDARD", "DAYLIGHT"}
    assert observances["DAYLIGHT"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"
    assert observances["STANDARD"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"
    assert observances["DAYLIGHT"].decoded("DTSTART") == dt.datetime(2026, 3, 8, 2, 0)
    assert observances["STANDARD"].decoded("DTSTART") == dt.datetime(2026, 11, 1, 2, 0)
    assert str(observances["DAYLIGHT"]["TZNAME"]) == "EDT"


def test_the_southern_hemisphere_and_last_sunday_rules():
    """Sydney's summer runs October to April; London's clocks change on the last Sunday."""
    sydney = {
        c.name: c
        for c in zone_vtimezone("Australia/Sydney", first=dt.date(2027, 1, 1), last=dt.date(2027, 12, 31)).subcomponents
    }
    assert sydney["DAYLIGHT"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=1SU;BYMONTH=10"
    assert sydney["STANDARD"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=1SU;BYMONTH=4"
    london = {
        c.name: c
        for c in zone_vtimezone("Europe/London", first=dt.date(2027, 1, 1), last=dt.date(2027, 12, 31)).subcomponents
    }
    assert london["DAYLIGHT"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert london["STANDARD"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"


def test_a_zone_without_summer_time_is_one_standard_observance():
    """Kolkata keeps +05:30 all year: one STANDARD, no rule."""
    vtimezone = zone_vtimezone("Asia/Kolkata", first=dt.date(2027, 1, 1), last=dt.date(2027, 12, 31))
    [observance] = vtimezone.subcomponents
    assert observance.name == "STANDARD"
    assert "RRULE" not in observance
    assert observance["TZOFFSETFROM"].to_ical() == observance["TZOFFSETTO"].to_ical() == "+0530"


@pytest.mark.parametrize(
    ("zone_name", "locals_"),
    [
        # Israel changes on the Friday before the last Sunday of March: no "nth weekday" rule.
        ("Asia/Jerusalem", [dt.datetime(2027, 3, 25, 10), dt.datetime(2027, 3, 27, 10), dt.datetime(2027, 10, 30, 10)]),
        # Morocco stops summer time for Ramadan, on dates that move every year.
        ("Africa/Casablanca", [dt.datetime(2027, 2, 1, 10), dt.datetime(2027, 2, 20, 10), dt.datetime(2027, 4, 1, 10)]),
        # New York's rule changed in 2007: a feed reaching back before it cannot use today's.
        (
            "America/New_York",
            [dt.datetime(2006, 4, 1, 10), dt.datetime(2006, 10, 30, 10), dt.datetime(2027, 3, 20, 10)],
        ),
    ],
)
def test_zones_without_one_yearly_rule_list_each_change_and_read_right(
    client, participant, exchange, zone_name, locals_
):
    """Where no yearly rule fits, each change in the years covered is its own observance, and both parsers agree."""
    zone = zoneinfo.ZoneInfo(zone_name)
    meetings = [
        MeetingFactory(
            exchange=exchange,
            time_zone=zone_name,
            starts_at=local.replace(tzinfo=zone),
            ends_at=(local + dt.timedelta(hours=2)).replace(tzinfo=zone),
        )
        for local in locals_
    ]
    text = _feed_text(client, participant.user)
    assert "RRULE" not in text and "RDATE" not in text
    events = _both_parsers(text)
    for meeting in meetings:
        assert events[f"meeting-{meeting.pk}@common-ground"] == (meeting.starts_at, meeting.ends_at)


# --- Meetings over several days -------------------------------------------------------------


LONDON = zoneinfo.ZoneInfo("Europe/London")
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def test_a_two_day_meeting_is_one_event_per_day_with_the_same_hours(client, participant, exchange):
    """Friday 06:00 to Saturday 09:30 is two mornings of 06:00–09:30, not one 27½-hour event."""
    meeting = MeetingFactory(
        exchange=exchange,
        title="Spring residential",
        time_zone="Australia/Sydney",
        starts_at=dt.datetime(2027, 5, 14, 6, 0, tzinfo=SYDNEY),
        ends_at=dt.datetime(2027, 5, 15, 9, 30, tzinfo=SYDNEY),
    )
    DialogueSessionFactory(
        meeting=meeting,
        title="Day one session",
        planned_start=dt.datetime(2027, 5, 14, 6, 30, tzinfo=SYDNEY),
        planned_end=dt.datetime(2027, 5, 14, 9, 0, tzinfo=SYDNEY),
    )
    DialogueSessionFactory(
        meeting=meeting,
        title="Day two session",
        planned_start=dt.datetime(2027, 5, 15, 6, 30, tzinfo=SYDNEY),
        planned_end=dt.datetime(2027, 5, 15, 9, 0, tzinfo=SYDNEY),
    )
    text = _feed_text(client, participant.user)
    events = _both_parsers(text)
    first, second = f"meeting-{meeting.pk}@common-ground", f"meeting-{meeting.pk}-day-2@common-ground"
    assert set(events) == {first, second}
    assert events[first] == (
        dt.datetime(2027, 5, 14, 6, 0, tzinfo=SYDNEY).astimezone(UTC),
        dt.datetime(2027, 5, 14, 9, 30, tzinfo=SYDNEY).astimezone(UTC),
    )
    assert events[second] == (
        dt.datetime(2027, 5, 15, 6, 0, tzinfo=SYDNEY).astimezone(UTC),
        dt.datetime(2027, 5, 15, 9, 30, tzinfo=SYDNEY).astimezone(UTC),
    )
    by_uid = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    assert str(by_uid[first]["SUMMARY"]).endswith("Spring residential (day 1 of 2)")
    assert str(by_uid[second]["SUMMARY"]).endswith("Spring residential (day 2 of 2)")
    assert "Day one session" in str(by_uid[first]["DESCRIPTION"])
    assert "Day two session" not in str(by_uid[first]["DESCRIPTION"])
    assert "Day two session" in str(by_uid[second]["DESCRIPTION"])
    assert int(by_uid[first]["SEQUENCE"]) == int(by_uid[second]["SEQUENCE"])


def test_the_days_keep_their_uids_when_the_meeting_moves(client, participant, exchange):
    """Moving a two-day meeting by a week updates both events in place."""
    meeting = MeetingFactory(
        exchange=exchange,
        time_zone="Europe/London",
        starts_at=dt.datetime(2027, 10, 29, 9, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2027, 10, 30, 16, 0, tzinfo=LONDON),
    )
    before = _both_parsers(_feed_text(client, participant.user))
    meeting.starts_at += dt.timedelta(days=7)
    meeting.ends_at += dt.timedelta(days=7)
    meeting.save()
    after = _both_parsers(_feed_text(client, participant.user))
    assert (
        set(before)
        == set(after)
        == {
            f"meeting-{meeting.pk}@common-ground",
            f"meeting-{meeting.pk}-day-2@common-ground",
        }
    )
    # The second day moved across the end of British Summer Time and stays 09:00–16:00 local.
    assert after[f"meeting-{meeting.pk}-day-2@common-ground"] == (
        dt.datetime(2027, 11, 6, 9, 0, tzinfo=LONDON).astimezone(UTC),
        dt.datetime(2027, 11, 6, 16, 0, tzinfo=LONDON).astimezone(UTC),
    )


def test_a_day_covers_a_session_outside_the_daily_hours(exchange):
    """A session in the afternoon of a meeting typed as two mornings stretches that day, not the other."""
    meeting = MeetingFactory(
        exchange=exchange,
        time_zone="America/New_York",
        starts_at=dt.datetime(2027, 6, 4, 9, 0, tzinfo=NEW_YORK),
        ends_at=dt.datetime(2027, 6, 5, 12, 0, tzinfo=NEW_YORK),
    )
    DialogueSessionFactory(
        meeting=meeting,
        planned_start=dt.datetime(2027, 6, 4, 14, 0, tzinfo=NEW_YORK),
        planned_end=dt.datetime(2027, 6, 4, 16, 0, tzinfo=NEW_YORK),
    )
    first, second = meeting_days(meeting)
    assert (first.starts_at, first.ends_at) == (meeting.starts_at, dt.datetime(2027, 6, 4, 16, 0, tzinfo=NEW_YORK))
    assert (second.starts_at, second.ends_at) == (dt.datetime(2027, 6, 5, 9, 0, tzinfo=NEW_YORK), meeting.ends_at)
    assert len(first.sessions) == 1 and second.sessions == ()


def test_a_weekend_that_ends_earlier_in_the_day_runs_through_and_is_cut_at_midnight(exchange):
    """Friday 18:00 to Sunday 12:00 is an evening, a whole day and a morning."""
    meeting = MeetingFactory(
        exchange=exchange,
        time_zone="Europe/London",
        starts_at=dt.datetime(2027, 9, 10, 18, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2027, 9, 12, 12, 0, tzinfo=LONDON),
    )
    days = meeting_days(meeting, sessions=[])
    assert [(d.number, d.count, d.date) for d in days] == [
        (1, 3, dt.date(2027, 9, 10)),
        (2, 3, dt.date(2027, 9, 11)),
        (3, 3, dt.date(2027, 9, 12)),
    ]
    assert [(d.starts_at.astimezone(LONDON).time(), d.ends_at.astimezone(LONDON)) for d in days] == [
        (dt.time(18, 0), dt.datetime(2027, 9, 11, 0, 0, tzinfo=LONDON)),
        (dt.time(0, 0), dt.datetime(2027, 9, 12, 0, 0, tzinfo=LONDON)),
        (dt.time(0, 0), dt.datetime(2027, 9, 12, 12, 0, tzinfo=LONDON)),
    ]


def test_a_meeting_ending_at_midnight_or_within_a_day_is_one_day(client, participant, exchange):
    """An evening that ends at midnight, like a meeting within one day, is one event with the meeting's UID."""
    evening = MeetingFactory(
        exchange=exchange,
        time_zone="Europe/London",
        starts_at=dt.datetime(2027, 9, 10, 19, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2027, 9, 11, 0, 0, tzinfo=LONDON),
    )
    assert meeting_dates(evening) == [dt.date(2027, 9, 10)]
    events = _both_parsers(_feed_text(client, participant.user))
    assert events == {f"meeting-{evening.pk}@common-ground": (evening.starts_at, evening.ends_at)}


def test_a_two_day_meeting_across_the_spring_change_keeps_its_local_hours(exchange):
    """Saturday and Sunday 09:00–12:00 in New York around 14 March 2027: the second morning is EDT."""
    meeting = MeetingFactory(
        exchange=exchange,
        time_zone="America/New_York",
        starts_at=dt.datetime(2027, 3, 13, 9, 0, tzinfo=NEW_YORK),
        ends_at=dt.datetime(2027, 3, 14, 12, 0, tzinfo=NEW_YORK),
    )
    first, second = meeting_days(meeting, sessions=[])
    assert first.ends_at == dt.datetime(2027, 3, 13, 17, 0, tzinfo=UTC)
    assert second.starts_at == dt.datetime(2027, 3, 14, 13, 0, tzinfo=UTC)


def test_the_series_lists_each_date_of_a_two_day_meeting(client, facilitator, exchange):
    """The attendance grid heads a Friday-to-Saturday meeting with both its dates, where it is held."""
    MeetingFactory(
        exchange=exchange,
        number=1,
        time_zone="Australia/Sydney",
        starts_at=dt.datetime(2027, 5, 14, 6, 0, tzinfo=SYDNEY),
        ends_at=dt.datetime(2027, 5, 15, 9, 30, tzinfo=SYDNEY),
    )
    client.force_login(facilitator.user)
    body = client.get(reverse("exchange_series", args=[exchange.pk])).content.decode()
    assert '<span class="muted">14 May 2027</span>' in body
    assert '<span class="muted">15 May 2027</span>' in body


def test_the_meeting_and_exchange_pages_show_a_line_per_day(client, facilitator, exchange):
    """A Friday-to-Saturday meeting reads as two mornings on its own page and in
    the exchange's list of meetings, where it is held and in the reader's zone."""
    meeting = MeetingFactory(
        exchange=exchange,
        number=1,
        time_zone="Australia/Sydney",
        starts_at=dt.datetime(2027, 5, 14, 6, 0, tzinfo=SYDNEY),
        ends_at=dt.datetime(2027, 5, 15, 9, 30, tzinfo=SYDNEY),
    )
    facilitator.time_zone = "America/New_York"
    facilitator.save(update_fields=["time_zone"])
    client.force_login(facilitator.user)
    for url in (reverse("meeting_detail", args=[meeting.pk]), reverse("exchange_detail", args=[exchange.pk])):
        text = " ".join(strip_tags(client.get(url).content.decode()).split())
        # Where it is held: 06:00–09:30 each morning, Sydney time.
        assert "Day 1 of 2: Fri 14 May 2027, 06:00–09:30 AEST" in text, url
        assert "Day 2 of 2: Sat 15 May 2027, 06:00–09:30 AEST" in text, url
        # The reader in New York: the evening before, each day.
        assert "Day 1 of 2: Thu 13 May 2027, 16:00–19:30 EDT" in text, url
        assert "Day 2 of 2: Fri 14 May 2027, 16:00–19:30 EDT" in text, url
