"""Reads of the archive, each checked against the reader and honouring consent.

The one rule every surface keeps: a contribution reaches a reader only
through ``archived_contributions`` (published sessions the reader may see;
never off the record, withdrawn, redacted or erased) and is attributed only
by ``_attribute`` (named: name, role and team; not for attribution: role and
team; anonymous: nothing). The transcript, search, themes, exports and the
equity drill-down all build their rows with ``rows_build``, so a page and an
export of the same words can never disagree about who said them.

A person outside the exchange, or a participant asking for a session they were
not in, gets ``Http404``: the archive does not say what exists. Every read
here runs a fixed number of queries however many contributions there are.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.selectors import member_get
from exchanges.models import Exchange, Meeting, Team
from participants.models import Attendance, Commitment, Member, SessionAttendance, StakeholderRole, User
from sessions import visibility
from sessions.models import (
    Acknowledgement,
    Attribution,
    Contribution,
    ContributionTheme,
    DialogueSession,
    Round,
    SessionEvent,
    Theme,
    Turn,
)

from . import permissions
from .models import ArchiveAccess, ArchiveReview, ReviewRelease

ARCHIVED_CONSENTS = visibility.ARCHIVED_CONSENTS
TRANSCRIPT_PAGE_SIZE = 200
SEARCH_PAGE_SIZE = 50
THEME_PAGE_SIZE = 100
ACCESS_LOG_PAGE_SIZE = 100
# Groups with fewer people than this in the room have their anonymous words
# left out of their own counts: a small cell could name who said them.
SMALL_CELL = 3
ROLE_LABELS = dict(StakeholderRole.choices)
KIND_LABELS = dict(Contribution.Kind.choices)
CONSENT_LABELS: dict[str, str] = {
    Attribution.NAMED: "Named",
    Attribution.NOT_FOR_ATTRIBUTION: "Not for attribution",
    Attribution.ANONYMOUS: "Anonymous",
}


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Who may see which sessions ---------------------------------------------------


def member_for_exchange(*, user: User | AnonymousUser, exchange_id: int) -> Member:
    member = member_get(user=user, exchange_id=exchange_id)
    if member is None:
        raise Http404("No such exchange.")
    return member


def _in_session_q(member: Member) -> Q:
    """The sessions a member was in: present in its open room, marked present
    at its meeting by a facilitator, their own words, or a turn in one of its
    rounds. Opening a room is not being in it: only presence while the
    session was open counts (``SessionAttendance``)."""
    return Q(
        Exists(SessionAttendance.objects.filter(member=member, session_id=OuterRef("pk")))
        | Exists(
            Attendance.objects.filter(member=member, meeting_id=OuterRef("meeting_id"), source=Attendance.Source.MARKED)
        )
        | Exists(Contribution.objects.filter(author=member, session_id=OuterRef("pk")))
        | Exists(Turn.objects.filter(member=member, round__session_id=OuterRef("pk")))
    )


def visible_sessions(*, member: Member) -> QuerySet[DialogueSession]:
    """The published sessions whose archive this member may read."""
    sessions = DialogueSession.objects.filter(
        meeting__exchange_id=member.exchange_id, archive_review__published_at__isnull=False
    )
    if not permissions.holds_archive(member):
        sessions = sessions.filter(_in_session_q(member))
    return sessions


def session_get_for_archive(
    *, session_id: int, user: User | AnonymousUser, published: bool = True
) -> tuple[DialogueSession, Member]:
    """A session and the reader's place in its exchange, or 404.

    With ``published`` the session must be published and, for a participant
    or scribe, one they were in.
    """
    session = (
        DialogueSession.objects.select_related("meeting__exchange", "archive_review").filter(pk=session_id).first()
    )
    if session is None:
        raise Http404("No such session.")
    member = member_get(user=user, exchange_id=session.meeting.exchange_id)
    if member is None:
        raise Http404("No such session.")
    if published:
        review = getattr(session, "archive_review", None)
        if review is None or not review.is_published:
            raise Http404("This session's archive is not published.")
        if not permissions.holds_archive(member):
            if not DialogueSession.objects.filter(pk=session.pk).filter(_in_session_q(member)).exists():
                raise Http404("No such session.")
    return session, member


def review_for(session: DialogueSession) -> ArchiveReview | None:
    try:
        return session.archive_review
    except ArchiveReview.DoesNotExist:
        return None


# --- The consent-filtered rows every surface shares -----------------------------------


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
        return ", ".join(parts) if parts else "Anonymous"

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
                kind=KIND_LABELS.get(c.kind, c.kind),
                consent=c.consent,
                attribution=CONSENT_LABELS[c.consent],
                speaker=speaker,
                stakeholder_role=role,
                team=team,
                text=c.text,
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


# --- Transcript ---------------------------------------------------------------------------


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
    session, member = session_get_for_archive(session_id=session_id, user=user)
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


# --- Search and filters ----------------------------------------------------------------


@dataclass
class ArchiveFilters:
    q: str = ""
    team: Team | None = None
    role: str = ""
    meeting: Meeting | None = None
    theme: Theme | None = None
    session: DialogueSession | None = None

    def as_query(self) -> str:
        """The filters as a URL query string, for links to further pages and exports."""
        parts: list[tuple[str, str]] = []
        if self.q:
            parts.append(("q", self.q))
        for name in ("team", "meeting", "theme", "session"):
            value = getattr(self, name)
            if value is not None:
                parts.append((name, str(value.pk)))
        if self.role:
            parts.append(("role", self.role))
        return urlencode(parts)

    @property
    def active(self) -> bool:
        return bool(self.as_query())


def filtered_contributions(*, member: Member, filters: ArchiveFilters) -> QuerySet[Contribution]:
    """The archive narrowed by the reader's filters, never re-identifying anyone.

    Filtering by team or stakeholder role matches only words that the
    published row itself attributes so (``visibility.groupable_consents``):
    otherwise the filter would say whose they were.
    """
    contributions = archived_contributions(member=member)
    if filters.team is not None:
        contributions = contributions.filter(
            consent__in=visibility.groupable_consents(by="team"), author__team=filters.team
        )
    if filters.role:
        common = visibility.common_roles(exchange_id=member.exchange_id)
        contributions = contributions.filter(
            consent__in=visibility.groupable_consents(by="role", stakeholder_role=filters.role, common=common),
            author__stakeholder_role=filters.role,
        )
    if filters.meeting is not None:
        contributions = contributions.filter(session__meeting=filters.meeting)
    if filters.session is not None:
        contributions = contributions.filter(session=filters.session)
    if filters.theme is not None:
        contributions = contributions.filter(
            Exists(ContributionTheme.objects.filter(contribution_id=OuterRef("pk"), theme=filters.theme))
        )
    return contributions


def _marker() -> tuple[str, str]:
    token = secrets.token_hex(6)
    return f"[[[mark-{token}]]]", f"[[[/mark-{token}]]]"


def highlight(headline: str, start: str, stop: str) -> SafeString:
    """Escape a headline's text, then turn its match markers into ``<mark>``.

    The markers are random per search and survive escaping unchanged, so no
    text a person wrote can open or close a tag.
    """
    escaped = html.escape(headline)
    return mark_safe(escaped.replace(start, "<mark>").replace(stop, "</mark>"))


def plain_snippet(text: str, q: str, width: int = 90) -> SafeString:
    """Where the words were found, with the match marked: escaped piece by piece."""
    at = text.lower().find(q.lower())
    if at < 0:
        short = text[: width * 2]
        return mark_safe(html.escape(short) + ("…" if len(text) > len(short) else ""))
    start = max(0, at - width)
    end = min(len(text), at + len(q) + width)
    return mark_safe(
        ("…" if start else "")
        + html.escape(text[start:at])
        + "<mark>"
        + html.escape(text[at : at + len(q)])
        + "</mark>"
        + html.escape(text[at + len(q) : end])
        + ("…" if end < len(text) else "")
    )


def search(contributions: QuerySet[Contribution], q: str) -> tuple[QuerySet[Contribution], tuple[str, str] | None]:
    """Full-text search: ranked with highlighted snippets on PostgreSQL, a
    plain substring match elsewhere. Only the words are searched, never who
    said them."""
    q = q.strip()
    if not q:
        return in_transcript_order(contributions), None
    if is_postgres():
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

        query = SearchQuery(q, config="english", search_type="websearch")
        vector = SearchVector("text", config="english")
        start, stop = _marker()
        ranked = (
            contributions.annotate(search=vector)
            .filter(search=query)
            .annotate(
                rank=SearchRank(vector, query),
                snippet_raw=SearchHeadline(
                    "text",
                    query,
                    config="english",
                    start_sel=start,
                    stop_sel=stop,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .order_by("-rank", "session__meeting__number", "session_id", F("seq").asc(nulls_last=True), "pk")
        )
        return ranked, (start, stop)
    return in_transcript_order(contributions.filter(text__icontains=q)), None


def search_page(
    *, member: Member, filters: ArchiveFilters, page_number: int | str | None = 1, page_size: int = SEARCH_PAGE_SIZE
) -> tuple[Page[Contribution], list[ArchiveRow]]:
    """One page of the filtered, searched archive as rows with snippets."""
    contributions = filtered_contributions(member=member, filters=filters)
    results, markers = search(contributions, filters.q)
    page = Paginator(results, page_size).get_page(page_number)
    found = list(page.object_list)
    for c in found:
        # ``snippet`` is set here for ``rows_build`` to read, and ``snippet_raw``
        # is annotated only on PostgreSQL: neither is a field the stubs know.
        if markers is not None:
            c.snippet = highlight(c.snippet_raw, *markers)  # type: ignore[attr-defined]
        elif filters.q:
            c.snippet = plain_snippet(c.text, filters.q.strip())  # type: ignore[attr-defined]
    return page, rows_build(found)


def search_export_rows(*, member: Member, filters: ArchiveFilters) -> list[ArchiveRow]:
    contributions = filtered_contributions(member=member, filters=filters)
    if filters.q.strip():
        if is_postgres():
            from django.contrib.postgres.search import SearchQuery, SearchVector

            query = SearchQuery(filters.q.strip(), config="english", search_type="websearch")
            contributions = contributions.annotate(search=SearchVector("text", config="english")).filter(search=query)
        else:
            contributions = contributions.filter(text__icontains=filters.q.strip())
    return export_rows(member=member, contributions=contributions)


# --- The exchange's sessions --------------------------------------------------------------


@dataclass
class SessionSummary:
    session: DialogueSession
    meeting: Meeting
    published: bool
    in_review: bool
    review_closes_at: dt.datetime | None
    readable: bool


def exchange_sessions(*, member: Member) -> list[SessionSummary]:
    """Every meeting's sessions with their state and whether their archive is
    published; two queries."""
    readable = set(visible_sessions(member=member).values_list("pk", flat=True))
    sessions = (
        DialogueSession.objects.filter(meeting__exchange_id=member.exchange_id)
        .select_related("meeting", "archive_review")
        .order_by("meeting__number", "planned_start", "pk")
    )
    out = []
    for s in sessions:
        review = review_for(s)
        published = review is not None and review.is_published
        out.append(
            SessionSummary(
                session=s,
                meeting=s.meeting,
                published=published,
                in_review=s.state == DialogueSession.State.CLOSED and not published,
                review_closes_at=review.closes_at if review else None,
                readable=s.pk in readable,
            )
        )
    return out


# --- Themes ------------------------------------------------------------------------------


@dataclass
class ThemeSummary:
    theme: Theme
    quotes: int


def themes_list(*, member: Member) -> list[ThemeSummary]:
    """The exchange's themes, each with how many quotes the reader may see."""
    counts: dict[int, int] = defaultdict(int)
    tags = ContributionTheme.objects.filter(contribution__in=archived_contributions(member=member).values("pk"))
    for theme_id in tags.values_list("theme_id", flat=True):
        counts[theme_id] += 1
    themes = Theme.objects.filter(exchange_id=member.exchange_id).order_by("name")
    return [ThemeSummary(theme=t, quotes=counts[t.pk]) for t in themes]


