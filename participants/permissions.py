"""Who may do what in an exchange, from the person's role in it.

Roles are the participants app's (``ExchangeRole``), so the rules every app
asks (who manages an exchange, who captures words) live here and the other
apps' permissions build on them. Answers come from the acting person's Member
row: a view fetches it once (selectors raise 404 for people outside the
exchange) and asks here. Services ask the same questions
again under their locks, so a rule holds whichever page or script calls them.
"""

from typing import TypeGuard

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import ExchangeRole, Member


def can_manage_members(member: Member | None) -> TypeGuard[Member]:
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
    """The roles ``actor`` may give, as form choices, labelled in the active language."""
    return [(value, str(label)) for value, label in ExchangeRole.choices if can_appoint(actor, value)]


def can_edit_member(actor: Member | None, target: Member) -> TypeGuard[Member]:
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
    if member.exchange_role == ExchangeRole.CONVENER:
        return _("You cannot change your own role in the exchange: another convener must.")
    return _("You cannot change your own role in the exchange: another facilitator or a convener must.")


MANAGING_ROLES = frozenset({ExchangeRole.CONVENER, ExchangeRole.FACILITATOR})


def can_view_exchange(member: Member | None) -> bool:
    return member is not None


def can_manage_exchange(member: Member | None) -> TypeGuard[Member]:
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
        raise PermissionDenied(_("Only the exchange's facilitators and conveners may do this."))
    if exchange_id is not None and member.exchange_id != exchange_id:
        raise PermissionDenied(_("Not a member of this exchange."))


def can_read_access_log(member: Member | None) -> bool:
    """Only conveners read who read the archive: the log says who read whose
    words, which is itself sensitive."""
    return member is not None and member.exchange_role == ExchangeRole.CONVENER
