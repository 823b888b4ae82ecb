"""The days a meeting is held on, each with its own hours.

A meeting is typed as a start and an end in the zone where it is held. When
the two fall on different days, the form cannot say whether the time between
them is one stretch or the same hours on each day, and people read it the way
they write it: "Friday 06:00 to Saturday 09:30" is two mornings, not a
27½-hour meeting. So a meeting whose end falls later in the day than its start
is held daily, from the start's time of day to the end's; a meeting that ends
at an earlier time of day than it starts (a residential weekend, "Friday 18:00
to Sunday 12:00") runs straight through and is cut at each local midnight.
A day with sessions always covers them, so no session falls outside its day.

The calendar feed writes one event per day and the schedule shows one line
per day, both from :func:`meeting_days`, so they never disagree.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exchanges.models import Meeting


@dataclass(frozen=True)
class MeetingDay:
    """One day of a meeting: its place in the meeting, its date where the meeting is held, and its hours (UTC)."""

    number: int
    count: int
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    sessions: tuple[Any, ...] = field(default=())


def _wall(date: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The instant a wall-clock time shows on ``date`` in ``zone``.

    A time the clocks skip that day (02:30 when they go forward) is read
    with the offset before the change, so it lands just after the gap; a
    repeated time is its first occurrence, as when meetings are typed in.
    """
    return dt.datetime.combine(date, time, tzinfo=zone).astimezone(dt.UTC)


def meeting_dates(meeting: Meeting) -> list[dt.date]:
    """The local dates the meeting is held on, in its own zone (one for a meeting within a day)."""
    zone = zoneinfo.ZoneInfo(meeting.time_zone)
    first = meeting.starts_at.astimezone(zone).date()
    # A meeting that ends at midnight ends on the day before.
    last = (meeting.ends_at.astimezone(zone) - dt.timedelta(microseconds=1)).date()
    return [first + dt.timedelta(days=i) for i in range(max(0, (last - first).days) + 1)]


def meeting_days(meeting: Meeting, *, sessions: Iterable[Any] | None = None) -> list[MeetingDay]:
    """The meeting's days in order, each with its hours and its sessions.

    ``sessions`` (with ``planned_start`` and ``planned_end``) defaults to
    ``meeting.sessions.all()``: prefetch them when listing many meetings.
    """
    zone = zoneinfo.ZoneInfo(meeting.time_zone)
    start = meeting.starts_at.astimezone(zone)
    end = meeting.ends_at.astimezone(zone)
    dates = meeting_dates(meeting)
    session_list: Sequence[Any] = list(meeting.sessions.all() if sessions is None else sessions)
    count = len(dates)
    if count == 1:
        return [MeetingDay(1, 1, dates[0], meeting.starts_at, meeting.ends_at, tuple(session_list))]

    daily = end.time() > start.time()
    windows: list[list[dt.datetime]] = []
    for index, date in enumerate(dates):
        if daily:
            day_start = _wall(date, start.time(), zone)
            day_end = _wall(date, end.time(), zone)
        else:
            day_start = _wall(date, dt.time(0), zone)
            day_end = _wall(date + dt.timedelta(days=1), dt.time(0), zone)
        if index == 0:
            day_start = meeting.starts_at
        if index == count - 1:
            day_end = meeting.ends_at
        windows.append([max(day_start, meeting.starts_at), min(day_end, meeting.ends_at)])

    by_date: dict[dt.date, list[Any]] = {date: [] for date in dates}
    for session in session_list:
        date = session.planned_start.astimezone(zone).date()
        if date not in by_date:  # outside the meeting: the schedule keeps sessions inside it
            continue
        by_date[date].append(session)
        window = windows[dates.index(date)]
        window[0] = min(window[0], session.planned_start)
        window[1] = max(window[1], session.planned_end)

    return [
        MeetingDay(index + 1, count, date, window[0], window[1], tuple(by_date[date]))
        for index, (date, window) in enumerate(zip(dates, windows, strict=True))
    ]
