"""Across meetings: what teams committed to and what they reported back."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from exchanges.models import Meeting, Team
from participants.models import Commitment, Member
from sessions import visibility
from sessions.models import (
    ContributionTheme,
    Theme,
)

from .access import visible_sessions
from .equity import share
from .rows import archived_contributions


@dataclass
class CommitmentRow:
    meeting_number: int
    session_title: str
    speaker: str
    stakeholder_role: str
    team: str
    text: str
    check_in: dict[str, str] | None
    team_key: str

    @property
    def attribution_line(self) -> str:
        parts = [p for p in (self.speaker, self.stakeholder_role, self.team) if p]
        return ", ".join(parts) if parts else _("Not attributed")


@dataclass
class FollowThrough:
    meetings: list[Meeting]
    teams: list[Team]
    # team id ("" for words counted without a team) -> meeting number -> count
    words: dict[str, dict[int, int]]
    anonymous_words: dict[int, int]
    commitments: list[CommitmentRow]
    rates: list[dict[str, Any]]
    questions: list[str]


UNATTRIBUTED = "unattributed"


def _commitment_attribution(commitment: Commitment, common: frozenset[str]) -> tuple[str, str, str, bool]:
    """(speaker, role, team, text shown) per the session's attribution default.

    A commitment has no consent of its own: it follows the default the
    session was run under, through the same policy as the words
    (``visibility.archive_attribution``); off the record shows no text and no
    attribution, though the commitment still counts.
    """
    consent = commitment.session.attribution_default
    if not visibility.archive_shows_words(consent):
        return "", "", "", False
    seen = visibility.archive_attribution(consent=consent, author=commitment.member, common=common)
    return seen.speaker, seen.stakeholder_role, seen.team, True


def followthrough_get(*, member: Member, theme: Theme | None = None, question: str = "") -> FollowThrough:
    """The same theme or question followed from meeting 1 to N by team, and
    each meeting's commitments with the check-ins that answered them."""
    sessions = visible_sessions(member=member)
    questions = sorted(set(sessions.values_list("question", flat=True)))
    meetings = list(Meeting.objects.filter(exchange_id=member.exchange_id).order_by("number"))
    teams = list(Team.objects.filter(exchange_id=member.exchange_id).order_by("community_name"))
    scoped = sessions.filter(question=question) if question else sessions
    contributions = archived_contributions(member=member, sessions=scoped)
    if theme is not None:
        contributions = contributions.filter(
            Exists(ContributionTheme.objects.filter(contribution_id=OuterRef("pk"), theme=theme))
        )
    words: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    anonymous: dict[int, int] = defaultdict(int)
    for number, team_id, consent in contributions.order_by().values_list(
        "session__meeting__number", "author__team_id", "consent"
    ):
        if consent in visibility.groupable_consents(by="team"):
            words[str(team_id) if team_id else ""][number] += 1
        else:
            anonymous[number] += 1
    commitments = (
        Commitment.objects.filter(session__in=sessions.values("pk"))
        .select_related("member__team", "session__meeting", "check_in")
        .order_by("session__meeting__number", "session__planned_start", "session_id", "pk")
    )
    rows: list[CommitmentRow] = []
    made: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    common = visibility.common_roles(exchange_id=member.exchange_id)
    for c in commitments:
        speaker, role, team, shown = _commitment_attribution(c, common)
        key = (str(c.member.team_id) if c.member.team_id else "") if team else UNATTRIBUTED
        check_in = getattr(c, "check_in", None)  # None when the commitment has no check-in
        made[key] += 1
        if check_in is not None:
            answered[key] += 1
        rows.append(
            CommitmentRow(
                meeting_number=c.session.meeting.number,
                session_title=c.session.title,
                speaker=speaker,
                stakeholder_role=role,
                team=team,
                text=c.text if shown else "",
                check_in=(
                    {
                        "tried": check_in.tried,
                        "how_working": check_in.how_working,
                        "learning": check_in.learning,
                        "next_step": check_in.next_step,
                    }
                    if check_in is not None and shown
                    else ({} if check_in is not None else None)
                ),
                team_key=key,
            )
        )
    team_labels = {str(t.pk): str(t) for t in teams}
    team_labels[""] = _("No team")
    team_labels[UNATTRIBUTED] = _("Not attributed (sessions not on the record by name)")

    def rate_order(key: str) -> tuple[bool, str]:
        # Not a lambda: mypy would infer the wrong overload of ``dict.get`` inside one.
        return key == UNATTRIBUTED, team_labels.get(key, key).lower()

    rates = [
        {
            "label": team_labels.get(key, key),
            "made": made[key],
            "answered": answered[key],
            "rate": share(answered[key], made[key]),
        }
        for key in sorted(made, key=rate_order)
    ]
    return FollowThrough(
        meetings=meetings,
        teams=teams,
        words={k: dict(v) for k, v in words.items()},
        anonymous_words=dict(anonymous),
        commitments=rows,
        rates=rates,
        questions=questions,
    )
