"""My schedule in the viewer's own time zone, and the personal iCalendar feed."""

import datetime as dt
import re
import zoneinfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from exchanges.models import Meeting
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory

from .conftest import query_count

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _at(year, month, day, hour, minute=0, zone=NEW_YORK):
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


# --- My schedule --------------------------------------------------------------------------


def test_schedule_requires_sign_in(client):
    """Anonymous visitors are sent to sign in."""
    assert reverse("login") in client.get(reverse("my_schedule"))["Location"]


def test_schedule_shows_times_in_my_zone_and_the_meetings_own_across_dst(client, participant, exchange):
    """A New York meeting in the week the US is on summer time but the UK is not shows 19:00 GMT to a London member.

    On 20 March 2030 New York is on EDT (UTC−4) while London is still on GMT
    (UTC+0): 15:00 in New York is 19:00 in London, a four-hour gap, not five.
    """
    participant.time_zone = "Europe/London"
    participant.save()
    meeting = MeetingFactory(
        exchange=exchange,
        number=1,
        title="Spring gathering",
        starts_at=_at(2030, 3, 20, 15),
        ends_at=_at(2030, 3, 20, 18),
        time_zone="America/New_York",
        place="Civic Center, Albany",
    )
    DialogueSessionFactory(
        meeting=meeting,
        title="Afternoon session",
        question="What have you tried since we last met?",
        planned_start=_at(2030, 3, 20, 15),
        planned_end=_at(2030, 3, 20, 17),
    )
    client.force_login(participant.user)
    body = client.get(reverse("my_schedule")).content.decode()
    assert "Wednesday 20 March 2030, 19:00 – 22:00" in body  # the viewer's London time
    assert "Wednesday 20 March 2030, 15:00 – 18:00" in body  # the meeting's own local time
    assert "EDT" in body and "GMT" in body
    assert "Afternoon session" in body
    assert "What have you tried since we last met?" in body
    assert "Civic Center, Albany" in body
    assert "In person" in body
    assert "Wed 20 Mar, 19:00–21:00 your time" in body  # the session, in London time


def test_schedule_shows_each_day_of_a_two_day_meeting_in_both_zones(client, participant, exchange):
    """A meeting from Thursday morning to Friday lunchtime is two mornings: one
    line per day in both the viewer's zone and the meeting's own, and each
    session names its day.

    As one line ("09:00 – 12:30 (Friday)") it read as a single 27½-hour
    meeting or a three-and-a-half-hour one on Thursday.
    """
    participant.time_zone = "America/Chicago"
    participant.save()
    meeting = MeetingFactory(
        exchange=exchange,
        number=1,
        title="Two days in Dayton",
        starts_at=_at(2030, 10, 3, 9),
        ends_at=_at(2030, 10, 4, 12, 30),
        time_zone="America/New_York",
    )
    DialogueSessionFactory(meeting=meeting, planned_start=_at(2030, 10, 3, 9), planned_end=_at(2030, 10, 3, 12))
    DialogueSessionFactory(meeting=meeting, planned_start=_at(2030, 10, 4, 9), planned_end=_at(2030, 10, 4, 12))
    client.force_login(participant.user)
    body = client.get(reverse("my_schedule")).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", "", body).split())
    assert "Day 1 of 2: Thu 3 Oct 2030, 08:00–11:30 CDT" in text  # Chicago
    assert "Day 2 of 2: Fri 4 Oct 2030, 08:00–11:30 CDT" in text
    assert "Day 1 of 2: Thu 3 Oct 2030, 09:00–12:30 EDT" in text  # where it is held
    assert "Day 2 of 2: Fri 4 Oct 2030, 09:00–12:30 EDT" in text
    assert "(Friday 4 October)" not in text
    assert "Thu 3 Oct, 08:00–11:00 your time" in body
    assert "Fri 4 Oct, 08:00–11:00 your time" in body
    assert reverse("meeting_detail", args=[meeting.pk]) in body


def test_schedule_lists_upcoming_meetings_across_exchanges_in_order(client, participant, exchange):
    """Meetings from all my exchanges appear soonest first; past meetings and others' exchanges do not."""
    second_exchange = ExchangeFactory(title="Rural Trust Exchange")
    MemberFactory(exchange=second_exchange, user=participant.user, time_zone="America/Denver")
    later = MeetingFactory(exchange=exchange, title="Later one", starts_at=timezone.now() + dt.timedelta(days=60))
    sooner = MeetingFactory(
        exchange=second_exchange, title="Sooner one", starts_at=timezone.now() + dt.timedelta(days=5)
    )
    MeetingFactory(exchange=exchange, title="Already over", starts_at=timezone.now() - dt.timedelta(days=5))
    MeetingFactory(exchange=ExchangeFactory(), title="Not mine")
    client.force_login(participant.user)
    body = client.get(reverse("my_schedule")).content.decode()
    assert body.index(sooner.title) < body.index(later.title)
    assert "Rural Trust Exchange" in body
    assert "Already over" not in body
    assert "Not mine" not in body


def test_cancelled_meeting_is_shown_as_cancelled_without_rsvp(client, participant, exchange):
    """A cancelled meeting stays on the schedule, clearly marked, with no answer form."""
    meeting = MeetingFactory(exchange=exchange, title="Called off", status=Meeting.Status.CANCELLED)
    client.force_login(participant.user)
    body = client.get(reverse("my_schedule")).content.decode()
    assert "Called off" in body
    assert "This meeting is cancelled" in body
    assert reverse("meeting_rsvp", args=[meeting.pk]) not in body