def theme_get_for_archive(*, theme_id: int, user: User | AnonymousUser) -> tuple[Theme, Member]:
    theme = Theme.objects.select_related("exchange").filter(pk=theme_id).first()
    if theme is None:
        raise Http404("No such theme.")
    member = member_get(user=user, exchange_id=theme.exchange_id)
    if member is None:
        raise Http404("No such theme.")
    return theme, member


def theme_quotes(
    *, theme: Theme, member: Member, page_number: int | str | None = 1
) -> tuple[Page[Contribution], list[ArchiveRow]]:
    """A theme's quotes across meetings and sessions, attributed per consent."""
    return search_page(
        member=member, filters=ArchiveFilters(theme=theme), page_number=page_number, page_size=THEME_PAGE_SIZE
    )


# --- Review window ------------------------------------------------------------------------


def own_reviewable(*, session: DialogueSession, member: Member) -> list[Contribution]:
    """The member's own words in a closed session that are still theirs to decide on."""
    seq = SessionEvent.objects.filter(contribution_id=OuterRef("pk"), name="contribution_added").values("seq")[:1]
    return list(
        Contribution.objects.filter(
            session=session,
            author=member,
            withdrawn_at__isnull=True,
            purged_at__isnull=True,
            redaction__isnull=True,
        )
        .select_related("phase")
        .annotate(seq=Subquery(seq))
        .order_by(F("seq").asc(nulls_last=True), "created_at", "pk")
    )


