"""Meetings are numbered and listed by date, and check-ins run to the next meeting by date.

A meeting added between two others takes its place in the series: a
check-in meeting in February becomes meeting 2 and the March meeting moves
up to 3, on every page, and the commitments made in January are checked in
on before February, not March.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from exchanges import services
from exchanges.models import Meeting
from participants.models import Commitment
from reminders.models import Reminder
from reminders.outbox import reminders_materialize, reminders_scan
from reminders.services import checkin_open_until, meeting_next
from sessions.models import DialogueSession
from tests.factories import DialogueSessionFactory, MeetingFactory

from .helpers import page_text

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2030, 1, 20, 12, 0, tzinfo=UTC)


def _schedule(member, exchange, title, day: dt.date, **kwargs) -> Meeting:
    return services.meeting_create(
        member=member,
        exchange=exchange,
        title=title,
        time_zone="America/New_York",
        starts_local=dt.datetime.combine(day, dt.time(9, 0)),
        ends_local=dt.datetime.combine(day, dt.time(16, 0)),
        mode="online",
        link="https://meet.example.org/series",
        **kwargs,
    )


def _numbers(exchange) -> list[tuple[str, int]]:
    return list(exchange.meetings.order_by("starts_at").values_list("title", "number"))


@pytest.fixture
def series(facilitator, exchange):
    """January, May and October 2030 and January 2031, scheduled in that order."""
    return [
        _schedule(facilitator, exchange, "January", dt.date(2030, 1, 10)),
        _schedule(facilitator, exchange, "May", dt.date(2030, 5, 10)),
        _schedule(facilitator, exchange, "October", dt.date(2030, 10, 10)),
        _schedule(facilitator, exchange, "January next year", dt.date(2031, 1, 10)),
    ]


def test_a_meeting_added_between_two_others_takes_its_place_by_date(facilitator, exchange, series):
    """The February check-in becomes meeting 2, not 5; the later meetings move up one."""
    february = _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    assert february.number == 2
    assert _numbers(exchange) == [
        ("January", 1),
        ("February check-in", 2),
        ("May", 3),
        ("October", 4),
        ("January next year", 5),
    ]


def test_moving_a_meeting_past_another_renumbers_both(facilitator, exchange, series):
    january, may, october, _ = series
    moved = services.meeting_update(
        member=facilitator,
        meeting=may,
        title="May, now November",
        time_zone="America/New_York",
        starts_local=dt.datetime(2030, 11, 10, 9, 0),
        ends_local=dt.datetime(2030, 11, 10, 16, 0),
        mode="online",
        link="https://meet.example.org/series",
    )
    assert moved.number == 3
    assert _numbers(exchange) == [("January", 1), ("October", 2), ("May, now November", 3), ("January next year", 4)]


def test_a_new_number_is_a_change_calendars_pick_up(facilitator, exchange, series):
    """A meeting whose number changed has a new LAST-MODIFIED (and SEQUENCE) in the feed."""
    january, may, october, later = series
    before = {m.pk: m.updated_at for m in (january, may, october, later)}
    _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    after = dict(Meeting.objects.filter(pk__in=before).values_list("pk", "updated_at"))
    assert after[january.pk] == before[january.pk]  # still meeting 1
    for moved in (may, october, later):
        assert after[moved.pk] > before[moved.pk]


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [
        (dt.datetime(2030, 3, 1, 9), dt.datetime(2030, 4, 2, 9), "ends_local"),  # 32 days
        (dt.datetime(9999, 12, 30, 9), dt.datetime(9999, 12, 30, 10), "starts_local"),
        (dt.datetime(1900, 1, 2, 9), dt.datetime(1900, 1, 2, 10), "starts_local"),
    ],
)
def test_a_meeting_too_long_or_in_another_century_is_refused(facilitator, exchange, series, starts, ends, field):
    """Each day of a meeting is a line on the schedule and an event in every
    member's feed: a meeting of years, or in the year 9999, is refused with a
    message on the field and nothing saved."""
    with pytest.raises(ValidationError) as refused:
        services.meeting_create(
            member=facilitator,
            exchange=exchange,
            title="Too much",
            time_zone="America/New_York",
            starts_local=starts,
            ends_local=ends,
            mode="online",
            link="https://meet.example.org/series",
        )
    assert field in refused.value.message_dict
    assert exchange.meetings.count() == len(series)


def test_editing_without_moving_keeps_every_number(facilitator, exchange, series):
    before = _numbers(exchange)
    services.meeting_update(
        member=facilitator,
        meeting=series[1],
        title="May",
        time_zone="America/New_York",
        starts_local=dt.datetime(2030, 5, 10, 9, 0),
        ends_local=dt.datetime(2030, 5, 10, 16, 0),
        mode="in_person",
        place="Library, 3 Oak Street",
    )
    assert _numbers(exchange) == before


def test_a_cancelled_meeting_keeps_its_place_and_number(facilitator, exchange, series):
    """Cancelling renumbers nothing: everyone can still see that meeting 2 was called off."""
    services.meeting_cancel(member=facilitator, meeting=series[1])
    assert _numbers(exchange) == [("January", 1), ("May", 2), ("October", 3), ("January next year", 4)]
    february = _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    assert february.number == 2
    assert Meeting.objects.get(pk=series[1].pk).number == 3


def test_meetings_out_of_date_order_are_put_right_by_the_next_change(facilitator, exchange):
    """Series numbered by hand before (1 in March, 2 in January) are in date order after the next meeting."""
    MeetingFactory(exchange=exchange, number=1, title="March", starts_at=dt.datetime(2030, 3, 1, 14, tzinfo=UTC))
    MeetingFactory(exchange=exchange, number=2, title="January", starts_at=dt.datetime(2030, 1, 5, 14, tzinfo=UTC))
    _schedule(facilitator, exchange, "June", dt.date(2030, 6, 1))
    assert _numbers(exchange) == [("January", 1), ("March", 2), ("June", 3)]


def test_the_migration_numbers_existing_series_by_date(exchange):
    """The data migration gives every exchange's meetings the numbers of their dates."""
    other = MeetingFactory(number=4, starts_at=dt.datetime(2030, 1, 1, tzinfo=UTC)).exchange
    MeetingFactory(exchange=exchange, number=1, title="Late", starts_at=dt.datetime(2030, 9, 1, tzinfo=UTC))
    MeetingFactory(exchange=exchange, number=7, title="Early", starts_at=dt.datetime(2030, 2, 1, tzinfo=UTC))
    MeetingFactory(exchange=exchange, number=3, title="Middle", starts_at=dt.datetime(2030, 5, 1, tzinfo=UTC))
    migration = importlib.import_module("exchanges.migrations.0005_meeting_numbered_by_date")
    migration.renumber_by_date(apps, None)
    assert _numbers(exchange) == [("Early", 1), ("Middle", 2), ("Late", 3)]
    assert list(other.meetings.values_list("number", flat=True)) == [1]


