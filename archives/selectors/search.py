"""Search and filters over the archive (PostgreSQL full text, or a plain match on SQLite)."""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.safestring import SafeString, mark_safe

from exchanges.models import Meeting, Team
from participants.models import Member
from sessions import visibility
from sessions.models import (
    Contribution,
    ContributionTheme,
    DialogueSession,
    Theme,
)

from .rows import ArchiveRow, archived_contributions, export_rows, in_transcript_order, rows_build

SEARCH_PAGE_SIZE = 50


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


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
