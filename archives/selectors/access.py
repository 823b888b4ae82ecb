"""Who may read which session's archive, the exchange's list of sessions, and the access log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from core.selectors import object_get_for_member
from exchanges.models import Exchange, Meeting
from participants.models import Member, User
from sessions.models import DialogueSession
from sessions.selectors import was_in_session_q

from .. import permissions
from ..models import ArchiveAccess, ArchiveReview

ACCESS_LOG_PAGE_SIZE = 100


def visible_sessions(*, member: Member) -> QuerySet[DialogueSession]:
    """The published sessions whose archive this member may read."""
    sessions = DialogueSession.objects.filter(
        meeting__exchange_id=member.exchange_id, archive_review__published_at__isnull=False
    )
    if not permissions.holds_archive(member):
        sessions = sessions.filter(was_in_session_q(member))
    return sessions


def archived_session_get_for_user(
    *, session_id: int, user: User | AnonymousUser, published: bool = True
) -> tuple[DialogueSession, Member]:
    """A session and the reader's place in its exchange, or 404.

    With ``published`` the session must be published and, for a participant
    or scribe, one they were in.
    """
    session, member = object_get_for_member(
        DialogueSession.objects.select_related("meeting__exchange", "archive_review"),
        pk=session_id,
        user=user,
        exchange_id=lambda s: s.meeting.exchange_id,
        name="session",
    )
    if published:
        review = getattr(session, "archive_review", None)
        if review is None or not review.is_published:
            raise Http404("This session's archive is not published.")
        require_archive_reader(session, member)
    return session, member


def require_archive_reader(session: DialogueSession, member: Member) -> None:
    """404 unless ``member`` may read the session's archive: they hold the
    exchange's archive, or they were in the session. The one rule, for the
    published archive and the page that says when it will be."""
    if not permissions.holds_archive(member) and not member_was_in_session(session, member):
        raise Http404("No such session.")


def member_was_in_session(session: DialogueSession, member: Member) -> bool:
    """Whether ``member`` was in ``session`` (``sessions.selectors.was_in_session_q``):
    who may read its archive without holding it."""
    return DialogueSession.objects.filter(pk=session.pk).filter(was_in_session_q(member)).exists()


def archive_review_get(session: DialogueSession) -> ArchiveReview | None:
    """The session's review window, or None before it closed."""
    try:
        return session.archive_review
    except ArchiveReview.DoesNotExist:
        return None


@dataclass
class SessionSummary:
    session: DialogueSession
    meeting: Meeting
    published: bool
    in_review: bool
    review_closes_at: dt.datetime | None
    readable: bool


def session_list_for_member(*, member: Member) -> list[SessionSummary]:
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
        review = archive_review_get(s)
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


def access_log_page(*, exchange: Exchange, page_number: int | str | None = 1) -> Page[ArchiveAccess]:
    entries = (
        ArchiveAccess.objects.filter(exchange=exchange)
        .select_related("user", "member", "session")
        .order_by("-created_at", "-pk")
    )
    return Paginator(entries, ACCESS_LOG_PAGE_SIZE).get_page(page_number)
