"""Reads for exchanges, teams and meetings, each checked against the reader.

A selector that takes ``user`` returns only what that person may see and
raises ``Http404`` for anything else, so an outsider cannot learn that an
exchange exists.
"""

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404

from participants.models import Member

from .models import Exchange, Meeting


def member_get(*, user, exchange_id: int) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.select_related("team", "exchange").filter(user=user, exchange_id=exchange_id).first()


def exchange_list_for_user(*, user) -> QuerySet[Exchange]:
    """The exchanges a person belongs to, with their own role in each."""
    mine = Member.objects.filter(user=user, exchange=OuterRef("pk"))
    return (
        Exchange.objects.filter(members__user=user)
        .annotate(my_role=Subquery(mine.values("exchange_role")[:1]), member_count=Count("members", distinct=True))
        .order_by("-created_at")
    )


def exchange_get_for_user(*, exchange_id: int, user) -> tuple[Exchange, Member]:
    member = member_get(user=user, exchange_id=exchange_id)
    if member is None:
        raise Http404("No such exchange.")
    return member.exchange, member


def meeting_get_for_user(*, meeting_id: int, user) -> tuple[Meeting, Member]:
    meeting = Meeting.objects.select_related("exchange").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("No such meeting.")
    member = member_get(user=user, exchange_id=meeting.exchange_id)
    if member is None:
        raise Http404("No such meeting.")
    return meeting, member
