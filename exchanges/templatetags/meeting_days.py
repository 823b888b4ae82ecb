"""The days of a meeting for the schedule pages, from the same rule as the calendar feed (``exchanges.days``)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template

from exchanges.days import MeetingDay
from exchanges.days import meeting_dates as _meeting_dates
from exchanges.days import meeting_days as _meeting_days
from exchanges.models import Meeting

register = template.Library()


@register.simple_tag
def meeting_days(meeting: Meeting, sessions: Iterable[Any] | None = None) -> list[MeetingDay]:
    """``{% meeting_days meeting [sessions] as days %}``: one entry per day, with its hours and sessions.

    Reads ``meeting.sessions.all()`` unless the page has its sessions already;
    pages listing many meetings prefetch them.
    """
    return _meeting_days(meeting, sessions=sessions)


@register.simple_tag
def meeting_dates(meeting: Meeting) -> list[dt.date]:
    """``{% meeting_dates meeting as dates %}``: the local dates it is held on, where it is held (no query)."""
    return _meeting_dates(meeting)
