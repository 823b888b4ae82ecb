"""A person's meetings as an iCalendar feed their calendar app subscribes to.

Each meeting keeps one UID for its whole life, so a calendar updates the
event in place when it moves; SEQUENCE and LAST-MODIFIED follow the
meeting's last change, so clients know the new version wins. A meeting held
over several days is one event per day (``exchanges.days``): its first day
keeps the meeting's UID, so a meeting that grows a second day keeps its
event, and day N is ``meeting-<id>-day-N``.

Times are written in the meeting's own zone with a VTIMEZONE that says when
its clocks change, so the event shows at the right hour wherever the
person's calendar is set. The VTIMEZONE states the zone's rule as yearly
RRULEs ("the first Sunday of November at 02:00") when the rule holds over
the years the feed covers, and otherwise lists each change in those years as
its own observance. It never lists the changes as RDATE values: icalendar's
own VTIMEZONE does, from 1970 to 2038, and parsers that keep only the first
RDATE of a line (vobject, used by many CalDAV clients) then read half the
year an hour out.
"""

import calendar as stdlib_calendar
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from exchanges.days import MeetingDay, meeting_days
from exchanges.models import Meeting

# SEQUENCE counts seconds from here: it grows with every change and stays a
# 32-bit integer, as RFC 5545 requires, for decades.
SEQUENCE_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

# A zone's rule is trusted as a yearly RRULE only if it holds for at least
# this many years from the feed's first: over nine years a "last Sunday"
# falls on the 29th–31st at least once, so it cannot pass for "the fourth".
RULE_YEARS = 9

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@common-ground"


def meeting_day_uid(meeting: Meeting, day: MeetingDay) -> str:
    """The UID of one day of a meeting: the meeting's own for its first day (or only day)."""
    if day.number == 1:
        return meeting_uid(meeting)
    return f"meeting-{meeting.pk}-day-{day.number}@common-ground"


def meeting_sequence(meeting: Meeting) -> int:
    return max(0, int((meeting.updated_at - SEQUENCE_EPOCH).total_seconds()))


# --- VTIMEZONE ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """A change of a zone's offset: the instant (UTC), the offsets either side, and whether clocks went forward."""

    at: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    is_dst: bool
    name: str

    @property
    def local(self) -> dt.datetime:
        """The wall-clock time the change happens at, read on the clock before it (as VTIMEZONE's DTSTART is)."""
        return (self.at + self.offset_from).replace(tzinfo=None)


def _offset(zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> dt.timedelta:
    return instant.astimezone(zone).utcoffset() or dt.timedelta(0)


@lru_cache(maxsize=256)
def zone_transitions(zone_name: str, first_year: int, last_year: int) -> tuple[Transition, ...]:
    """Every change of offset in ``zone_name`` from 1 January of ``first_year`` to the end of ``last_year``.

    Found from the zone's offsets alone (zoneinfo keeps its transitions
    private): probed a day apart, then narrowed to the second.
    """
    zone = zoneinfo.ZoneInfo(zone_name)
    step = dt.timedelta(days=1)
    first_year, last_year = max(first_year, dt.MINYEAR + 1), min(last_year, dt.MAXYEAR - 1)
    moment = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    stop = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC)
    found: list[Transition] = []
    before = _offset(zone, moment)
    while moment < stop:
        after_moment = moment + step
        after = _offset(zone, after_moment)
        if after != before:
            low, high = moment, after_moment  # offset(low) == before, offset(high) != before
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            local = high.astimezone(zone)
            found.append(
                Transition(
                    at=high,
                    offset_from=before,
                    offset_to=after,
                    # Daylight is the later, summer clock: Irish and Moroccan
                    # "negative DST" is read the way calendar apps expect it.
                    is_dst=after > before,
                    name=local.tzname() or "",
                )
            )
        before = after
        moment = after_moment
    return tuple(found)


def _observance(
    *, is_dst: bool, start: dt.datetime, offset_from: dt.timedelta, offset_to: dt.timedelta, name: str
) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if is_dst else TimezoneStandard()
    observance.add("dtstart", start)
    observance.add("tzoffsetfrom", offset_from)
    observance.add("tzoffsetto", offset_to)
    if name:
        observance.add("tzname", name)
    return observance


