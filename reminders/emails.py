"""The emails an exchange sends between meetings, built from one ``Reminder`` row.

Each message is rendered in its recipient's time zone and language
(``recipient_language``: their ``User.language`` when offered; an
invitation's follow-up as its invitation, ``invitee_language``; else
``settings.LANGUAGE_CODE``: a task has no browser to ask; docs/languages.md),
as plain text
with an HTML alternative. Emails to members carry a signed one-click
unsubscribe link and the ``List-Unsubscribe`` headers mail clients use for
their own unsubscribe button (RFC 8058). Meeting reminders carry the
meeting's ``.ics`` with the same UID as the person's calendar feed, so adding
it updates the event already there instead of making a second one.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from typing import Any, Protocol, cast

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.middleware import own_language
from exchanges.calendar import meetings_to_ical
from exchanges.models import Meeting
from participants.invitations import invitation_link
from participants.selectors import invitee_language
from sessions.models import DialogueSession

from .models import Reminder, ReminderOffset, offset_label
from .tokens import checkin_token, unsubscribe_token


def absolute(path: str) -> str:
    return cast(str, settings.SITE_URL) + path


def meeting_ics(meeting: Meeting) -> MIMEBase:
    """The meeting as a calendar attachment (``method=PUBLISH``), same UID as the feed."""
    part = MIMEText(meetings_to_ical([meeting], name=meeting.exchange.title).decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", "PUBLISH")
    part.add_header("Content-Disposition", "attachment", filename=f"meeting-{meeting.pk}.ics")
    return part


def recipient_language(row: Reminder) -> str:
    """The language a reminder is written in: its member's own, if offered; else the site's.

    An invitation's follow-up is written as the invitation was (``invitee_language``).
    """
    if row.member is None and row.invitation is not None:
        return invitee_language(row.invitation)
    user = row.member.user if row.member is not None else None
    return own_language(user)


def _in_recipient_language(
    build: Callable[..., EmailMultiAlternatives],
) -> Callable[..., EmailMultiAlternatives]:
    """Build the whole message (labels made before rendering too) in the recipient's language."""

    @functools.wraps(build)
    def wrapped(row: Reminder, *, now: dt.datetime) -> EmailMultiAlternatives:
        with translation.override(recipient_language(row)):
            return build(row, now=now)

    return wrapped


def _render(template: str, context: dict[str, Any], *, zone: zoneinfo.ZoneInfo) -> tuple[str, str, str]:
    """Render under the active language (the builder's, ``_in_recipient_language``) and ``zone``."""
    with timezone.override(zone):
        subject = " ".join(render_to_string(f"emails/reminders/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/reminders/{template}.txt", context)
        html = render_to_string(f"emails/reminders/{template}.html", context)
    return subject, text, html


def _message(*, to: str, subject: str, text: str, html: str, unsubscribe_url: str | None) -> EmailMultiAlternatives:
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


def _member_context(row: Reminder) -> dict[str, Any]:
    member = row.member
    assert member is not None  # every email but an invitation follow-up goes to a member
    zone = zoneinfo.ZoneInfo(member.time_zone or row.exchange.time_zone)
    return {
        "member": member,
        "exchange": row.exchange,
        "zone": zone,
        "zone_name": str(zone.key).replace("_", " "),
        "exchange_url": absolute(reverse("exchange_detail", args=[row.exchange_id])),
        "unsubscribe_url": absolute(reverse("reminders_unsubscribe", args=[unsubscribe_token(member)])),
    }


@_in_recipient_language
def meeting_reminder_email(row: Reminder, *, now: dt.datetime) -> EmailMultiAlternatives:
    meeting = row.meeting
    assert meeting is not None and row.member is not None
    context = _member_context(row)
    offset = ReminderOffset.objects.filter(meeting=meeting, minutes_before=row.offset_minutes).first()
    context.update(
        {
            "meeting": meeting,
            "sessions": list(meeting.sessions.all()),
            "offset": offset_label(row.offset_minutes),
            "custom_text": offset.custom_text if offset else "",
            "is_online": meeting.mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID),
            "is_in_person": meeting.mode in (Meeting.Mode.IN_PERSON, Meeting.Mode.HYBRID),
        }
    )
    subject, text, html = _render("meeting_reminder", context, zone=context["zone"])
    message = _message(
        to=row.member.user.email, subject=subject, text=text, html=html, unsubscribe_url=context["unsubscribe_url"]
    )
    message.attach(meeting_ics(meeting))
    return message


