"""Emails about joining an exchange.

Sent after the transaction that made the invitation has committed; the
invitation's ``sent_at`` is stamped only once the mail server took the
message, so the people page shows facilitators an invitation that never left.
"""

import logging
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.fields import zone_label

from .invitations import invitation_link
from .models import Invitation
from .selectors import invitee_language

logger = logging.getLogger(__name__)


def invitation_email_send(*, invitation_id: int) -> bool:
    """Email the invitation link; return whether the message was handed over."""
    invitation = Invitation.objects.select_related("exchange", "team", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return False
    inviter = (
        invitation.invited_by.memberships.filter(exchange=invitation.exchange).first()
        if invitation.invited_by
        else None
    )
    context = {
        "invitation": invitation,
        "exchange": invitation.exchange,
        "link": invitation_link(invitation),
        "inviter_name": inviter.display_name if inviter else invitation.exchange.convening_organisation,
        "expires_at": invitation.expires_at,
        "zone_name": zone_label(invitation.exchange.time_zone),
    }
    # The person has no zone of their own yet: the email speaks the exchange's,
    # and names it. Templates convert each time to the active zone, so that
    # zone is what they must render under (a time converted beforehand would
    # be converted back to the server's zone by the ``date`` filter).
    # The language: an existing account's choice, else the inviter's, else the site's (``invitee_language``).
    with (
        translation.override(invitee_language(invitation)),
        timezone.override(zoneinfo.ZoneInfo(invitation.exchange.time_zone)),
    ):
        subject = render_to_string("emails/invitation_subject.txt", context).strip()
        text = render_to_string("emails/invitation.txt", context)
        html = render_to_string("emails/invitation.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # the mail server is away: the invitation stays unsent and can be resent
        logger.exception("Could not send invitation %s", invitation.pk)
        return False
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return True
