"""Who may do what with the people of an exchange.

Answers come from the acting person's Member row, like
``exchanges.permissions``: a view fetches it once (selectors raise 404 for
people outside the exchange) and asks here. Services ask the same questions
again under their locks, so a rule holds whichever page or script calls them.
"""

from exchanges.permissions import can_manage_exchange, can_view_exchange

from .models import ExchangeRole, Member


def can_manage_members(member: Member | None) -> bool:
    """Facilitators and conveners invite people and place them in teams and roles."""
    return can_manage_exchange(member)


def can_mark_attendance(member: Member | None) -> bool:
    """Who was in the room is recorded by the people running the meeting."""
    return can_manage_exchange(member)


def can_view_series(member: Member | None) -> bool:
    """Every member may see who has been coming: continuity is shared knowledge."""
    return can_view_exchange(member)


def can_see_rsvp_notes(member: Member | None) -> bool:
    """Notes attached to an RSVP ("arriving late", "childcare") are for the organisers."""
    return can_manage_exchange(member)


def can_appoint(actor: Member | None, exchange_role: str) -> bool:
    """Whether ``actor`` may give someone this role in the exchange, by invitation or by a change of role.

    Conveners answer for the exchange to the organisations that convene it, so
    only a convener makes another convener; facilitators and conveners give
    every other role.
    """
    if not can_manage_members(actor):
        return False
    if exchange_role == ExchangeRole.CONVENER:
        return actor.exchange_role == ExchangeRole.CONVENER
    return exchange_role in ExchangeRole.values


def exchange_roles_offered(actor: Member | None) -> list[tuple[str, str]]:
    """The roles ``actor`` may give, as form choices."""
    return [(value, label) for value, label in ExchangeRole.choices if can_appoint(actor, value)]


def can_edit_member(actor: Member | None, target: Member) -> bool:
    """Facilitators and conveners change the team and roles of people in their own exchange.

    A convener's place is changed only by a convener: a facilitator can
    neither demote nor move one.
    """
    if not can_manage_members(actor) or actor.exchange_id != target.exchange_id:
        return False
    return target.exchange_role != ExchangeRole.CONVENER or actor.exchange_role == ExchangeRole.CONVENER


def can_change_exchange_role(actor: Member | None, target: Member) -> bool:
    """Nobody changes their own role in the exchange, up or down: another
    facilitator or convener must (for a convener, another convener)."""
    return can_edit_member(actor, target) and actor.pk != target.pk


def own_role_note(member: Member) -> str:
    """Why one's own role cannot be changed here, and who can change it (shown on the form and in its error)."""
    others = (
        "another convener" if member.exchange_role == ExchangeRole.CONVENER else "another facilitator or a convener"
    )
    return f"You cannot change your own role in the exchange: {others} must."
