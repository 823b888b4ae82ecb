"""The signed links in reminder emails: unsubscribe, and answer a check-in.

The salts keep the names they had when this lived in the exchanges app, so
links already sent keep working.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils.translation import gettext as _

from participants.models import Commitment, Member

UNSUBSCRIBE_SALT = "exchanges.reminders.unsubscribe"
CHECKIN_SALT = "exchanges.reminders.checkin"


def unsubscribe_token(member: Member) -> str:
    """A link that works without signing in and never expires: an unsubscribe
    link in an old email must still work."""
    return signing.dumps({"m": member.pk}, salt=UNSUBSCRIBE_SALT)


def member_from_unsubscribe_token(token: str) -> Member | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Member.objects.select_related("exchange", "user").filter(pk=data.get("m")).first()


def checkin_token(commitment: Commitment, *, until: dt.datetime) -> str:
    """A link to answer one check-in, valid until the next meeting starts.

    The deadline travels inside the signature, so it cannot be stretched; the
    answer page also checks the meeting's current start, in case it moved earlier.
    """
    return signing.dumps({"c": commitment.pk, "u": int(until.timestamp())}, salt=CHECKIN_SALT)


class CheckInLinkError(Exception):
    pass


def commitment_from_checkin_token(token: str, *, now: dt.datetime) -> Commitment:
    """The commitment a check-in link names; ``CheckInLinkError`` if it was
    tampered with or has run out."""
    try:
        data = signing.loads(token, salt=CHECKIN_SALT)
    except signing.BadSignature as exc:
        raise CheckInLinkError(_("This link is not valid.")) from exc
    if now.timestamp() >= data.get("u", 0):
        raise CheckInLinkError(_("This link has expired: the next meeting has begun."))
    commitment = (
        Commitment.objects.select_related("member__exchange", "session__meeting", "check_in")
        .filter(pk=data.get("c"))
        .first()
    )
    if commitment is None:
        raise CheckInLinkError(_("This link is not valid."))
    return commitment
