"""The consent-filtered rows every surface shares, and the transcript built from them.

A contribution reaches a reader only through ``archived_contributions``
(published sessions the reader may see; never off the record, withdrawn,
redacted or erased) and is attributed only by ``_attribute`` (the visibility
policy's ``archive_attribution``). The transcript, search, themes, exports and
the equity drill-down all build their rows with ``rows_build``, so a page and
an export of the same words can never disagree about who said them."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants.models import Member, StakeholderRole, User
from sessions import visibility
from sessions.models import (
    Acknowledgement,
    Attribution,
    Contribution,
    ContributionTheme,
    DialogueSession,
    Round,
    SessionEvent,
)

from .access import archived_session_get_for_user, visible_sessions

ARCHIVED_CONSENTS = visibility.ARCHIVED_CONSENTS


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TRANSCRIPT_PAGE_SIZE = 200


ROLE_LABELS = dict(StakeholderRole.choices)


KIND_LABELS = dict(Contribution.Kind.choices)


CONSENT_LABELS: dict[str, StrOrPromise] = {
    Attribution.NAMED: gettext_lazy("Named"),
    Attribution.NOT_FOR_ATTRIBUTION: gettext_lazy("Not for attribution"),
    Attribution.ANONYMOUS: gettext_lazy("Anonymous"),
}


def archived_contributions(
    *, member: Member, sessions: QuerySet[DialogueSession] | None = None
) -> QuerySet[Contribution]:
    """Every contribution this member may read in the archive, in no particular order.

    Published sessions the reader may see; never off the record, withdrawn,
    redacted, or erased.
    """
    if sessions is None:
        sessions = visible_sessions(member=member)
    seq = SessionEvent.objects.filter(contribution_id=OuterRef("pk"), name="contribution_added").values("seq")[:1]
    return (
        Contribution.objects.filter(
            session__in=sessions.values("pk"),
            consent__in=ARCHIVED_CONSENTS,
            withdrawn_at__isnull=True,
            purged_at__isnull=True,
            redaction__isnull=True,
        )
        .exclude(text="")
        .select_related("session__meeting", "author__team", "phase")
        .annotate(seq=Subquery(seq))
    )


def in_transcript_order(contributions: QuerySet[Contribution]) -> QuerySet[Contribution]:
    return contributions.order_by(
        "session__meeting__number",
        "session__planned_start",
        "session_id",
        F("seq").asc(nulls_last=True),
        "created_at",
        "pk",
    )


@dataclass
class ArchiveRow:
    """One contribution as the archive may show it: attributed per consent, nothing more."""

    id: int
    session_id: int
    session_title: str
    meeting_number: int
    meeting_title: str
    seq: int | None
    created_at: dt.datetime
    phase: str
    round: int | None
    kind: str
    consent: str
    attribution: str
    speaker: str
    stakeholder_role: str
    team: str
    text: str
    reply_to_id: int | None
    reply_shown: bool = False
    # The language the words were written in, where the row names who wrote them.
    lang: str = ""
    acknowledgements: int = 0
    reflections: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    snippet: SafeString | None = None

    @property
    def anchor(self) -> str:
        return f"c{self.id}"

    @property
    def attribution_line(self) -> str:
        """ "Name, role, team", "role, team", or "Anonymous"."""
        parts = [p for p in (self.speaker, self.stakeholder_role, self.team) if p]
        return ", ".join(parts) if parts else _("Anonymous")

    def as_export(self) -> dict[str, Any]:
        return {
            "contribution_id": self.id,
            "meeting_number": self.meeting_number,
            "meeting_title": self.meeting_title,
            "session_id": self.session_id,
            "session_title": self.session_title,
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "phase": self.phase,
            "round": self.round,
            "kind": self.kind,
            "attribution": self.consent,
            "speaker": self.speaker,
            "stakeholder_role": self.stakeholder_role,
            "team": self.team,
            "text": self.text,
            "reply_to_id": self.reply_to_id if self.reply_shown else None,
            "acknowledgements": self.acknowledgements,
            "reflections": list(self.reflections),
            "themes": list(self.themes),
        }


EXPORT_COLUMNS = [
    "contribution_id",
    "meeting_number",
    "meeting_title",
    "session_id",
    "session_title",
    "seq",
    "created_at",
    "phase",
    "round",
    "kind",
    "attribution",
    "speaker",
    "stakeholder_role",
    "team",
    "text",
    "reply_to_id",
    "acknowledgements",
    "reflections",
    "themes",
]


def _attribute(contribution: Contribution, common: frozenset[str]) -> tuple[str, str, str]:
    """(speaker, stakeholder role, team) exactly as far as the speaker consented.

    The only place the archive reads who said something, and it asks the
    visibility policy.
    """
    seen = visibility.archive_attribution(consent=contribution.consent, author=contribution.author, common=common)
    return seen.speaker, seen.stakeholder_role, seen.team


def _round_finder(session_ids: set[int]) -> Callable[[int, dt.datetime], int | None]:
    """Which go-around was running when a contribution was made.

    The room does not tag words with a round; a contribution belongs to the
    round active in its session at the moment it was stored. Rounds are
    numbered 1, 2, 3 in the order they began within their session.
    """
    by_session: dict[int, list[tuple[dt.datetime, dt.datetime | None, int]]] = defaultdict(list)
    rounds = Round.objects.filter(session_id__in=session_ids).order_by("session_id", "started_at", "pk")
    for session_id, started_at, ended_at in rounds.values_list("session_id", "started_at", "ended_at"):
        number = len(by_session[session_id]) + 1
        by_session[session_id].append((started_at, ended_at, number))
    starts = {sid: [r[0] for r in rs] for sid, rs in by_session.items()}

    def find(session_id: int, at: dt.datetime) -> int | None:
        rs = by_session.get(session_id)
        if not rs:
            return None
        i = bisect.bisect_right(starts[session_id], at) - 1
        if i < 0:
            return None
        started_at, ended_at, number = rs[i]
        return number if ended_at is None or at <= ended_at else None

    return find


def rows_build(contributions: list[Contribution], *, scope: QuerySet[Contribution] | None = None) -> list[ArchiveRow]:
    """Turn fetched contributions into rows, with their themes, acknowledgements and rounds.

    Three more queries whatever the number of rows. ``scope`` (the unsliced,
    already filtered queryset) lets the side queries use a subquery instead of
    a long list of ids when every row is wanted, as in an export.
    """
    if not contributions:
        return []
    ids = [c.pk for c in contributions]
    id_filter = {"contribution_id__in": scope.values("pk") if scope is not None else ids}
    themes: dict[int, list[str]] = defaultdict(list)
    tags = ContributionTheme.objects.filter(**id_filter).order_by("theme__name")
    for contribution_id, name in tags.values_list("contribution_id", "theme__name"):
        themes[contribution_id].append(name)
    ack_counts: dict[int, int] = defaultdict(int)
    reflections: dict[int, list[str]] = defaultdict(list)
    acks = Acknowledgement.objects.filter(**id_filter).order_by("created_at", "pk")
    for contribution_id, reflection in acks.values_list("contribution_id", "reflection"):
        ack_counts[contribution_id] += 1
        if reflection:
            reflections[contribution_id].append(reflection)
    find_round = _round_finder({c.session_id for c in contributions})
    common = visibility.common_roles(exchange_id=contributions[0].session.meeting.exchange_id)
    shown = set(ids) if scope is None else None
    rows = []
    for c in contributions:
        speaker, role, team = _attribute(c, common)
        rows.append(
            ArchiveRow(
                id=c.pk,
                session_id=c.session_id,
                session_title=c.session.title,
                meeting_number=c.session.meeting.number,
                meeting_title=c.session.meeting.title,
                seq=getattr(c, "seq", None),
                created_at=c.created_at,
                phase=c.phase.title if c.phase is not None else "",
                round=find_round(c.session_id, c.created_at) if visibility.archive_shows_round(c.consent) else None,
                kind=str(KIND_LABELS.get(c.kind, c.kind)),
                consent=c.consent,
                attribution=str(CONSENT_LABELS[c.consent]),
                speaker=speaker,
                stakeholder_role=role,
                team=team,
                text=c.text,
                lang=visibility.words_language(language=c.language, author_shown=bool(speaker)),
                reply_to_id=c.reply_to_id,
                reply_shown=c.reply_to_id is not None and (shown is None or c.reply_to_id in shown),
                acknowledgements=ack_counts[c.pk],
                reflections=reflections[c.pk],
                themes=themes[c.pk],
                snippet=getattr(c, "snippet", None),
            )
        )
    if shown is None:
        # An export: a reply points at its parent only when the parent is in the archive too.
        present = {r.id for r in rows}
        for r in rows:
            r.reply_shown = r.reply_to_id in present
    return rows


@dataclass
class TranscriptGroup:
    phase: str
    round: int | None
    rows: list[ArchiveRow]


@dataclass
class Transcript:
    session: DialogueSession
    member: Member
    page: object
    groups: list[TranscriptGroup]


def group_rows(rows: list[ArchiveRow]) -> list[TranscriptGroup]:
    """Consecutive rows of the same phase and round, in order, under one heading."""
    groups: list[TranscriptGroup] = []
    for row in rows:
        if not groups or (groups[-1].phase, groups[-1].round) != (row.phase, row.round):
            groups.append(TranscriptGroup(phase=row.phase, round=row.round, rows=[]))
        groups[-1].rows.append(row)
    return groups


def transcript_get(*, session_id: int, user: User | AnonymousUser, page_number: int | str | None = 1) -> Transcript:
    """One published session's words, in the order the room heard them, a page at a time."""
    session, member = archived_session_get_for_user(session_id=session_id, user=user)
    sessions = DialogueSession.objects.filter(pk=session.pk)
    contributions = in_transcript_order(archived_contributions(member=member, sessions=sessions))
    page = Paginator(contributions, TRANSCRIPT_PAGE_SIZE).get_page(page_number)
    rows = rows_build(list(page.object_list))
    # A reply on this page may answer something on an earlier page: link to it
    # only when the parent is in the archive at all.
    parents = {r.reply_to_id for r in rows if r.reply_to_id and not r.reply_shown}
    if parents:
        archived_parents = set(
            archived_contributions(member=member, sessions=sessions).filter(pk__in=parents).values_list("pk", flat=True)
        )
        for r in rows:
            if r.reply_to_id in archived_parents:
                r.reply_shown = True
    return Transcript(session=session, member=member, page=page, groups=group_rows(rows))


def export_rows(*, member: Member, contributions: QuerySet[Contribution]) -> list[ArchiveRow]:
    """Every row of an export, built with the same rules as the pages."""
    ordered = in_transcript_order(contributions)
    return rows_build(list(ordered), scope=contributions)
