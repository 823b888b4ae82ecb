"""Reads for exchanges, teams, meetings and their sessions, each checked against the reader.

A selector that takes ``user`` returns only what that person may see and
raises ``Http404`` for anything else, so an outsider cannot learn that an
exchange exists. Lists are fetched in a fixed number of queries however many
teams, meetings or members there are.
"""

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from participants.models import ExchangeRole, Member, StakeholderRole
from sessions.models import DialogueSession, Phase

from .models import Exchange, Meeting, Team


def member_get(*, user, exchange_id: int) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.select_related("team", "exchange").filter(user=user, exchange_id=exchange_id).first()


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
    member = member_get(user=user, exchange_id=exchange_id)
    if member is None:
        raise Http404("No such exchange.")
    return member.exchange, member


def meeting_get_for_user(*, meeting_id: int, user) -> tuple[Meeting, Member]:
    meeting = Meeting.objects.select_related("exchange").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("No such meeting.")
    member = member_get(user=user, exchange_id=meeting.exchange_id)
    if member is None:
        raise Http404("No such meeting.")
    return meeting, member


def team_get_for_user(*, team_id: int, user) -> tuple[Team, Member]:
    team = Team.objects.select_related("exchange").filter(pk=team_id).first()
    if team is None:
        raise Http404("No such team.")
    member = member_get(user=user, exchange_id=team.exchange_id)
    if member is None:
        raise Http404("No such team.")
    return team, member


def dialogue_session_get_for_user(*, meeting_id: int, session_id: int, user) -> tuple[DialogueSession, Member]:
    """A session as scheduled in its meeting; the meeting in the URL must be its own."""
    session = (
        DialogueSession.objects.select_related("meeting__exchange").filter(pk=session_id, meeting_id=meeting_id).first()
    )
    if session is None:
        raise Http404("No such session.")
    member = member_get(user=user, exchange_id=session.meeting.exchange_id)
    if member is None:
        raise Http404("No such session.")
    return session, member


def exchange_meetings(*, exchange: Exchange) -> QuerySet[Meeting]:
    """The series in order, each meeting with how many sessions it has."""
    return exchange.meetings.annotate(session_count=Count("sessions")).order_by("number")


def exchange_teams(*, exchange: Exchange) -> QuerySet[Team]:
    return exchange.teams.annotate(member_count=Count("members")).order_by("community_name")


def meeting_sessions(*, meeting: Meeting) -> QuerySet[DialogueSession]:
    """A meeting's sessions in time order, each with its agenda: two queries."""
    return meeting.sessions.order_by("planned_start").prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("order"))
    )


# --- Composition --------------------------------------------------------------

# Without these two voices a team cannot do what the exchange is for: rebuild
# trust between a community and the people who police it.
REQUIRED_STAKEHOLDERS = (StakeholderRole.LAW_ENFORCEMENT, StakeholderRole.COMMUNITY_LEADER)
GAP_LABELS = {
    StakeholderRole.LAW_ENFORCEMENT: "No law enforcement member",
    StakeholderRole.COMMUNITY_LEADER: "No community leader",
}


@dataclass
class CompositionRow:
    label: str
    counts: list[int]
    total: int
    gaps: list[str] = field(default_factory=list)
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


def exchange_composition(*, exchange: Exchange) -> Composition:
    """How many members of each stakeholder role each team has, and which teams lack a voice.

    One aggregate query over teams (so a team with nobody on it still shows,
    flagged), and one for participants not yet placed on a team.
    """
    roles = list(StakeholderRole.choices)
    counts = {role: Count("members", filter=Q(members__stakeholder_role=role)) for role, _ in roles}
    teams = Team.objects.filter(exchange=exchange).annotate(**counts).order_by("community_name")
    rows = []
    for team in teams:
        row_counts = [getattr(team, role) for role, _ in roles]
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
    ).aggregate(**{role: Count("pk", filter=Q(stakeholder_role=role)) for role, _ in roles})
    unplaced_row = [unplaced_counts[role] for role, _ in roles]
    unplaced = CompositionRow(label="Not yet on a team", counts=unplaced_row, total=sum(unplaced_row))
    column_totals = [sum(row.counts[i] for row in rows) for i in range(len(roles))]
    return Composition(
        roles=roles,
        rows=rows,
        unplaced=unplaced,
        column_totals=column_totals,
        total=sum(column_totals),
    )
