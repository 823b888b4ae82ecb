"""Every write to the archive.

Between a session's close and its publication each member reviews their own
words: they may change how each is attributed, redact it (its text is erased
for good), and finally release them. Each change a member makes to their
words is recorded in the session's event log (``consent_changed``,
``contribution_redacted``, ``review_released``, ``archive_published``)
through the live room's own recorder, so the log stays one gap-free sequence
per session and the room's history explains every difference between what
was said and what was archived.

Refusals raise ``PermissionDenied`` (the role may not) or ``ValidationError``
(not now, or not like that) before anything has changed.
"""

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participants.models import Member, User
from sessions import events, limits, visibility
from sessions.models import (
    Acknowledgement,
    Attribution,
    Contribution,
    ContributionRevision,
    ContributionTheme,
    DialogueSession,
    SessionEvent,
    Theme,
)

from . import permissions
from .models import ArchiveAccess, ArchiveReview, Redaction, ReviewRelease


def review_days() -> int:
    """How long members have to review their words after a session closes."""
    return cast(int, settings.ARCHIVE_REVIEW_DAYS)


# --- The review window ----------------------------------------------------------------


def archive_review_open(*, session: DialogueSession) -> ArchiveReview | None:
    """The review window of a closed session, opened the first time anyone asks.

    The window starts when the session closed, so opening it late shortens
    nobody's time. Scheduled and open sessions have no window yet.
    """
    if session.state != DialogueSession.State.CLOSED or session.closed_at is None:
        return None
    try:
        return session.archive_review
    except ArchiveReview.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            review = ArchiveReview.objects.create(
                session=session,
                opens_at=session.closed_at,
                closes_at=session.closed_at + dt.timedelta(days=review_days()),
            )
    except IntegrityError:  # opened by someone else a moment ago
        review = ArchiveReview.objects.get(session=session)
    session.archive_review = review
    return review


def _review_for_update(session_id: int) -> tuple[DialogueSession, ArchiveReview]:
    session = DialogueSession.objects.select_related("meeting").filter(pk=session_id).first()
    if session is None:
        raise ValidationError(_("No such session."))
    if archive_review_open(session=session) is None:
        raise ValidationError(_("The review window opens when the session closes."))
    review = ArchiveReview.objects.select_for_update().get(session=session)
    session.archive_review = review
    return session, review


def _require_window_open(review: ArchiveReview, now: dt.datetime) -> None:
    if review.published_at is not None:
        raise ValidationError(_("This session's archive is already published."))
    if now >= review.closes_at:
        raise ValidationError(_("The review window has ended."))


@transaction.atomic
def archive_review_set_window(*, session_id: int, member: Member, days: int) -> ArchiveReview:
    """A facilitator lengthens or shortens a session's review window before publication."""
    if not permissions.can_publish(member):
        raise PermissionDenied(_("Only facilitators and conveners set the review window."))
    if not 1 <= days <= 60:
        raise ValidationError(_("A review window lasts from 1 to 60 days."))
    session, review = _review_for_update(session_id)
    if member.exchange_id != session.meeting.exchange_id:
        raise PermissionDenied(_("Not a member of this exchange."))
    if review.published_at is not None:
        raise ValidationError(_("This session's archive is already published."))
    review.closes_at = review.opens_at + dt.timedelta(days=days)
    review.save(update_fields=["closes_at"])
    return review


def _own_contribution(*, contribution_id: int, member: Member) -> Contribution:
    contribution = (
        Contribution.objects.select_related("session__meeting")
        .filter(pk=contribution_id, withdrawn_at__isnull=True, purged_at__isnull=True, redaction__isnull=True)
        .first()
    )
    if contribution is None or not permissions.can_review_contribution(member, contribution):
        # Someone else's words, or words no longer in the archive: the same answer.
        raise PermissionDenied(_("Only the speaker reviews their own words."))
    return contribution


def _erase(*, session: DialogueSession, contribution_ids: list[int]) -> None:
    """Erase words everywhere they were stored: the contribution, its earlier
    revisions, reflections back on it, and every event that carried them."""
    Contribution.objects.filter(pk__in=contribution_ids).update(text="")
    ContributionRevision.objects.filter(contribution_id__in=contribution_ids).update(text="")
    Acknowledgement.objects.filter(contribution_id__in=contribution_ids).update(reflection="")
    stored = list(SessionEvent.objects.filter(session=session, contribution_id__in=contribution_ids))
    for event in stored:
        event.payload = events.scrub(event.payload)
    SessionEvent.objects.bulk_update(stored, ["payload"], batch_size=500)