@_in_recipient_language
def invitation_followup_email(row: Reminder, *, now: dt.datetime) -> EmailMultiAlternatives:
    invitation = row.invitation
    assert invitation is not None
    zone = zoneinfo.ZoneInfo(row.exchange.time_zone)
    context = {
        "invitation": invitation,
        "exchange": row.exchange,
        "link": invitation_link(invitation),
        "days_since": row.offset_minutes // (24 * 60),
        "expires_at": invitation.expires_at,
        "zone_name": str(zone.key).replace("_", " "),
    }
    subject, text, html = _render("invitation_followup", context, zone=zone)
    return _message(to=invitation.email, subject=subject, text=text, html=html, unsubscribe_url=None)


@_in_recipient_language
def checkin_email(row: Reminder, *, now: dt.datetime) -> EmailMultiAlternatives:
    commitment = row.commitment
    assert commitment is not None and row.meeting is not None and row.member is not None
    context = _member_context(row)
    token = checkin_token(commitment, until=row.meeting.starts_at)
    context.update(
        {
            "commitment": commitment,
            "session": commitment.session,
            "next_meeting": row.meeting,
            "answer_url": absolute(reverse("checkin_answer", args=[token])),
        }
    )
    subject, text, html = _render("checkin", context, zone=context["zone"])
    return _message(
        to=row.member.user.email, subject=subject, text=text, html=html, unsubscribe_url=context["unsubscribe_url"]
    )


def _review_window(session: DialogueSession) -> dict[str, Any]:
    """The session's review window as its archive holds it now.

    The ``ArchiveReview`` row belongs to the archives app, above this one: it is
    read through the session's reverse relation, never imported. The row is
    made the first time anyone opens the review, so a digest may go out before
    it exists; the window then still has its default length from the close
    (nobody can have changed it without opening the review).
    """
    try:
        review = session.archive_review
    except (ObjectDoesNotExist, AttributeError):  # no row yet (or no archives app at all)
        if session.closed_at is None:
            return {"review_until": None, "review_published": False}
        until = session.closed_at + dt.timedelta(days=settings.ARCHIVE_REVIEW_DAYS)
        return {"review_until": until, "review_published": False}
    return {"review_until": review.closes_at, "review_published": review.published_at is not None}


@_in_recipient_language
def digest_email(row: Reminder, *, now: dt.datetime) -> EmailMultiAlternatives:
    """After a session closes: the question, the member's own commitment, and
    where the session's archive stands.

    The archive's state is read when the message is built, just before it is
    sent, never when the row was made: a digest that goes out after the
    archive was published says so and links to it, instead of inviting a
    review that is over. Until then it gives the review window in which the
    member may still change or remove their own words (the end the archive
    holds: a facilitator may have changed it, in the recipient's time zone).

    It quotes nobody but the recipient and names nobody else: the only words
    in it are the session's question and the recipient's own commitment.
    """
    session = row.session
    assert session is not None and row.member is not None
    context = _member_context(row)
    context.update(
        {
            "session": session,
            "meeting": session.meeting,
            "commitment": session.commitments.filter(member=row.member).first(),
            "review_url": absolute(reverse("archive_review", args=[session.pk])),
            "archive_url": absolute(reverse("archive_transcript", args=[session.pk])),
            **_review_window(session),
        }
    )
    context["review_ended"] = context["review_until"] is not None and context["review_until"] <= now
    subject, text, html = _render("digest", context, zone=context["zone"])
    return _message(
        to=row.member.user.email, subject=subject, text=text, html=html, unsubscribe_url=context["unsubscribe_url"]
    )


class _Builder(Protocol):
    def __call__(self, row: Reminder, *, now: dt.datetime) -> EmailMultiAlternatives: ...


BUILDERS: dict[str, _Builder] = {
    Reminder.Kind.MEETING_REMINDER: meeting_reminder_email,
    Reminder.Kind.INVITATION_FOLLOWUP: invitation_followup_email,
    Reminder.Kind.CHECKIN: checkin_email,
    Reminder.Kind.DIGEST: digest_email,
}


def reminder_email_build(row: Reminder, *, now: dt.datetime) -> EmailMultiAlternatives:
    return BUILDERS[row.kind](row, now=now)
