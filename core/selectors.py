"""The reader's place in an exchange, and the one way a page finds a row for them.

Every page and socket first finds the reader's membership of the exchange the
row belongs to; a person outside that exchange is told the row does not
exist (404), exactly as for an id that does not exist, so ids reveal nothing.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from participants.models import Member

M = TypeVar("M", bound=Model)


def member_get(*, user: Any, exchange_id: int) -> "Member | None":
    """The reader's membership of one exchange (with team and exchange), or None.

    Read through the account's ``memberships``, so this module needs no app's
    models: an anonymous visitor has no memberships at all.
    """
    if not user.is_authenticated:
        return None
    return user.memberships.select_related("team", "exchange").filter(exchange_id=exchange_id).first()


def object_get_for_member(
    queryset: QuerySet[M], *, pk: int, user: Any, exchange_id: Callable[[M], int], name: str
) -> "tuple[M, Member]":
    """The row ``pk`` of ``queryset`` and the reader's membership of its exchange,
    or 404 ("No such <name>.") when either is missing.

    ``exchange_id`` says where the row's exchange is (``lambda m: m.exchange_id``);
    select what it follows in ``queryset`` so the whole costs two queries.
    """
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(f"No such {name}.")
    member = member_get(user=user, exchange_id=exchange_id(obj))
    if member is None:
        raise Http404(f"No such {name}.")
    return obj, member


def member_get_or_404(*, user: Any, exchange_id: int, name: str = "exchange") -> "Member":
    """The reader's membership of one exchange, or 404 for anyone outside it."""
    member = member_get(user=user, exchange_id=exchange_id)
    if member is None:
        raise Http404(f"No such {name}.")
    return member


def require_role(allowed: bool) -> None:
    """403 for a member whose role does not allow what they asked
    (a member, unlike an outsider, may learn that the row exists)."""
    if not allowed:
        raise PermissionDenied(_("Your role in this exchange does not allow this."))
