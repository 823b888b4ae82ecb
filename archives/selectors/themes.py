"""The exchange's themes and the quotes tagged with each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page

from core.selectors import object_get_for_member
from participants.models import Member, User
from sessions.models import (
    Contribution,
    ContributionTheme,
    Theme,
)

from .rows import ArchiveRow, archived_contributions
from .search import ArchiveFilters, search_page

THEME_PAGE_SIZE = 100


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


def theme_get_for_user(*, theme_id: int, user: User | AnonymousUser) -> tuple[Theme, Member]:
    return object_get_for_member(
        Theme.objects.select_related("exchange"),
        pk=theme_id,
        user=user,
        exchange_id=lambda t: t.exchange_id,
        name="theme",
    )


def theme_quotes(
    *, theme: Theme, member: Member, page_number: int | str | None = 1
) -> tuple[Page[Contribution], list[ArchiveRow]]:
    """A theme's quotes across meetings and sessions, attributed per consent."""
    return search_page(
        member=member, filters=ArchiveFilters(theme=theme), page_number=page_number, page_size=THEME_PAGE_SIZE
    )
