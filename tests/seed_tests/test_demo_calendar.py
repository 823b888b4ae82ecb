"""The demonstration's meetings keep clear of public holidays.

Seeded three weeks before Christmas, the first meeting used to fall on 24 and
25 December; now it moves a week on, and so does any meeting of the series
that would touch a federal holiday, Christmas Eve or New Year's Eve.
"""

import datetime as dt
import zoneinfo

import pytest

from demo import holidays
from demo import seed as demo
from exchanges.models import Meeting

HOME = zoneinfo.ZoneInfo(demo.HOME_TIME_ZONE)


def _days(meeting: Meeting) -> list[dt.date]:
    first = meeting.starts_at.astimezone(HOME).date()
    last = meeting.ends_at.astimezone(HOME).date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def test_the_days_off_of_a_year():
    """Spot checks against the published calendar (2026 and 2027, observed days included)."""
    days = holidays.days_off(2026)
    for day in (
        "2026-01-01",
        "2026-01-19",
        "2026-02-16",
        "2026-05-25",
        "2026-06-19",
        "2026-07-03",
        "2026-09-07",
        "2026-10-12",
        "2026-11-11",
        "2026-11-26",
        "2026-11-27",
        "2026-12-24",
        "2026-12-25",
        "2026-12-31",
    ):
        assert dt.date.fromisoformat(day) in days, day
    assert dt.date(2027, 7, 5) in holidays.days_off(2027)  # 4 July 2027 is a Sunday
    assert dt.date(2026, 12, 23) not in days and dt.date(2026, 3, 5) not in days


@pytest.mark.django_db
def test_seeded_before_christmas_the_first_meeting_moves_on():
    demo.demo_seed(today=dt.date(2026, 12, 3))  # three weeks on: Thursday 24 December
    first = Meeting.objects.get(number=1)
    assert _days(first) == [dt.date(2027, 1, 7), dt.date(2027, 1, 8)]
    for meeting in Meeting.objects.all():
        assert not any(holidays.is_day_off(day) for day in _days(meeting)), meeting


def test_no_start_day_lands_a_meeting_on_a_day_off():
    """Whatever day the demo is first seeded, over two years, no planned meeting touches a day off."""
    for offset in range(0, 2 * 366):
        first_day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
        for plan in demo.MEETINGS:
            start = demo.meeting_day(plan, first_day)
            assert start >= first_day + dt.timedelta(days=plan.days_after_first)
            assert start - (first_day + dt.timedelta(days=plan.days_after_first)) < dt.timedelta(days=21)
            span = [start + dt.timedelta(days=i) for i in range(plan.days)]
            assert not any(holidays.is_day_off(day) for day in span), (first_day, plan.number, span)
