"""Equity of voice: who was heard, by role and team, counted only as the archive itself attributes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from participants.models import Attendance, ExchangeRole, Member
from sessions import visibility
from sessions.models import (
    DialogueSession,
    Turn,
)

from .rows import ROLE_LABELS, archived_contributions

# Groups with fewer people than this in the room have their anonymous words
# left out of their own counts: a small cell could name who said them.
SMALL_CELL = 3


@dataclass
class EquityGroup:
    key: str
    label: str
    people: int
    contributions: int
    turns: int
    passes: int
    small: bool
    room_share: float = 0.0
    contribution_share: float = 0.0
    turn_share: float = 0.0
    filter_query: str = ""


@dataclass
class Equity:
    by_role: list[EquityGroup]
    by_team: list[EquityGroup]
    people: int
    contributions: int
    turns: int
    passes: int
    anonymous_unassigned_role: int
    anonymous_unassigned_team: int
    gini: float
    sessions: int


def gini(values: list[int]) -> float:
    """0 when every person took as many turns as every other; towards 1 when one took them all."""
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    ordered = sorted(values)
    weighted = sum((i + 1) * x for i, x in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def equity_get(*, member: Member, sessions: QuerySet[DialogueSession]) -> Equity:
    """Contributions and turns by stakeholder role and by team against each group's share of the room.

    "In the room" for a session means the participants who attended its
    meeting, or who contributed or took a turn in it: equity of voice is
    about the people the session is held for, so facilitators and conveners
    (who hold the room) and scribes (who record it) are left out of every
    count and share, even when they were included in a go-around. Over several
    sessions a person counts once per session they were in. Only archived
    words are counted (never off the record, withdrawn or redacted). Words
    count for their speaker's group only where the published row says as
    much (``visibility.groupable_consents``: named words by team and role,
    not-for-attribution words by a role shared by at least five members);
    the rest count only in the room's total, or a count set beside the named
    quotes would tell whose the others were. Groups with fewer than
    ``SMALL_CELL`` people in a session's room are flagged small. Seven queries.
    """
    common = visibility.common_roles(exchange_id=member.exchange_id)
    session_rows = list(sessions.values_list("pk", "meeting_id"))
    session_ids = [pk for pk, _meeting in session_rows]
    participants = {
        m.pk: m
        for m in Member.objects.filter(
            exchange_id=member.exchange_id, exchange_role=ExchangeRole.PARTICIPANT
        ).select_related("team")
    }
    attended: dict[int, set[int]] = defaultdict(set)
    for member_id, meeting_id in Attendance.objects.filter(
        meeting_id__in=[m for _session, m in session_rows]
    ).values_list("member_id", "meeting_id"):
        attended[meeting_id].add(member_id)
    words = list(
        archived_contributions(member=member, sessions=sessions)
        .order_by()
        .values_list("session_id", "author_id", "consent")
    )
    turns = list(
        Turn.objects.filter(round__session_id__in=session_ids, status__in=(Turn.Status.SPOKE, Turn.Status.PASSED))
        .order_by()
        .values_list("round__session_id", "member_id", "status")
    )
    room: dict[int, set[int]] = {pk: set(attended[meeting_id]) for pk, meeting_id in session_rows}
    for session_id, author_id, _consent in words:
        room[session_id].add(author_id)
    for session_id, member_id, _status in turns:
        room[session_id].add(member_id)
    for session_id in room:
        room[session_id] &= participants.keys()

    def role_key(m: Member) -> str:
        return m.stakeholder_role

    def team_key(m: Member) -> str:
        return str(m.team_id) if m.team_id else ""

    def build(
        by: str, key_of: Callable[[Member], str], label_of: Callable[[Member], str], filter_of: Callable[[Member], str]
    ) -> tuple[list[EquityGroup], int]:
        groups: dict[str, EquityGroup] = {}
        size: dict[tuple[int, str], int] = defaultdict(int)
        m: Member | None  # below, None for someone not counted among the participants
        for session_id, people in room.items():
            for pk in people:
                m = participants[pk]
                key = key_of(m)
                group = groups.setdefault(
                    key,
                    EquityGroup(
                        key=key,
                        label=label_of(m),
                        people=0,
                        contributions=0,
                        turns=0,
                        passes=0,
                        small=False,
                        filter_query=filter_of(m),
                    ),
                )
                group.people += 1
                size[(session_id, key)] += 1
        unassigned = 0
        for _session_id, author_id, consent in words:
            m = participants.get(author_id)
            if m is None:
                continue
            if not visibility.archive_groupable(
                consent=consent, by=by, stakeholder_role=m.stakeholder_role, common=common
            ):
                unassigned += 1
                continue
            groups[key_of(m)].contributions += 1
        for _session_id, member_id, status in turns:
            m = participants.get(member_id)
            if m is None:
                continue
            group = groups[key_of(m)]
            if status == Turn.Status.SPOKE:
                group.turns += 1
            else:
                group.passes += 1
        for key, group in groups.items():
            if any(size[(sid, key)] < SMALL_CELL for sid in room if size[(sid, key)]):
                group.small = True
        ordered = sorted(groups.values(), key=lambda g: g.label.lower())
        return ordered, unassigned

    by_role, unassigned_role = build(
        "role",
        role_key,
        lambda m: str(ROLE_LABELS.get(m.stakeholder_role, m.stakeholder_role)),
        lambda m: f"role={m.stakeholder_role}",
    )
    by_team, unassigned_team = build(
        "team",
        team_key,
        lambda m: str(m.team) if m.team_id else _("No team"),
        lambda m: f"team={m.team_id}" if m.team_id else "",
    )
    people = sum(len(p) for p in room.values())
    spoke_by_member: dict[int, int] = defaultdict(int)
    passes = 0
    for _sid, member_id, status in turns:
        if member_id not in participants:
            continue
        if status == Turn.Status.SPOKE:
            spoke_by_member[member_id] += 1
        else:
            passes += 1
    everyone = set().union(*room.values()) if room else set()
    counted_words = sum(1 for _session, a, _consent in words if a in participants)
    for groups in (by_role, by_team):
        words_shown = sum(g.contributions for g in groups) or 0
        turns_total = sum(g.turns for g in groups)
        for g in groups:
            g.room_share = share(g.people, people)
            g.contribution_share = share(g.contributions, words_shown)
            g.turn_share = share(g.turns, turns_total)
    return Equity(
        by_role=by_role,
        by_team=by_team,
        people=people,
        contributions=counted_words,
        turns=sum(spoke_by_member.values()),
        passes=passes,
        anonymous_unassigned_role=unassigned_role,
        anonymous_unassigned_team=unassigned_team,
        gini=round(gini([spoke_by_member.get(pk, 0) for pk in everyone]), 3),
        sessions=len(session_ids),
    )


def share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0
