"""A person's meetings as an iCalendar feed their calendar app subscribes to.

Each meeting keeps one UID for its whole life, so a calendar updates the
event in place when it moves; SEQUENCE and LAST-MODIFIED follow the
meeting's last change, so clients know the new version wins. Times are
written in the meeting's own zone with the matching VTIMEZONE, so the event
shows at the right hour wherever the person's calendar is set.
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from exchanges.models import Meeting

# SEQUENCE counts seconds from here: it grows with every change and stays a
# 32-bit integer, as RFC 5545 requires, for decades.
SEQUENCE_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@common-ground"


def meeting_sequence(meeting: Meeting) -> int:
    return max(0, int((meeting.updated_at - SEQUENCE_EPOCH).total_seconds()))


def _description(meeting: Meeting) -> str:
    lines = [f"{meeting.exchange.title}: meeting {meeting.number} of the series."]
    for session in meeting.sessions.all():
        lines.append("")
        lines.append(f"{session.title}")
        lines.append(f"Question: {session.question}")
    if meeting.link:
        lines.append("")
        lines.append(f"Join online: {meeting.link}")
    return "\n".join(lines)


def _location(meeting: Meeting) -> str:
    if meeting.mode == Meeting.Mode.ONLINE:
        return meeting.link or "Online"
    if meeting.mode == Meeting.Mode.HYBRID and meeting.place and meeting.link:
        return f"{meeting.place} (or online: {meeting.link})"
    return meeting.place or meeting.link


def meetings_to_ical(meetings: list[Meeting], *, name: str = "Common Ground") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Common Ground//Learning exchanges//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for meeting in meetings:
        zone = zoneinfo.ZoneInfo(meeting.time_zone)
        event = Event()
        event.add("uid", meeting_uid(meeting))
        event.add("summary", f"{meeting.exchange.title}: {meeting.title}")
        event.add("dtstamp", meeting.updated_at.astimezone(dt.UTC))
        event.add("last-modified", meeting.updated_at.astimezone(dt.UTC))
        event.add("sequence", meeting_sequence(meeting))
        event.add("dtstart", meeting.starts_at.astimezone(zone))
        event.add("dtend", meeting.ends_at.astimezone(zone))
        location = _location(meeting)
        if location:
            event.add("location", location)
        event.add("url", settings.SITE_URL + reverse("exchange_detail", args=[meeting.exchange_id]))
        event.add("description", _description(meeting))
        event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