def contributors_with_words(*, session: DialogueSession) -> QuerySet[Member]:
    """Members whose words would be published: each must release, or the window end."""
    authors = Contribution.objects.filter(
        session=session, withdrawn_at__isnull=True, purged_at__isnull=True, redaction__isnull=True
    ).values("author_id")
    return Member.objects.filter(pk__in=authors).select_related("team").order_by("display_name")


@dataclass
class ReviewState:
    review: ArchiveReview
    contributors: list[tuple[Member, dt.datetime | None]]
    released: int
    pending: int
    time_left: dt.timedelta | None
    window_over: bool
    may_publish: bool


def review_state(*, review: ArchiveReview) -> ReviewState:
    """Who has released their words, who has not, and whether publication may proceed."""
    releases = dict(ReviewRelease.objects.filter(review=review).values_list("member_id", "released_at"))
    contributors = [(m, releases.get(m.pk)) for m in contributors_with_words(session=review.session)]
    released = sum(1 for _, at in contributors if at is not None)
    now = timezone.now()
    window_over = now >= review.closes_at
    return ReviewState(
        review=review,
        contributors=contributors,
        released=released,
        pending=len(contributors) - released,
        time_left=None if window_over else review.closes_at - now,
        window_over=window_over,
        may_publish=not review.is_published and (window_over or released == len(contributors)),
    )