def test_a_typed_number_is_ignored(client, facilitator, exchange, series, meeting_data):
    """The form asks no number; one sent anyway changes nothing."""
    client.force_login(facilitator.user)
    response = client.post(
        reverse("meeting_create", args=[exchange.pk]),
        meeting_data(
            number="99", title="February check-in", starts_local="2030-02-14T09:00", ends_local="2030-02-14T12:00"
        ),
    )
    meeting = Meeting.objects.get(exchange=exchange, title="February check-in")
    assert response["Location"] == reverse("meeting_detail", args=[meeting.pk])
    assert meeting.number == 2
    response = client.get(response["Location"])
    assert "Scheduled meeting 2: February check-in." in page_text(response)


def test_addresses_name_meetings_by_id_so_renumbering_keeps_links(client, facilitator, exchange, series):
    may = series[1]
    url = reverse("meeting_detail", args=[may.pk])
    _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    client.force_login(facilitator.user)
    assert "Meeting 3: May" in page_text(client.get(url))


def test_exchange_page_lists_meetings_in_date_order_with_their_numbers(
    client, participant, facilitator, exchange, series
):
    _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    client.force_login(participant.user)
    text = page_text(client.get(reverse("exchange_detail", args=[exchange.pk])))
    rows = ["1 January", "2 February check-in", "3 May", "4 October", "5 January next year"]
    positions = [text.index(row) for row in rows]
    assert positions == sorted(positions)
    assert "in date order" in text


def test_series_grid_is_in_date_order(client, facilitator, exchange, series):
    _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    client.force_login(facilitator.user)
    response = client.get(reverse("exchange_series", args=[exchange.pk]))
    assert [m.title for m in response.context["series"].meetings] == [
        "January",
        "February check-in",
        "May",
        "October",
        "January next year",
    ]
    text = page_text(response)
    assert text.index("Meeting 2") < text.index("14 Feb 2030") < text.index("Meeting 3") < text.index("10 May 2030")


def test_my_schedule_is_soonest_first(client, participant, facilitator, exchange, series):
    _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    client.force_login(participant.user)
    text = page_text(client.get(reverse("my_schedule")))
    february = text.index("meeting 2, February check-in")
    assert february < text.index("meeting 3, May") < text.index("meeting 4, October")


# --- Check-ins run to the next meeting by date -------------------------------------------


@pytest.fixture
def commitment(series, participant):
    """A commitment made at the January meeting's closed session."""
    january = series[0]
    session = DialogueSessionFactory(
        meeting=january, state=DialogueSession.State.CLOSED, closed_at=january.starts_at + dt.timedelta(hours=3)
    )
    return Commitment.objects.create(member=participant, session=session, text="Ride along twice before we meet.")


def test_checkin_deadline_is_the_next_meeting_by_date(facilitator, exchange, series, commitment):
    january, may, _, _ = series
    assert meeting_next(january) == may
    assert checkin_open_until(commitment) == may.starts_at
    february = _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    assert meeting_next(january) == february
    assert checkin_open_until(commitment) == february.starts_at


def test_checkin_email_moves_to_a_meeting_added_in_between(facilitator, exchange, series, commitment):
    """Made for May, the check-in row is retired when February is added, and one is sent before February."""
    january, may, _, _ = series
    reminders_materialize(now=NOW)
    assert Reminder.objects.get(kind=Reminder.Kind.CHECKIN).meeting_id == may.pk
    february = _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    halfway = january.ends_at + (february.starts_at - january.ends_at) / 2
    reminders_scan(now=max(NOW, halfway))
    rows = Reminder.objects.filter(kind=Reminder.Kind.CHECKIN)
    sent = rows.get(state=Reminder.State.SENT)
    assert (sent.meeting_id, sent.anchor_at) == (february.pk, february.starts_at)
    assert rows.get(meeting=may).state == Reminder.State.SKIPPED


def test_checkins_page_pairs_each_meeting_with_the_next_by_date(client, facilitator, exchange, series, commitment):
    from tests.reminders_tests.conftest import publish

    publish(commitment.session)
    february = _schedule(facilitator, exchange, "February check-in", dt.date(2030, 2, 14))
    client.force_login(facilitator.user)
    response = client.get(reverse("exchange_checkins", args=[exchange.pk]))
    [group] = response.context["groups"]
    assert (group.meeting.pk, group.next_meeting.pk) == (series[0].pk, february.pk)
