"""The days of a meeting for the schedule pages, from the same rule as the calendar feed (``exchanges.days``)."""

import datetime as dt

from django import template

from exchanges.days import MeetingDay
from exchanges.days import meeting_dates as _meeting_dates
from exchanges.days import meeting_days as _meeting_days
from exchanges.models import Meeting

register = template.Library()


@register.simple_tag
def meeting_days(meeting: Meeting) -> list[MeetingDay]:
    """``{% meeting_days meeting as days %}``: one entry per day, with its hours and sessions.

    Reads ``meeting.sessions.all()``; pages listing many meetings prefetch them.
    """
    return _meeting_days(meeting)


@register.simple_tag
def meeting_dates(meeting: Meeting) -> list[dt.date]:
    """``{% meeting_dates meeting as dates %}``: the local dates it is held on, where it is held (no query)."""
    return _meeting_dates(meeting)
