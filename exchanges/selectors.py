"""Reads for exchanges, teams, meetings and their sessions, each checked against the reader.

A selector that takes ``user`` returns only what that person may see and
raises ``Http404`` for anything else, so an outsider cannot learn that an
exchange exists. Lists are fetched in a fixed number of queries however many
teams, meetings or members there are.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.selectors import member_get_or_404, object_get_for_member, require_role
from participants.models import RSVP, Attendance, ExchangeRole, Member, StakeholderRole, User
from participants.permissions import can_mark_attendance, can_see_rsvp_notes, can_view_series
from participants.selectors import member_list_for_exchange

from .models import Exchange, Meeting, Team

if TYPE_CHECKING:  # annotations only: sessions sits above exchanges
    from sessions.models import DialogueSession


def exchange_list_for_user(*, user) -> QuerySet[Exchange]:
    """The exchanges a person belongs to, with their own role in each and how many people are in it.

    Membership is matched in a subquery, not by filtering on ``members``:
    filtering through the same relation the count uses would count only the
    reader's own row, and every exchange would show "1 member".
    """
    mine = Member.objects.filter(user=user, exchange=OuterRef("pk"))
    return (
        Exchange.objects.filter(pk__in=Member.objects.filter(user=user).values("exchange_id"))
        .annotate(my_role=Subquery(mine.values("exchange_role")[:1]), member_count=Count("members", distinct=True))
        .order_by("-created_at")
    )


def exchange_get_for_user(*, exchange_id: int, user) -> tuple[Exchange, Member]:
    member = member_get_or_404(user=user, exchange_id=exchange_id)
    return member.exchange, member


def meeting_get_for_user(*, meeting_id: int, user) -> tuple[Meeting, Member]:
    return object_get_for_member(
        Meeting.objects.select_related("exchange"),
        pk=meeting_id,
        user=user,
        exchange_id=lambda m: m.exchange_id,
        name="meeting",
    )


def team_get_for_user(*, team_id: int, user) -> tuple[Team, Member]:
    return object_get_for_member(
        Team.objects.select_related("exchange"), pk=team_id, user=user, exchange_id=lambda t: t.exchange_id, name="team"
    )


def meeting_list_for_exchange(*, exchange: Exchange) -> QuerySet[Meeting]:
    """The series in date order (which is also the order of their numbers),
    each meeting with how many sessions it has, and its sessions (a meeting
    over several days is shown a day at a time, ``exchanges.days``)."""
    return (
        exchange.meetings.annotate(session_count=Count("sessions"))
        .prefetch_related("sessions")
        .order_by("starts_at", "pk")
    )


def team_list_for_exchange(*, exchange: Exchange) -> QuerySet[Team]:
    return exchange.teams.annotate(member_count=Count("members")).order_by("community_name")


def session_list_for_meeting(*, meeting: Meeting) -> "QuerySet[DialogueSession]":
    """A meeting's sessions in time order, each with its agenda: two queries."""
    return meeting.sessions.order_by("planned_start").prefetch_related(
        "phases"  # in agenda order (Phase.Meta.ordering)
    )


# --- Composition --------------------------------------------------------------

# Without these two voices a team cannot do what the exchange is for: rebuild
# trust between a community and the people who police it.
REQUIRED_STAKEHOLDERS = (StakeholderRole.LAW_ENFORCEMENT, StakeholderRole.COMMUNITY_LEADER)
GAP_LABELS: dict[str, str | Promise] = {
    StakeholderRole.LAW_ENFORCEMENT: gettext_lazy("No law enforcement member"),
    StakeholderRole.COMMUNITY_LEADER: gettext_lazy("No community leader"),
}


@dataclass
class CompositionRow:
    label: str
    counts: list[int]
    total: int
    gaps: list[str | Promise] = field(default_factory=list)
    team: Team | None = None


@dataclass
class Composition:
    roles: list[tuple[str, str]]
    rows: list[CompositionRow]
    unplaced: CompositionRow
    column_totals: list[int]
    total: int

    @property
    def teams_with_gaps(self) -> int:
        return sum(1 for row in self.rows if row.gaps)


