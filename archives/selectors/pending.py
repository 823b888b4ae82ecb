"""What a future reader may know of a session's archive before it is published.

A reader who will be able to read the transcript once it is published (the
exchange's conveners and facilitators, and anyone who was in the session) is
told that it is not published yet and when it may be; nothing of its words.
Anyone else is refused exactly as for a published session (``Http404``), so
this says no more about what exists than the transcript itself would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from participants.models import Member, User
from sessions.models import DialogueSession

from ..models import ArchiveReview
from .access import archive_review_get, archived_session_get_for_user, require_archive_reader


@dataclass
class PendingArchive:
    session: DialogueSession
    member: Member
    review: ArchiveReview | None
    # When the members' review ends (the window's end, or when it will end once
    # the closed session's window opens); None while the session is not closed.
    review_ends_at: dt.datetime | None
    review_open: bool

    @property
    def closed(self) -> bool:
        return self.session.state == DialogueSession.State.CLOSED


def pending_archive_get_for_user(*, session_id: int, user: User | AnonymousUser) -> PendingArchive:
    """The unpublished session a reader will be able to read once published, or 404."""
    session, member = archived_session_get_for_user(session_id=session_id, user=user, published=False)
    review = archive_review_get(session)
    if review is not None and review.is_published:
        raise Http404("No such session.")
    require_archive_reader(session, member)
    if review is not None:
        ends_at: dt.datetime | None = review.closes_at
    elif session.state == DialogueSession.State.CLOSED and session.closed_at is not None:
        ends_at = session.closed_at + dt.timedelta(days=settings.ARCHIVE_REVIEW_DAYS)
    else:
        ends_at = None
    return PendingArchive(
        session=session,
        member=member,
        review=review,
        review_ends_at=ends_at,
        review_open=ends_at is not None and timezone.now() < ends_at,
    )
