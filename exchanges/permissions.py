"""Who may do what in an exchange.

Everything here answers from a person's Member row (their place in the
exchange), so a view fetches that once and asks. A person who is not a member
is never told that an exchange exists: selectors raise 404 for them.
"""

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