def composition_get_for_exchange(*, exchange: Exchange) -> Composition:
    """How many members of each stakeholder role each team has, and which teams lack a voice.

    One aggregate query over teams (so a team with nobody on it still shows,
    flagged), and one for participants not yet placed on a team.
    """
    roles = [(value, str(label)) for value, label in StakeholderRole.choices]  # in the reader's language
    counts = {role: Count("members", filter=Q(members__stakeholder_role=role)) for role, _label in roles}
    teams = Team.objects.filter(exchange=exchange).annotate(**counts).order_by("community_name")
    rows = []
    for team in teams:
        row_counts = [getattr(team, role) for role, _label in roles]
        gaps = [GAP_LABELS[role] for role in REQUIRED_STAKEHOLDERS if getattr(team, role) == 0]
        rows.append(
            CompositionRow(
                label=f"{team.community_name}, {team.state_region}",
                counts=row_counts,
                total=sum(row_counts),
                gaps=gaps,
                team=team,
            )
        )
    unplaced_counts = Member.objects.filter(
        exchange=exchange, team__isnull=True, exchange_role=ExchangeRole.PARTICIPANT, user__is_active=True
    ).aggregate(**{role: Count("pk", filter=Q(stakeholder_role=role)) for role, _label in roles})
    unplaced_row = [unplaced_counts[role] for role, _label in roles]
    unplaced = CompositionRow(label=_("Not yet on a team"), counts=unplaced_row, total=sum(unplaced_row))
    column_totals = [sum(row.counts[i] for row in rows) for i in range(len(roles))]
    return Composition(
        roles=roles,
        rows=rows,
        unplaced=unplaced,
        column_totals=column_totals,
        total=sum(column_totals),
    )


def meeting_get_for_manager(*, meeting_id: int, user) -> tuple[Meeting, Member]:
    meeting, member = meeting_get_for_user(meeting_id=meeting_id, user=user)
    require_role(can_mark_attendance(member))
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


def attendance_list_for_meeting(*, meeting: Meeting) -> list[AttendanceRow]:
    """Each member of the exchange with their RSVP and whether they were recorded as present."""
    members = list(member_list_for_exchange(exchange=meeting.exchange))
    rsvps = {r.member_id: r for r in RSVP.objects.filter(meeting=meeting)}
    present = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    return [AttendanceRow(m, rsvps.get(m.pk), present.get(m.pk)) for m in members]


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
        return self.team.community_name if self.team else _("No team")


@dataclass
class Series:
    exchange: Exchange
    meetings: list[Meeting]
    teams: list[SeriesTeam]
    show_notes: bool
    viewer: Member


def series_get_for_user(*, exchange_id: int, user) -> Series:
    """Who said they would come to each meeting and who came, per member and per team.

    Continuity across meetings is what an exchange is for, so the grid shows
    every member against every meeting of the series. Four queries, whatever
    the size of the exchange.
    """
    exchange, member = exchange_get_for_user(exchange_id=exchange_id, user=user)
    require_role(can_view_series(member))
    meetings = list(exchange.meetings.order_by("starts_at", "pk"))
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
            sum(1 for r in group.rows if (rsvp := r.cells[i].rsvp) and rsvp.response == RSVP.Response.COMING)
            for i in range(len(meetings))
        ]
    ordered = sorted(teams.values(), key=lambda g: (g.team is None, g.name.lower()))
    return Series(
        exchange=exchange, meetings=meetings, teams=ordered, show_notes=can_see_rsvp_notes(member), viewer=member
    )


@dataclass
class ScheduleItem:
    meeting: Meeting
    member: Member
    rsvp: RSVP | None

    @property
    def viewer_time_zone(self) -> str:
        return self.member.time_zone


def schedule_list_for_user(*, user, now: dt.datetime | None = None) -> list[ScheduleItem]:
    """The person's meetings that have not ended yet, across all their exchanges, soonest first.

    Cancelled meetings stay on the list, marked, so nobody travels to one.
    Three queries, whatever the number of exchanges or meetings.
    """
    now = now or timezone.now()
    members = {m.exchange_id: m for m in Member.objects.filter(user=user).select_related("exchange", "team")}
    if not members:
        return []
    meetings: Iterable[Meeting] = (
        Meeting.objects.filter(exchange_id__in=members.keys(), ends_at__gt=now)
        .select_related("exchange")
        .prefetch_related("sessions")  # in time order (DialogueSession.Meta.ordering)
        .order_by("starts_at", "pk")
    )
    meetings = list(meetings)
    rsvps = {
        r.meeting_id: r for r in RSVP.objects.filter(member__in=members.values(), meeting__in=[m.pk for m in meetings])
    }
    return [ScheduleItem(meeting=m, member=members[m.exchange_id], rsvp=rsvps.get(m.pk)) for m in meetings]


def meeting_list_for_calendar(*, user: User) -> list[Meeting]:
    """Every meeting of every exchange the person belongs to, with its sessions (two queries)."""
    return list(
        Meeting.objects.filter(exchange__members__user=user)
        .select_related("exchange")
        .prefetch_related("sessions")  # in time order (DialogueSession.Meta.ordering)
        .order_by("starts_at", "pk")
        .distinct()
    )
