"""Writes for exchanges, teams and meetings, and who comes to them.

Each service is keyword-only, runs in one transaction, and checks that the
acting member may do it: a view never decides permission on its own.
Sessions are scheduled inside a meeting by the sessions app
(``sessions.services.schedule``), which sits above this one; when a meeting
moves, its sessions move with it here, through ``meeting.sessions``.

Times are entered as wall-clock times where the meeting is held and turned
into aware datetimes here, with ``zoneinfo``, so daylight-saving changes fall
where they really fall for that place.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import format_when
from participants.models import RSVP, Attendance, ExchangeRole, Member, SessionAttendance
from participants.permissions import can_mark_attendance, require_manager

from .models import Exchange, Meeting, Team

# --- Local time ---------------------------------------------------------------


def local_to_aware(value: dt.datetime, time_zone: str, *, field: str = "") -> dt.datetime:
    """Attach ``time_zone`` to a wall-clock time, refusing times that never happen there.

    When clocks go forward an hour of wall-clock times does not exist (02:30 on
    the second Sunday of March in New York); such a time is refused rather than
    silently shifted. When clocks go back, a repeated time means its first
    occurrence.
    """
    if value.tzinfo is not None:
        raise ValueError("Expected a wall-clock (naive) time.")
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"time_zone": _("%(zone)s is not a known time zone.") % {"zone": time_zone}}) from exc
    aware = value.replace(tzinfo=zone, fold=0)
    round_trip = aware.astimezone(dt.UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != value:
        message = _(
            "%(time)s on %(date)s does not exist in %(zone)s: the clocks go forward then. Choose another time."
        ) % {"time": format_when(value, "time"), "date": format_when(value, "date_in_sentence"), "zone": time_zone}
        raise ValidationError({field: message} if field else message)
    # In UTC: a zone-local value in a repeated hour compares unequal to
    # everything in other zones (PEP 495), which would surprise every caller.
    return aware.astimezone(dt.UTC)


def aware_to_local(value: dt.datetime, time_zone: str) -> dt.datetime:
    """The wall-clock time (naive) that ``value`` shows in ``time_zone``."""
    return value.astimezone(zoneinfo.ZoneInfo(time_zone)).replace(tzinfo=None)


# --- Exchanges ----------------------------------------------------------------


@transaction.atomic
def exchange_create(
    *,
    user,
    title: str,
    convening_organisation: str,
    time_zone: str,
    purpose: str = "",
    recording_terms: str = "",
    status: str = Exchange.Status.DRAFT,
    creator_role: str = ExchangeRole.FACILITATOR,
    display_name: str = "",
) -> Exchange:
    """Create an exchange and make its creator a facilitator (or convener) of it."""
    if creator_role not in (ExchangeRole.FACILITATOR, ExchangeRole.CONVENER):
        raise ValueError("The creator of an exchange is its facilitator or convener.")
    exchange = Exchange.objects.create(
        title=title,
        convening_organisation=convening_organisation,
        time_zone=time_zone,
        purpose=purpose,
        recording_terms=recording_terms,
        status=status,
        created_by=user,
    )
    Member.objects.create(
        exchange=exchange,
        user=user,
        exchange_role=creator_role,
        display_name=display_name or user.get_full_name() or user.email.split("@")[0],
        time_zone=time_zone,
    )
    return exchange


EXCHANGE_EDITABLE_FIELDS = frozenset(
    {"title", "purpose", "convening_organisation", "time_zone", "status", "recording_terms"}
)


@transaction.atomic
def exchange_update(*, member: Member, exchange: Exchange, **fields) -> Exchange:
    """Change an exchange's description. Meetings keep their own time zones:
    changing the home zone only changes the default offered for new meetings."""
    require_manager(member, exchange_id=exchange.pk)
    unknown = set(fields) - EXCHANGE_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(exchange, name, value)
    exchange.full_clean(exclude=["created_by"])
    exchange.save()
    return exchange


# --- Teams --------------------------------------------------------------------


def _check_team_name_free(*, exchange_id: int, community_name: str, exclude_pk: int | None = None) -> None:
    clash = Team.objects.filter(exchange_id=exchange_id, community_name__iexact=community_name.strip())
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "community_name": _("This exchange already has a team from %(community)s.")
                % {"community": community_name.strip()}
            }
        )


@transaction.atomic
def team_create(
    *, member: Member, exchange: Exchange, community_name: str, state_region: str, locale_type: str
) -> Team:
    """Add a jurisdictional team. One team per community in an exchange, so
    the composition matrix and archives can speak of "the team from X"."""
    require_manager(member, exchange_id=exchange.pk)
    _check_team_name_free(exchange_id=exchange.pk, community_name=community_name)
    team = Team(
        exchange=exchange,
        community_name=community_name.strip(),
        state_region=state_region.strip(),
        locale_type=locale_type,
    )
    team.full_clean(validate_constraints=False)
    team.save()
    return team


@transaction.atomic
def team_update(*, member: Member, team: Team, community_name: str, state_region: str, locale_type: str) -> Team:
    require_manager(member, exchange_id=team.exchange_id)
    _check_team_name_free(exchange_id=team.exchange_id, community_name=community_name, exclude_pk=team.pk)
    team.community_name = community_name.strip()
    team.state_region = state_region.strip()
    team.locale_type = locale_type
    team.full_clean(validate_constraints=False)
    team.save()
    return team


# --- Meetings -----------------------------------------------------------------


def _exchange_lock(exchange_id: int) -> None:
    """Serialise changes to one exchange's series: numbering reads every
    meeting of the exchange, so two scheduled at once must not both count."""
    Exchange.objects.select_for_update().filter(pk=exchange_id).values_list("pk", flat=True).first()


def meetings_renumber(*, exchange_id: int) -> None:
    """Number an exchange's meetings 1, 2, 3 … in the order they are held.

    People speak of "meeting 3" and read the series top to bottom, so the
    number is the meeting's place by date, not by when it was typed in: a
    meeting added between January and March becomes 2 and March's becomes 3.
    Ties (the same start) keep the order they were scheduled in. Cancelled
    meetings keep their place, so everyone can see which one was called off.
    Pages and links name meetings by id, never by number, so renumbering
    breaks no address. Numbers are unique per exchange, so rows that move go
    above every number in use first and then into place; the caller holds
    the exchange's lock.
    """
    meetings = list(Meeting.objects.select_for_update().filter(exchange_id=exchange_id).order_by("starts_at", "pk"))
    moving = [(meeting, place) for place, meeting in enumerate(meetings, start=1) if meeting.number != place]
    if not moving:
        return
    above = max(max(m.number for m in meetings), len(meetings))
    for step, (meeting, _place) in enumerate(moving, start=1):
        meeting.number = above + step
    Meeting.objects.bulk_update([m for m, _place in moving], ["number"])
    now = timezone.now()  # a new number is a change calendars must pick up (SEQUENCE, LAST-MODIFIED)
    for meeting, place in moving:
        meeting.number = place
        meeting.updated_at = now
    Meeting.objects.bulk_update([m for m, _place in moving], ["number", "updated_at"])


# Bounds that keep every page and calendar feed of a meeting small and computable:
# each day of a meeting is a line and a calendar event of its own.
MEETING_LONGEST = dt.timedelta(days=31)
MEETING_YEARS = (2000, 2100)


def _check_meeting_fields(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    mode: str,
    place: str,
    link: str,
) -> None:
    errors: dict[str, str] = {}
    if ends_at <= starts_at:
        errors["ends_local"] = _("The meeting must end after it starts.")
    elif ends_at - starts_at > MEETING_LONGEST:
        errors["ends_local"] = _("A meeting lasts at most %(days)s days: schedule a longer one as several.") % {
            "days": MEETING_LONGEST.days
        }
    if not MEETING_YEARS[0] <= starts_at.year <= MEETING_YEARS[1]:
        errors["starts_local"] = _("Choose a date between %(first)s and %(last)s.") % {
            "first": MEETING_YEARS[0],
            "last": MEETING_YEARS[1],
        }
    if mode not in Meeting.Mode.values:
        errors["mode"] = _("Choose in person, online or hybrid.")
    if mode in (Meeting.Mode.IN_PERSON, Meeting.Mode.HYBRID) and not place.strip():
        errors["place"] = _("Give the venue and address: people are meeting in person.")
    if mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID) and not link.strip():
        errors["link"] = _("Give the video call link: people are joining online.")
    if errors:
        raise ValidationError(errors)


def localise_pair(
    starts_local: dt.datetime, ends_local: dt.datetime, time_zone: str
) -> tuple[dt.datetime, dt.datetime]:
    errors = {}
    starts_at = ends_at = None
    for field, value in (("starts_local", starts_local), ("ends_local", ends_local)):
        try:
            aware = local_to_aware(value, time_zone, field=field)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if field == "starts_local":
            starts_at = aware
        else:
            ends_at = aware
    if errors:
        raise ValidationError(errors)
    assert starts_at is not None and ends_at is not None  # else there were errors
    return starts_at, ends_at


@transaction.atomic
def meeting_create(
    *,
    member: Member,
    exchange: Exchange,
    title: str,
    time_zone: str,
    starts_local: dt.datetime,
    ends_local: dt.datetime,
    mode: str = Meeting.Mode.IN_PERSON,
    place: str = "",
    link: str = "",
) -> Meeting:
    """Schedule a meeting in the series from wall-clock times where it is held.

    It takes its number from its date (``meetings_renumber``): added between
    two meetings, it comes between them and the later ones move up one.
    """
    require_manager(member, exchange_id=exchange.pk)
    starts_at, ends_at = localise_pair(starts_local, ends_local, time_zone)
    _check_meeting_fields(starts_at=starts_at, ends_at=ends_at, mode=mode, place=place, link=link)
    _exchange_lock(exchange.pk)
    meeting = Meeting(
        exchange=exchange,
        number=(exchange.meetings.aggregate(last=Max("number"))["last"] or 0) + 1,  # placed by date below
        title=title.strip(),
        time_zone=time_zone,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        place=place.strip(),
        link=link.strip(),
    )
    meeting.full_clean(validate_constraints=False)
    meeting.save()
    meetings_renumber(exchange_id=exchange.pk)
    meeting.refresh_from_db(fields=["number"])
    return meeting


@transaction.atomic
def meeting_update(
    *,
    member: Member,
    meeting: Meeting,
    title: str,
    time_zone: str,
    starts_local: dt.datetime,
    ends_local: dt.datetime,
    mode: str,
    place: str = "",
    link: str = "",
) -> Meeting:
    """Change a meeting; when it moves, its scheduled sessions move with it.

    Sessions keep their place in the day: a session that began an hour after
    the meeting's start still does, in the meeting's (possibly new) local time.
    Once a session has opened, the meeting has happened and its times stay.
    A meeting moved past another takes its new place in the numbering.
    """
    require_manager(member, exchange_id=meeting.exchange_id)
    _exchange_lock(meeting.exchange_id)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    starts_at, ends_at = localise_pair(starts_local, ends_local, time_zone)
    _check_meeting_fields(starts_at=starts_at, ends_at=ends_at, mode=mode, place=place, link=link)
    moved = (starts_at, ends_at, time_zone) != (meeting.starts_at, meeting.ends_at, meeting.time_zone)
    sessions = list(meeting.sessions.all())
    if moved and any(not s.plan_is_editable for s in sessions):
        raise ValidationError(
            {"starts_local": _("A session of this meeting has already opened, so its times can no longer change.")}
        )
    if moved and sessions:
        old_start_local = aware_to_local(meeting.starts_at, meeting.time_zone)
        shift = starts_local - old_start_local
        for session in sessions:
            new_start = aware_to_local(session.planned_start, meeting.time_zone) + shift
            new_end = aware_to_local(session.planned_end, meeting.time_zone) + shift
            session.planned_start = local_to_aware(new_start, time_zone, field="starts_local")
            session.planned_end = local_to_aware(new_end, time_zone, field="starts_local")
            if session.planned_start < starts_at or session.planned_end > ends_at:
                raise ValidationError(
                    {
                        "ends_local": _(
                            "The session “%(title)s” would no longer fit inside the meeting. Move or shorten it first."
                        )
                        % {"title": session.title}
                    }
                )
        meeting.sessions.bulk_update(sessions, ["planned_start", "planned_end"])
    meeting.title = title.strip()
    meeting.time_zone = time_zone
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.mode = mode
    meeting.place = place.strip()
    meeting.link = link.strip()
    meeting.full_clean(validate_constraints=False)
    meeting.save()
    if moved:
        meetings_renumber(exchange_id=meeting.exchange_id)
        meeting.refresh_from_db(fields=["number"])
    return meeting


@transaction.atomic
def meeting_cancel(*, member: Member, meeting: Meeting) -> Meeting:
    """Mark a meeting cancelled. It stays in the series at its place by date,
    with its number (the meetings after it are not renumbered), so everyone
    can see that it was called off."""
    require_manager(member, exchange_id=meeting.exchange_id)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_cancelled:
        return meeting
    if any(session.is_open for session in meeting.sessions.all()):
        raise ValidationError(_("A session of this meeting is open. Close it before cancelling the meeting."))
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    return meeting


# --- Sessions and their agenda ------------------------------------------------


@transaction.atomic
def rsvp_set(*, member: Member, meeting: Meeting, response: str, note: str = "") -> RSVP:
    """Say whether one is coming; answering again replaces the earlier answer."""
    if member.exchange_id != meeting.exchange_id:
        raise PermissionDenied(_("Not a member of this meeting's exchange."))
    if response not in RSVP.Response.values:
        raise ValidationError({"response": _("Choose coming, not coming or maybe.")})
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting is cancelled."))
    if meeting.ends_at <= timezone.now():
        raise ValidationError(_("This meeting is over."))
    rsvp, _created = RSVP.objects.update_or_create(
        member=member, meeting=meeting, defaults={"response": response, "note": note.strip()[:300]}
    )
    return rsvp


@transaction.atomic
def attendance_mark(*, member: Member, meeting: Meeting, present_member_ids: Iterable[int]) -> None:
    """Record who came, as ticked by a facilitator.

    The form lists every member (with an active account) and ticks each one
    recorded as present, however that was recorded. A ticked member with no
    row gets a MARKED one; a row already there stays as it is. A listed
    member left unticked is cleared, whether a facilitator marked them or
    they joined a live session: the people running the meeting have the last
    word on who was there. Clearing someone's attendance at the meeting also
    clears their attendance at each of its sessions (``SessionAttendance``),
    which is what archive access follows. Deactivated accounts are not listed,
    so their rows are left alone.
    """
    if member.exchange_id != meeting.exchange_id or not can_mark_attendance(member):
        raise PermissionDenied(_("Only the exchange's facilitators and conveners may mark attendance."))
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled; nobody can have attended it."))
    wanted = {int(pk) for pk in present_member_ids}
    known = set(Member.objects.filter(exchange_id=meeting.exchange_id, pk__in=wanted).values_list("pk", flat=True))
    if wanted - known:
        raise ValidationError(_("Some of those people are not members of this exchange."))
    recorded = set(Attendance.objects.select_for_update().filter(meeting=meeting).values_list("member_id", flat=True))
    listed = Q(member__user__is_active=True)
    Attendance.objects.filter(listed, meeting=meeting).exclude(member_id__in=wanted).delete()
    SessionAttendance.objects.filter(listed, session__meeting=meeting).exclude(member_id__in=wanted).delete()
    Attendance.objects.bulk_create(
        [
            Attendance(member_id=pk, meeting=meeting, source=Attendance.Source.MARKED, recorded_by=member.user)
            for pk in sorted(wanted - recorded)
        ],
        ignore_conflicts=True,
    )
