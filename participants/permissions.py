"""Who may do what with the people of an exchange.

Answers come from the acting person's Member row, like
``exchanges.permissions``: a view fetches it once (selectors raise 404 for
people outside the exchange) and asks here.
"""

from exchanges.permissions import can_manage_exchange, can_view_exchange

from .models import Member


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


def can_edit_member(actor: Member | None, target: Member) -> bool:
    """Facilitators change anyone's team and roles within their own exchange."""
    return can_manage_exchange(actor) and actor.exchange_id == target.exchange_id
