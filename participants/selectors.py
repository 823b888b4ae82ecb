"""Reads about people, each checked against the reader.

Like ``exchanges.selectors``, anything taking ``user`` raises ``Http404``
for people outside the exchange, so an outsider cannot learn it exists; a
member without the needed role gets ``PermissionDenied``. Every list is read
in a fixed number of queries, however many members or meetings there are.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from exchanges.models import Exchange, Meeting, Team
from exchanges.selectors import exchange_get_for_user, meeting_get_for_user
from sessions.models import DialogueSession

from .invitations import InvitationState, invitation_state_expression
from .models import RSVP, Attendance, Invitation, Member, User
from .permissions import can_manage_members, can_mark_attendance, can_see_rsvp_notes, can_view_series


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("Your role in this exchange does not allow this.")


def exchange_get_for_manager(*, exchange_id: int, user) -> tuple[Exchange, Member]:
    """The exchange, for a facilitator or convener of it."""
    exchange, member = exchange_get_for_user(exchange_id=exchange_id, user=user)
    _require(can_manage_members(member))
    return exchange, member


def member_list_for_exchange(*, exchange: Exchange) -> QuerySet[Member]:
    """The exchange's people. Inactive accounts are left out: they include the
    "Former member" placeholder that keeps a deleted person's words, which is
    nobody to invite, mark present or count."""
    return (
        exchange.members.filter(user__is_active=True)
        .select_related("team", "user")
        .order_by("team__community_name", "display_name")
    )


def invitation_list_for_exchange(*, exchange: Exchange) -> QuerySet[Invitation]:
    """Invitations not yet answered first, so the people to chase are at the top."""
    order = {InvitationState.PENDING: 0, InvitationState.EXPIRED: 1, InvitationState.REVOKED: 2}
    rank = Case(
        *(When(state=Value(state), then=Value(n)) for state, n in order.items()),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        exchange.invitations.select_related("team")
        .annotate(state=invitation_state_expression())
        .annotate(state_rank=rank)
        .order_by("state_rank", "name", "-created_at")
    )


def invitation_get_for_manager(*, invitation_id: int, exchange_id: int, user) -> tuple[Invitation, Member]:
    exchange, member = exchange_get_for_manager(exchange_id=exchange_id, user=user)
    invitation = exchange.invitations.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation, member


def member_get_for_manager(*, exchange_id: int, member_id: int, user) -> tuple[Member, Member]:
    """The member to edit, and the facilitator editing them."""
    exchange, actor = exchange_get_for_manager(exchange_id=exchange_id, user=user)
    target = exchange.members.select_related("team", "user").filter(pk=member_id).first()
    if target is None:
        raise Http404("No such member.")
    return target, actor


def meeting_get_for_attendance(*, meeting_id: int, user) -> tuple[Meeting, Member]:
    meeting, member = meeting_get_for_user(meeting_id=meeting_id, user=user)
    _require(can_mark_attendance(member))
    return meeting, member


@dataclass
class AttendanceRow:
    member: Member
    rsvp: RSVP | None
    attendance: Attendance | None

    @property
    def present(self) -> bool:
        return self.attendance is not None

    @property
    def joined_live(self) -> bool:
        return self.attendance is not None and self.attendance.source == Attendance.Source.LIVE


def attendance_rows_for_meeting(*, meeting: Meeting) -> list[AttendanceRow]:
    """Each member of the exchange with their RSVP and whether they were recorded as present."""
    members = list(member_list_for_exchange(exchange=meeting.exchange))
    rsvps = {r.member_id: r for r in RSVP.objects.filter(meeting=meeting)}
    present = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    return [AttendanceRow(m, rsvps.get(m.pk), present.get(m.pk)) for m in members]


# --- Series ------------------------------------------------------------------------------


@dataclass
class SeriesCell:
    rsvp: RSVP | None = None
    attended: bool = False


@dataclass
class SeriesMemberRow:
    member: Member
    cells: list[SeriesCell]

    @property
    def attended_count(self) -> int:
        return sum(1 for c in self.cells if c.attended)


@dataclass
class SeriesTeam:
    team: Team | None
    rows: list[SeriesMemberRow] = field(default_factory=list)
    attended_counts: list[int] = field(default_factory=list)
    coming_counts: list[int] = field(default_factory=list)

    @property
    def totals(self) -> list[tuple[int, int]]:
        """Per meeting: how many of the team said they were coming, and how many came."""
        return list(zip(self.coming_counts, self.attended_counts, strict=True))

    @property
    def name(self) -> str:
        return self.team.community_name if self.team else "No team"


@dataclass
class Series:
    exchange: Exchange
    meetings: list[Meeting]
    teams: list[SeriesTeam]
    show_notes: bool
    viewer: Member


def exchange_series(*, exchange_id: int, user) -> Series:
    """Who said they would come to each meeting and who came, per member and per team.

    Continuity across meetings is what an exchange is for, so the grid shows
    every member against every meeting of the series. Four queries, whatever
    the size of the exchange.
    """
    exchange, member = exchange_get_for_user(exchange_id=exchange_id, user=user)
    _require(can_view_series(member))
    meetings = list(exchange.meetings.order_by("number"))
    members = list(member_list_for_exchange(exchange=exchange))
    rsvps = {(r.member_id, r.meeting_id): r for r in RSVP.objects.filter(meeting__exchange=exchange)}
    attended = set(Attendance.objects.filter(meeting__exchange=exchange).values_list("member_id", "meeting_id"))
    teams: dict[int | None, SeriesTeam] = {}
    for m in members:
        group = teams.setdefault(m.team_id, SeriesTeam(team=m.team))
        cells = [SeriesCell(rsvps.get((m.pk, mt.pk)), (m.pk, mt.pk) in attended) for mt in meetings]
        group.rows.append(SeriesMemberRow(m, cells))
    for group in teams.values():
        group.attended_counts = [sum(1 for r in group.rows if r.cells[i].attended) for i in range(len(meetings))]
        group.coming_counts = [
            sum(1 for r in group.rows if r.cells[i].rsvp and r.cells[i].rsvp.response == RSVP.Response.COMING)
            for i in range(len(meetings))
        ]
    ordered = sorted(teams.values(), key=lambda g: (g.team is None, g.name.lower()))
    return Series(
        exchange=exchange, meetings=meetings, teams=ordered, show_notes=can_see_rsvp_notes(member), viewer=member
    )


# --- Schedule --------------------------------------------------------------------------------


@dataclass
class ScheduleItem:
    meeting: Meeting
    member: Member
    rsvp: RSVP | None

    @property
    def viewer_time_zone(self) -> str:
        return self.member.time_zone


def schedule_for_user(*, user, now: dt.datetime | None = None) -> list[ScheduleItem]:
    """The person's meetings that have not ended yet, across all their exchanges, soonest first.

    Cancelled meetings stay on the list, marked, so nobody travels to one.
    Three queries, whatever the number of exchanges or meetings.
    """
    now = now or timezone.now()
    members = {m.exchange_id: m for m in Member.objects.filter(user=user).select_related("exchange", "team")}
    if not members:
        return []
    meetings = (
        Meeting.objects.filter(exchange_id__in=members.keys(), ends_at__gt=now)
        .select_related("exchange")
        .prefetch_related(Prefetch("sessions", queryset=DialogueSession.objects.order_by("planned_start")))
        .order_by("starts_at", "pk")
    )
    meetings = list(meetings)
    rsvps = {
        r.meeting_id: r for r in RSVP.objects.filter(member__in=members.values(), meeting__in=[m.pk for m in meetings])
    }
    return [ScheduleItem(meeting=m, member=members[m.exchange_id], rsvp=rsvps.get(m.pk)) for m in meetings]


def calendar_user_get(*, token: str) -> User:
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None or not token:
        raise Http404("No such calendar.")
    return user


def calendar_meetings_for_user(*, user: User) -> list[Meeting]:
    """Every meeting of every exchange the person belongs to, with its sessions (two queries)."""
    return list(
        Meeting.objects.filter(exchange__members__user=user)
        .select_related("exchange")
        .prefetch_related(Prefetch("sessions", queryset=DialogueSession.objects.order_by("planned_start")))
        .order_by("starts_at", "pk")
        .distinct()
    )
