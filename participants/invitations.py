"""Invitation links and the state an invitation is in.

The link carries the invitation's nonce signed with the project's secret key,
so only a link this site made opens an invitation, and the same link can be
rebuilt for a follow-up email without storing it anywhere.
"""

from django.conf import settings
from django.core import signing
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Invitation

SALT = "participants.invitation"


class InvitationState:
    PENDING = "pending"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REVOKED = "revoked"

    LABELS = {
        PENDING: _("Pending: not answered yet"),
        EXPIRED: _("Expired: not answered in time"),
        ACCEPTED: _("Accepted"),
        REVOKED: _("Revoked"),
    }
    CHOICES = list(LABELS.items())


def invitation_token(invitation: Invitation) -> str:
    return signing.Signer(salt=SALT).sign(invitation.nonce)


def invitation_link(invitation: Invitation) -> str:
    """The absolute address a person opens to join, as written in the email."""
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation_token(invitation)])


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link names, or ``None`` for a link this site did not make.

    The state is not checked here: an expired or used invitation is still
    found, so the person can be told what happened to it.
    """
    try:
        nonce = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Invitation.objects.select_related("exchange", "team").filter(nonce=nonce).first()


def invitation_state(invitation: Invitation, now=None) -> str:
    """Accepted and revoked are final; an open invitation expires with time."""
    if invitation.accepted_at is not None:
        return InvitationState.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.expires_at <= (now or timezone.now()):
        return InvitationState.EXPIRED
    return InvitationState.PENDING


def invitation_state_expression(now=None) -> Case:
    """The same answer as ``invitation_state``, computed by the database for lists and filters."""
    now = now or timezone.now()
    return Case(
        When(accepted_at__isnull=False, then=Value(InvitationState.ACCEPTED)),
        When(revoked_at__isnull=False, then=Value(InvitationState.REVOKED)),
        When(Q(expires_at__lte=now), then=Value(InvitationState.EXPIRED)),
        default=Value(InvitationState.PENDING),
    )