@transaction.atomic
def review_consent_change(*, contribution_id: int, member: Member, consent: str) -> int | None:
    """The author changes how one of their contributions is attributed.

    Choosing off the record during review erases the text at once, exactly as
    the close erases words that were off the record in the room. Returns the
    seq of the recorded event, or None when nothing changed.
    """
    if consent not in Attribution.values:
        raise ValidationError(_("Unknown attribution."))
    contribution = _own_contribution(contribution_id=contribution_id, member=member)
    session, review = _review_for_update(contribution.session_id)
    _require_window_open(review, timezone.now())
    locked_session, room = events.lock_room(session_id=session.pk, member=member)
    contribution.refresh_from_db(fields=["consent", "author_hidden", "text", "purged_at"])
    if contribution.consent == consent:
        return None
    now = timezone.now()
    contribution.consent = consent
    contribution.author_hidden = visibility.author_hidden_after(consent, was_hidden=contribution.author_hidden)
    fields = ["consent", "author_hidden"]
    if consent == Attribution.OFF_RECORD:
        contribution.purged_at = now
        fields.append("purged_at")
    contribution.save(update_fields=fields)
    if consent == Attribution.OFF_RECORD:
        _erase(session=session, contribution_ids=[contribution.pk])
    event = events.record(
        session=locked_session,
        room=room,
        name="consent_changed",
        payload={"contribution_id": contribution.pk, "consent": consent, "during": "review"},
        actor=member,
        contribution=contribution,
    )
    return event.seq


@transaction.atomic
def review_redact(*, contribution_id: int, member: Member) -> int:
    """The author takes a contribution out of the archive for good; its text is erased."""
    contribution = _own_contribution(contribution_id=contribution_id, member=member)
    session, review = _review_for_update(contribution.session_id)
    now = timezone.now()
    _require_window_open(review, now)
    locked_session, room = events.lock_room(session_id=session.pk, member=member)
    Redaction.objects.create(contribution=contribution, redacted_by=member, redacted_at=now)
    _erase(session=session, contribution_ids=[contribution.pk])
    event = events.record(
        session=locked_session,
        room=room,
        name="contribution_redacted",
        payload={"contribution_id": contribution.pk},
        actor=member,
        contribution=contribution,
    )
    return event.seq


@transaction.atomic
def review_release(*, session_id: int, member: Member) -> ReviewRelease:
    """ "I have reviewed; publish my words." Changes stay possible until the window ends."""
    session, review = _review_for_update(session_id)
    if member.exchange_id != session.meeting.exchange_id:
        raise PermissionDenied(_("Not a member of this exchange."))
    now = timezone.now()
    _require_window_open(review, now)
    existing = ReviewRelease.objects.filter(review=review, member=member).first()
    if existing is not None:
        return existing
    release = ReviewRelease.objects.create(review=review, member=member, released_at=now)
    locked_session, room = events.lock_room(session_id=session.pk, member=member)
    events.record(
        session=locked_session,
        room=room,
        name="review_released",
        payload={"member_id": member.pk},
        actor=member,
    )
    return release


@transaction.atomic
def archive_publish(*, session_id: int, member: Member) -> ArchiveReview:
    """Make a session's archive readable by its exchange.

    Early publication needs every member with words in the archive to have
    released them; once the window has ended the archive may be published
    whoever has not.
    """
    from .selectors import review_state

    if not permissions.can_publish(member):
        raise PermissionDenied(_("Only facilitators and conveners publish an archive."))
    session, review = _review_for_update(session_id)
    if member.exchange_id != session.meeting.exchange_id:
        raise PermissionDenied(_("Not a member of this exchange."))
    if review.published_at is not None:
        raise ValidationError(_("This session's archive is already published."))
    state = review_state(review=review)
    if not state.may_publish:
        # English says "member(s)" either way; other languages may make the plural.
        pending = ngettext(
            "%(pending)s member(s) have not yet released their words; "
            "publish once they have, or once the review window ends.",
            "%(pending)s member(s) have not yet released their words; "
            "publish once they have, or once the review window ends.",
            state.pending,
        )
        raise ValidationError(pending % {"pending": state.pending})
    now = timezone.now()
    review.published_at = now
    review.published_by = member
    review.save(update_fields=["published_at", "published_by"])
    locked_session, room = events.lock_room(session_id=session.pk, member=member)
    events.record(
        session=locked_session,
        room=room,
        name="archive_published",
        payload={"published_at": now.isoformat(), "early": not state.window_over},
        actor=member,
    )
    return review


