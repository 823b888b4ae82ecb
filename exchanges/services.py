"""Writes for exchanges, teams and meetings.

Each service is keyword-only, runs in one transaction, and checks that the
acting member may do it: a view never decides permission on its own.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from participants.models import ExchangeRole, Member

from .models import Exchange
from .permissions import can_manage_exchange


def _require_manager(member: Member | None) -> None:
    if not can_manage_exchange(member):
        raise PermissionDenied("Only the exchange's facilitators and conveners may do this.")


@transaction.atomic
def exchange_create(
    *,
    user,
    title: str,
    convening_organisation: str,
    time_zone: str,
    purpose: str = "",
    recording_terms: str = "",
    status: str = Exchange.Status.DRAFT,
    creator_role: str = ExchangeRole.FACILITATOR,
    display_name: str = "",
) -> Exchange:
    """Create an exchange and make its creator a facilitator (or convener) of it."""
    if creator_role not in (ExchangeRole.FACILITATOR, ExchangeRole.CONVENER):
        raise ValueError("The creator of an exchange is its facilitator or convener.")
    exchange = Exchange.objects.create(
        title=title,
        convening_organisation=convening_organisation,
        time_zone=time_zone,
        purpose=purpose,
        recording_terms=recording_terms,
        status=status,
        created_by=user,
    )
    Member.objects.create(
        exchange=exchange,
        user=user,
        exchange_role=creator_role,
        display_name=display_name or user.get_full_name() or user.email.split("@")[0],
        time_zone=time_zone,
    )
    return exchange


@transaction.atomic
def exchange_update(*, member: Member, exchange: Exchange, **fields) -> Exchange:
    _require_manager(member)
    if member.exchange_id != exchange.pk:
        raise PermissionDenied("Not a member of this exchange.")
    for name, value in fields.items():
        setattr(exchange, name, value)
    exchange.full_clean()
    exchange.save()
    return exchange