def test_schedule_queries_do_not_grow(client, participant, exchange):
    """My schedule costs the same for one meeting or many, in one exchange or several."""
    client.force_login(participant.user)
    DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    small = query_count(lambda: client.get(reverse("my_schedule")))
    for _ in range(3):
        other = ExchangeFactory()
        MemberFactory(exchange=other, user=participant.user)
        for _ in range(3):
            DialogueSessionFactory(meeting=MeetingFactory(exchange=other))
    assert query_count(lambda: client.get(reverse("my_schedule"))) == small


def test_schedule_links_to_the_feed_and_resetting_changes_it(client, participant):
    """The feed address is shown; resetting it gives a new one and the old one stops working."""
    client.force_login(participant.user)
    old = participant.user.calendar_token
    assert reverse("calendar_feed", args=[old]) in client.get(reverse("my_schedule")).content.decode()
    response = client.post(reverse("calendar_token_reset"))
    assert response.status_code == 302
    participant.user.refresh_from_db()
    assert participant.user.calendar_token != old
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[participant.user.calendar_token])).status_code == 200


def test_feed_reset_needs_sign_in_and_post(client, participant):
    """Only the signed-in person, by POST, resets their feed."""
    old = participant.user.calendar_token
    assert reverse("login") in client.post(reverse("calendar_token_reset"))["Location"]
    client.force_login(participant.user)
    assert client.get(reverse("calendar_token_reset")).status_code == 405
    participant.user.refresh_from_db()
    assert participant.user.calendar_token == old


# --- Calendar feed ------------------------------------------------------------------------


def _feed(client, user) -> icalendar.Calendar:
    response = client.get(reverse("calendar_feed", args=[user.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def _events(cal) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_feed_has_one_event_per_meeting_in_its_own_zone(client, participant, exchange):
    """Each meeting is an event at its local time with its TZID and a matching VTIMEZONE."""
    meeting = MeetingFactory(
        exchange=exchange,
        title="Spring gathering",
        starts_at=_at(2030, 3, 20, 15),
        ends_at=_at(2030, 3, 20, 18),
        time_zone="America/New_York",
        mode=Meeting.Mode.HYBRID,
        place="Civic Center, Albany",
        link="https://video.example.org/room",
    )
    DialogueSessionFactory(meeting=meeting, question="What are you learning?")
    denver = MeetingFactory(
        exchange=exchange,
        time_zone="America/Denver",
        starts_at=_at(2030, 7, 1, 9, zone=zoneinfo.ZoneInfo("America/Denver")),
    )
    MeetingFactory(exchange=ExchangeFactory(), title="Not mine")

    cal = _feed(client, participant.user)
    events = _events(cal)
    assert set(events) == {f"meeting-{meeting.pk}@common-ground", f"meeting-{denver.pk}@common-ground"}
    event = events[f"meeting-{meeting.pk}@common-ground"]
    start = event.decoded("DTSTART")
    assert start.replace(tzinfo=None) == dt.datetime(2030, 3, 20, 15, 0)
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event["DTEND"].params["TZID"] == "America/New_York"
    assert start.utcoffset() == dt.timedelta(hours=-4)
    assert "Civic Center, Albany" in str(event["LOCATION"])
    assert str(event["URL"]).endswith(reverse("exchange_detail", args=[exchange.pk]))
    assert "What are you learning?" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "LAST-MODIFIED" in event and "SEQUENCE" in event
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert zones == {"America/New_York", "America/Denver"}
    assert events[f"meeting-{denver.pk}@common-ground"]["DTSTART"].params["TZID"] == "America/Denver"


def test_moving_a_meeting_keeps_its_uid_and_changes_time_and_sequence(client, participant, exchange):
    """Calendars update the same event: same UID, new DTSTART, higher SEQUENCE."""
    meeting = MeetingFactory(
        exchange=exchange, starts_at=_at(2030, 3, 20, 15), ends_at=_at(2030, 3, 20, 18), time_zone="America/New_York"
    )
    uid = f"meeting-{meeting.pk}@common-ground"
    # The meeting was scheduled a while ago; a facilitator moves it now.
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    before = _events(_feed(client, participant.user))[uid]
    meeting.refresh_from_db()
    meeting.starts_at = _at(2030, 3, 21, 10)
    meeting.ends_at = _at(2030, 3, 21, 13)
    meeting.save()
    after = _events(_feed(client, participant.user))[uid]
    assert after.decoded("DTSTART").replace(tzinfo=None) == dt.datetime(2030, 3, 21, 10, 0)
    assert before.decoded("DTSTART").replace(tzinfo=None) == dt.datetime(2030, 3, 20, 15, 0)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")


def test_cancelled_meeting_is_cancelled_in_the_feed(client, participant, exchange):
    """A cancelled meeting stays in the feed with STATUS:CANCELLED so calendars remove or strike it."""
    meeting = MeetingFactory(exchange=exchange, status=Meeting.Status.CANCELLED)
    event = _events(_feed(client, participant.user))[f"meeting-{meeting.pk}@common-ground"]
    assert str(event["STATUS"]) == "CANCELLED"


def test_unknown_feed_token_is_not_found(client, participant):
    """A made-up feed address is a 404."""
    assert client.get(reverse("calendar_feed", args=["not-a-real-token"])).status_code == 404


def test_feed_without_exchanges_is_an_empty_calendar(client, stranger):
    """A person in no exchange gets a valid calendar with no events."""
    cal = _feed(client, stranger)
    assert list(cal.walk("VEVENT")) == []


def test_feed_queries_do_not_grow(client, participant, exchange):
    """The feed costs the same for one meeting or many."""
    url = reverse("calendar_feed", args=[participant.user.calendar_token])
    DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    small = query_count(lambda: client.get(url))
    for _ in range(6):
        DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    assert query_count(lambda: client.get(url)) == small