# --- Themes ----------------------------------------------------------------------------


def _clean_theme_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > limits.THEME_NAME_MAX:
        raise ValidationError(_("A theme name has 1 to %(max)s characters.") % {"max": limits.THEME_NAME_MAX})
    return name


def _tell_open_rooms(*, exchange_id: int, member: Member, name: str, payload: dict[str, Any]) -> None:
    """Let any room running now hear that the exchange's themes changed."""
    open_ids = list(
        DialogueSession.objects.filter(meeting__exchange_id=exchange_id, state=DialogueSession.State.OPEN).values_list(
            "pk", flat=True
        )
    )
    for session_id in open_ids:
        session, room = events.lock_room(session_id=session_id, member=member)
        events.record(session=session, room=room, name=name, payload=payload, actor=member)


def _require_theme_manager(member: Member, exchange_id: int) -> None:
    if not permissions.can_manage_themes(member) or member.exchange_id != exchange_id:
        raise PermissionDenied(_("Only conveners and facilitators shape the exchange's themes."))


@transaction.atomic
def exchange_theme_create(*, exchange_id: int, member: Member, name: str) -> Theme:
    """A new theme for the exchange; asking again for an existing name returns it."""
    _require_theme_manager(member, exchange_id)
    name = _clean_theme_name(name)
    existing = Theme.objects.filter(exchange_id=exchange_id, name__iexact=name).first()
    if existing is not None:
        return existing
    theme = Theme.objects.create(exchange_id=exchange_id, name=name)
    _tell_open_rooms(
        exchange_id=exchange_id,
        member=member,
        name="theme_created",
        payload={"theme": {"id": theme.pk, "name": theme.name}},
    )
    return theme


@transaction.atomic
def theme_rename(*, theme_id: int, member: Member, name: str) -> Theme:
    theme = Theme.objects.select_for_update().filter(pk=theme_id).first()
    if theme is None:
        raise ValidationError(_("No such theme."))
    _require_theme_manager(member, theme.exchange_id)
    name = _clean_theme_name(name)
    if name == theme.name:
        return theme
    clash = Theme.objects.filter(exchange_id=theme.exchange_id, name__iexact=name).exclude(pk=theme.pk).exists()
    if clash:
        raise ValidationError(_("Another theme already has that name; merge them instead."))
    theme.name = name
    theme.save(update_fields=["name"])
    _tell_open_rooms(
        exchange_id=theme.exchange_id,
        member=member,
        name="theme_renamed",
        payload={"theme": {"id": theme.pk, "name": theme.name}},
    )
    return theme


@transaction.atomic
def theme_merge(*, source_id: int, target_id: int, member: Member) -> Theme:
    """Fold one theme into another: its tags move over (a contribution tagged
    with both keeps one tag) and the source theme is removed."""
    if source_id == target_id:
        raise ValidationError(_("Choose two different themes to merge."))
    themes = {t.pk: t for t in Theme.objects.select_for_update().filter(pk__in=[source_id, target_id])}
    source, target = themes.get(source_id), themes.get(target_id)
    if source is None or target is None or source.exchange_id != target.exchange_id:
        raise ValidationError(_("No such themes in this exchange."))
    _require_theme_manager(member, target.exchange_id)
    already = ContributionTheme.objects.filter(theme=target).values("contribution_id")
    ContributionTheme.objects.filter(theme=source, contribution_id__in=already).delete()
    moved = ContributionTheme.objects.filter(theme=source).update(theme=target)
    source.delete()
    _tell_open_rooms(
        exchange_id=target.exchange_id,
        member=member,
        name="theme_merged",
        payload={"from_theme_id": source_id, "theme": {"id": target.pk, "name": target.name}, "moved": moved},
    )
    return target


# --- The access log --------------------------------------------------------------------------


def archive_access_record(
    *, user: User, member: Member, exchange_id: int, what: str, session_id: int | None = None, query: str = ""
) -> ArchiveAccess:
    """Note one reading or export of the archive; conveners read the log."""
    return ArchiveAccess.objects.create(
        user=user,
        member=member,
        exchange_id=exchange_id,
        session_id=session_id,
        what=what,
        query=query[:500],
        created_at=timezone.now(),
    )