# --- Equity of voice ------------------------------------------------------------------------


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

    "In the room" for a session means the participants and scribes who
    attended its meeting, or who contributed or took a turn in it;
    facilitators and conveners hold the room and are left out. Over several
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
    session_ids = [pk for pk, _ in session_rows]
    participants = {
        m.pk: m
        for m in Member.objects.filter(exchange_id=member.exchange_id)
        .exclude(exchange_role__in=permissions.HOLDING_ROLES)
        .select_related("team")
    }
    attended: dict[int, set[int]] = defaultdict(set)
    for member_id, meeting_id in Attendance.objects.filter(meeting_id__in=[m for _, m in session_rows]).values_list(
        "member_id", "meeting_id"
    ):
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
    for session_id, author_id, _ in words:
        room[session_id].add(author_id)
    for session_id, member_id, _ in turns:
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
        lambda m: ROLE_LABELS.get(m.stakeholder_role, m.stakeholder_role),
        lambda m: f"role={m.stakeholder_role}",
    )
    by_team, unassigned_team = build(
        "team",
        team_key,
        lambda m: str(m.team) if m.team_id else "No team",
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
    counted_words = sum(1 for _, a, _c in words if a in participants)
    for groups in (by_role, by_team):
        words_shown = sum(g.contributions for g in groups) or 0
        turns_total = sum(g.turns for g in groups)
        for g in groups:
            g.room_share = _share(g.people, people)
            g.contribution_share = _share(g.contributions, words_shown)
            g.turn_share = _share(g.turns, turns_total)
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


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


# --- Across meetings ----------------------------------------------------------------------------


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
        return ", ".join(parts) if parts else "Not attributed"


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
    team_labels[""] = "No team"
    team_labels[UNATTRIBUTED] = "Not attributed (sessions not on the record by name)"

    def rate_order(key: str) -> tuple[bool, str]:
        # Not a lambda: mypy would infer the wrong overload of ``dict.get`` inside one.
        return key == UNATTRIBUTED, team_labels.get(key, key).lower()

    rates = [
        {
            "label": team_labels.get(key, key),
            "made": made[key],
            "answered": answered[key],
            "rate": _share(answered[key], made[key]),
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


# --- The access log ---------------------------------------------------------------------------------


def access_log_page(*, exchange: Exchange, page_number: int | str | None = 1) -> Page[ArchiveAccess]:
    entries = (
        ArchiveAccess.objects.filter(exchange=exchange)
        .select_related("user", "member", "session")
        .order_by("-created_at", "-pk")
    )
    return Paginator(entries, ACCESS_LOG_PAGE_SIZE).get_page(page_number)
