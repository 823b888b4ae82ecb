"""Reads for the live room, each checked against the reader.

A person who is not a member of a session's exchange is never told that the
session exists: ``session_get_for_member`` raises ``Http404`` for them exactly
as for a session that does not exist.
"""

from django.http import Http404

from exchanges.selectors import member_get
from participants.models import Member

from .models import DialogueSession


def session_get_for_member(*, session_id: int, user) -> tuple[DialogueSession, Member]:
    """The session and the reader's place in its exchange (two queries)."""
    session = DialogueSession.objects.select_related("meeting").filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    member = member_get(user=user, exchange_id=session.meeting.exchange_id)
    if member is None:
        raise Http404("No such session.")
    return session, member
