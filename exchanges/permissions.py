"""Who may do what in an exchange.

Everything here answers from a person's Member row (their place in the
exchange), so a view fetches that once and asks. A person who is not a member
is never told that an exchange exists: selectors raise 404 for them.
"""

from django.core.exceptions import PermissionDenied

from participants.models import ExchangeRole, Member

MANAGING_ROLES = frozenset({ExchangeRole.CONVENER, ExchangeRole.FACILITATOR})


def can_view_exchange(member: Member | None) -> bool:
    return member is not None


def can_manage_exchange(member: Member | None) -> bool:
    """Conveners and facilitators edit teams, invitations, meetings and sessions."""
    return member is not None and member.exchange_role in MANAGING_ROLES


def can_capture(member: Member | None) -> bool:
    """Scribes, facilitators and conveners may record what someone said aloud."""
    return member is not None and member.exchange_role in MANAGING_ROLES | {ExchangeRole.SCRIBE}


def require_manager(member: Member | None, *, exchange_id: int | None = None) -> None:
    """Refuse (403) anyone but the exchange's facilitators and conveners.

    ``exchange_id`` guards against a member of one exchange acting on another's
    objects when a caller passes both in from different places.
    """
    if not can_manage_exchange(member):
        raise PermissionDenied("Only the exchange's facilitators and conveners may do this.")
    if exchange_id is not None and member.exchange_id != exchange_id:
        raise PermissionDenied("Not a member of this exchange.")


def session_schedule_is_editable(session) -> bool:
    """A session's plan is fixed once it opens: the live room runs from it and
    the archive must show what was actually planned."""
    return session.state == session.State.SCHEDULED
