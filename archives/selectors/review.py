"""The review window: a member's own words to review, and the window's state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from participants.models import Member
from sessions.models import (
    Contribution,
    DialogueSession,
    SessionEvent,
)

from ..models import ArchiveReview, ReviewRelease


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
