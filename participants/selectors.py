"""Reads about people, each checked against the reader.

As everywhere (``core.selectors``), anything taking ``user`` raises ``Http404``
for people outside the exchange, so an outsider cannot learn it exists; a
member without the needed role gets ``PermissionDenied``. Every list is read
in a fixed number of queries, however many members or meetings there are.
"""

from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from core.middleware import offered_language
from core.selectors import member_get_or_404, require_role

from .invitations import InvitationState, invitation_state_expression
from .models import Invitation, Member, User
from .permissions import can_manage_members

if TYPE_CHECKING:  # annotations only: exchanges sits above participants
    from django_stubs_ext import WithAnnotations

    from exchanges.models import Exchange

    class _InvitationListed(TypedDict):
        state: str
        state_rank: int


def exchange_get_for_manager(*, exchange_id: int, user) -> "tuple[Exchange, Member]":
    """The exchange, for a facilitator or convener of it."""
    member = member_get_or_404(user=user, exchange_id=exchange_id)
    require_role(can_manage_members(member))
    return member.exchange, member


def member_list_for_exchange(*, exchange: "Exchange") -> QuerySet[Member]:
    """The exchange's people. Inactive accounts are left out: they include the
    "Former member" placeholder that keeps a deleted person's words, which is
    nobody to invite, mark present or count."""
    return (
        exchange.members.filter(user__is_active=True)
        .select_related("team", "user")
        .order_by("team__community_name", "display_name")
    )


def invitation_list_for_exchange(*, exchange: "Exchange") -> "QuerySet[WithAnnotations[Invitation, _InvitationListed]]":
    """Invitations not yet answered first, so the people to chase are at the top."""
    order = {InvitationState.PENDING: 0, InvitationState.EXPIRED: 1, InvitationState.REVOKED: 2}
    rank = Case(
        *(When(state=Value(state), then=Value(n)) for state, n in order.items()),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        exchange.invitations.select_related("team")
        .annotate(state=invitation_state_expression())
        .annotate(state_rank=rank)
        .order_by("state_rank", "name", "-created_at")
    )


def invitation_get_for_manager(*, invitation_id: int, exchange_id: int, user) -> tuple[Invitation, Member]:
    exchange, member = exchange_get_for_manager(exchange_id=exchange_id, user=user)
    invitation = exchange.invitations.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation, member


def member_get_for_manager(*, exchange_id: int, member_id: int, user) -> tuple[Member, Member]:
    """The member to edit, and the facilitator editing them."""
    exchange, actor = exchange_get_for_manager(exchange_id=exchange_id, user=user)
    target = exchange.members.select_related("team", "user").filter(pk=member_id).first()
    if target is None:
        raise Http404("No such member.")
    return target, actor


# --- Series ------------------------------------------------------------------------------


# --- Schedule --------------------------------------------------------------------------------


def calendar_user_get(*, token: str) -> User:
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None or not token:
        raise Http404("No such calendar.")
    return user


def invitee_language(invitation: Invitation) -> str:
    """The language an invitation and its follow-ups are written in (docs/languages.md).

    Someone who already has an account (invited to a second exchange) and
    chose a language reads theirs; anyone else the one their inviter chose
    for them, else the site's, until they choose on accepting.
    """
    own = User.objects.filter(email__iexact=invitation.email).values_list("language", flat=True).first()
    return offered_language(own) or offered_language(invitation.language) or settings.LANGUAGE_CODE
