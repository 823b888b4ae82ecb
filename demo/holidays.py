"""Days the demonstration's calendar keeps clear.

A demonstration that opens on a meeting held on Christmas Day looks careless:
the demo's meetings avoid the United States' federal holidays (and the days
they are observed on when they fall at a weekend), the day after
Thanksgiving, Christmas Eve and New Year's Eve.
"""

import datetime as dt
from functools import cache

MONDAY, THURSDAY = 0, 3


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday of a month (n = -1: the last)."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    """A fixed-date holiday on a Saturday is observed on the Friday, on a Sunday on the Monday."""
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


@cache
def days_off(year: int) -> frozenset[dt.date]:
    """Every day of ``year`` the demo keeps clear of meetings."""
    fixed = [dt.date(year, m, d) for m, d in ((1, 1), (6, 19), (7, 4), (11, 11), (12, 25))]
    thanksgiving = _nth_weekday(year, 11, THURSDAY, 4)
    days = {
        *fixed,
        *(_observed(d) for d in fixed),
        _observed(dt.date(year + 1, 1, 1)),  # may be 31 December of this year
        _nth_weekday(year, 1, MONDAY, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, MONDAY, 3),  # Washington's Birthday
        _nth_weekday(year, 5, MONDAY, -1),  # Memorial Day
        _nth_weekday(year, 9, MONDAY, 1),  # Labor Day
        _nth_weekday(year, 10, MONDAY, 2),  # Columbus Day
        thanksgiving,
        thanksgiving + dt.timedelta(days=1),
        dt.date(year, 12, 24),
        dt.date(year, 12, 31),
    }
    return frozenset(d for d in days if d.year == year)


def is_day_off(day: dt.date) -> bool:
    return day in days_off(day.year)


def clear_of_days_off(start: dt.date, days: int) -> dt.date:
    """``start``, or the same weekday a week later (and so on), so that none of
    the ``days`` days from it is a day off."""
    while any(is_day_off(start + dt.timedelta(days=i)) for i in range(days)):
        start += dt.timedelta(days=7)
    return start