def _yearly_rule(transitions: list[Transition]) -> dict[str, object] | None:
    """The RRULE that gives exactly these changes, one a year, or None if no single yearly rule does."""
    locals_ = [t.local for t in transitions]
    years = [moment.year for moment in locals_]
    if years != list(range(years[0], years[0] + len(years))):
        return None
    if len({(m.month, m.weekday(), m.time()) for m in locals_}) != 1:
        return None
    if len({(t.offset_from, t.offset_to, t.is_dst, t.name) for t in transitions}) != 1:
        return None
    weekday = _WEEKDAYS[locals_[0].weekday()]
    if all(m.day + 7 > stdlib_calendar.monthrange(m.year, m.month)[1] for m in locals_):
        return {"freq": "yearly", "bymonth": locals_[0].month, "byday": f"-1{weekday}"}
    weeks = {(m.day - 1) // 7 + 1 for m in locals_}
    if len(weeks) == 1 and (week := weeks.pop()) <= 4:
        return {"freq": "yearly", "bymonth": locals_[0].month, "byday": f"{week}{weekday}"}
    return None


def zone_vtimezone(zone_name: str, *, first: dt.date, last: dt.date) -> Timezone:
    """The VTIMEZONE for ``zone_name``, right for every time from ``first`` to ``last``.

    Three forms, as simple as the zone allows: a zone that keeps one offset
    over those years is a single STANDARD; a zone that changes its clocks by
    the same yearly rule throughout (and for RULE_YEARS from ``first``) is a
    STANDARD and a DAYLIGHT, each with its RRULE; any other zone lists each
    change from the year before ``first`` to the year after ``last`` as an
    observance of its own.
    """
    zone = zoneinfo.ZoneInfo(zone_name)
    vtimezone = Timezone()
    vtimezone.add("tzid", zone_name)
    window_first, window_last = first.year - 1, last.year + 1
    rule_last = max(window_last, window_first + RULE_YEARS)
    transitions = zone_transitions(zone_name, window_first, rule_last)

    if not transitions:
        probe = dt.datetime(first.year, first.month, first.day, 12, tzinfo=dt.UTC).astimezone(zone)
        offset = probe.utcoffset() or dt.timedelta(0)
        vtimezone.add_component(
            _observance(
                is_dst=(probe.dst() or dt.timedelta(0)) > dt.timedelta(0),
                start=dt.datetime(1970, 1, 1),
                offset_from=offset,
                offset_to=offset,
                name=probe.tzname() or "",
            )
        )
        return vtimezone

    kinds: dict[bool, list[Transition]] = {}
    for transition in transitions:
        kinds.setdefault(transition.is_dst, []).append(transition)
    rules = {is_dst: _yearly_rule(group) for is_dst, group in kinds.items()}
    if len(kinds) == 2 and all(rules.values()) and all(len(g) >= RULE_YEARS for g in kinds.values()):
        for is_dst, group in sorted(kinds.items()):
            head = group[0]
            observance = _observance(
                is_dst=is_dst, start=head.local, offset_from=head.offset_from, offset_to=head.offset_to, name=head.name
            )
            observance.add("rrule", rules[is_dst])
            vtimezone.add_component(observance)
        return vtimezone

    # No single yearly rule: each change in the window, after the offset in force when it opens.
    opening = dt.datetime(window_first, 1, 1, tzinfo=dt.UTC).astimezone(zone)
    offset = opening.utcoffset() or dt.timedelta(0)
    vtimezone.add_component(
        _observance(
            is_dst=(opening.dst() or dt.timedelta(0)) > dt.timedelta(0),
            start=opening.replace(tzinfo=None),
            offset_from=offset,
            offset_to=offset,
            name=opening.tzname() or "",
        )
    )
    for transition in transitions:
        if transition.at.year > window_last:
            break
        vtimezone.add_component(
            _observance(
                is_dst=transition.is_dst,
                start=transition.local,
                offset_from=transition.offset_from,
                offset_to=transition.offset_to,
                name=transition.name,
            )
        )
    return vtimezone


# --- Events ---------------------------------------------------------------------------------


def _description(meeting: Meeting, day: MeetingDay) -> str:
    lines = [
        _("%(exchange)s: meeting %(number)s of the series.")
        % {"exchange": meeting.exchange.title, "number": meeting.number}
    ]
    if day.count > 1:
        lines.append(_("Day %(number)s of %(count)s.") % {"number": day.number, "count": day.count})
    for session in day.sessions:
        lines.append("")
        lines.append(f"{session.title}")
        lines.append(_("Question: %(question)s") % {"question": session.question})
    if meeting.link:
        lines.append("")
        lines.append(_("Join online: %(link)s") % {"link": meeting.link})
    return "\n".join(lines)


def _location(meeting: Meeting) -> str:
    if meeting.mode == Meeting.Mode.ONLINE:
        return meeting.link or _("Online")
    if meeting.mode == Meeting.Mode.HYBRID and meeting.place and meeting.link:
        return _("%(place)s (or online: %(link)s)") % {"place": meeting.place, "link": meeting.link}
    return meeting.place or meeting.link


def _day_event(meeting: Meeting, day: MeetingDay, zone: zoneinfo.ZoneInfo) -> Event:
    event = Event()
    event.add("uid", meeting_day_uid(meeting, day))
    summary = f"{meeting.exchange.title}: {meeting.title}"
    if day.count > 1:
        summary = _("%(summary)s (day %(number)s of %(count)s)") % {
            "summary": summary,
            "number": day.number,
            "count": day.count,
        }
    event.add("summary", summary)
    event.add("dtstamp", meeting.updated_at.astimezone(dt.UTC))
    event.add("last-modified", meeting.updated_at.astimezone(dt.UTC))
    event.add("sequence", meeting_sequence(meeting))
    event.add("dtstart", day.starts_at.astimezone(zone))
    event.add("dtend", day.ends_at.astimezone(zone))
    location = _location(meeting)
    if location:
        event.add("location", location)
    event.add("url", settings.SITE_URL + reverse("exchange_detail", args=[meeting.exchange_id]))
    event.add("description", _description(meeting, day))
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    return event


def meetings_to_ical(meetings: Iterable[Meeting], *, name: str = "Common Ground") -> bytes:
    """The meetings as one calendar: an event per day of each, then a VTIMEZONE per zone they use."""
    cal = Calendar()
    cal.add("prodid", "-//Common Ground//Learning exchanges//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    events: list[Event] = []
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    for meeting in meetings:
        zone = zoneinfo.ZoneInfo(meeting.time_zone)
        for day in meeting_days(meeting):
            events.append(_day_event(meeting, day, zone))
            first = day.starts_at.astimezone(zone).date()
            last = day.ends_at.astimezone(zone).date()
            known = spans.get(meeting.time_zone)
            spans[meeting.time_zone] = (min(known[0], first), max(known[1], last)) if known else (first, last)
    for zone_name, (first, last) in sorted(spans.items()):
        cal.add_component(zone_vtimezone(zone_name, first=first, last=last))
    for event in events:
        cal.add_component(event)
    return cal.to_ical()
