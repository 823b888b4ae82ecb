"""What people say: contributions, notes captured by a scribe, edits, withdrawals, consent and acknowledgements.

See ``sessions.services`` for the rules every service here follows.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Member

from .. import events, permissions, serializers, visibility
from ..models import (
    Acknowledgement,
    Attribution,
    Contribution,
    ContributionRevision,
    DialogueSession,
    RoomState,
    SessionEvent,
)
from ..protocol import ErrorCode, RoomError
from .common import Result, contribution_in, is_present, require, require_open


def _submitter_id(contribution: Contribution) -> int:
    return contribution.captured_by_id or contribution.author_id


def replay_ack(contribution: Contribution, member: Member) -> Result:
    """The ack a resent contribution gets: the one it got the first time."""
    if _submitter_id(contribution) != member.pk:
        raise RoomError(ErrorCode.CONFLICT, _("That client_id is already used."))
    seq = (
        SessionEvent.objects.filter(contribution=contribution, name="contribution_added")
        .values_list("seq", flat=True)
        .first()
    )
    return {"seq": seq, "contribution_id": contribution.pk}


def add_contribution(
    *,
    session: DialogueSession,
    room: RoomState,
    member: Member,
    author: Member,
    client_id: str,
    text: str,
    kind: str,
    reply_to_id: int | None,
    consent: str | None,
    captured_by: Member | None = None,
    language: str = "",
) -> Result:
    text = text.strip()
    if not text:
        raise RoomError(ErrorCode.BAD_REQUEST, _("A contribution needs some text."))
    if len(text) > settings.LIVE_ROOM["MAX_TEXT"]:
        raise RoomError(ErrorCode.TOO_LONG, _("At most %(max)s characters.") % {"max": settings.LIVE_ROOM["MAX_TEXT"]})
    if kind not in Contribution.Kind.values:
        raise RoomError(ErrorCode.BAD_REQUEST, _("Unknown kind of contribution."))
    if consent is not None and consent not in Attribution.values:
        raise RoomError(ErrorCode.BAD_REQUEST, _("Unknown consent."))
    require_open(session)
    if room.paused:
        raise RoomError(ErrorCode.PAUSED, _("The room is paused; your words are held until it resumes."))
    reply_to = contribution_in(session, reply_to_id) if reply_to_id is not None else None
    # The caller looked for this client_id under the room lock, which every
    # write to the room takes: no other connection can store it meanwhile.
    contribution = Contribution.objects.create(
        session=session,
        author=author,
        captured_by=captured_by,
        client_id=client_id,
        kind=kind,
        text=text,
        language=language,
        reply_to=reply_to,
        consent=consent or session.attribution_default,
        author_hidden=visibility.author_hidden_after(consent or session.attribution_default, was_hidden=False),
        phase_id=room.current_phase_id,
        created_at=timezone.now(),
    )
    event = events.record(
        session=session,
        room=room,
        name="contribution_added",
        payload={"contribution": serializers.contribution_data(contribution)},
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq, "contribution_id": contribution.pk}


@transaction.atomic
def contribution_create(
    *,
    session_id: int,
    member: Member,
    client_id: str,
    text: str,
    kind: str = Contribution.Kind.STORY,
    reply_to_id: int | None = None,
    consent: str | None = None,
    language: str = "",
) -> Result:
    """A member's own words into the room; resending the same client_id
    stores nothing new and returns the first ack."""
    require(member, "contribute")
    session, room = events.lock_room(session_id=session_id, member=member, action="contribute")
    existing = Contribution.objects.filter(session=session, client_id=client_id).first()
    if existing is not None:
        return replay_ack(existing, member)
    return add_contribution(
        session=session,
        room=room,
        member=member,
        author=member,  # read again, with the team, under the lock
        client_id=client_id,
        text=text,
        kind=kind,
        reply_to_id=reply_to_id,
        consent=consent,
        language=language,
    )


@transaction.atomic
def contribution_capture(
    *,
    session_id: int,
    member: Member,
    client_id: str,
    speaker_member_id: int,
    text: str,
    kind: str = Contribution.Kind.STORY,
    reply_to_id: int | None = None,
    consent: str | None = None,
    language: str = "",
) -> Result:
    """A scribe writes down what someone present said aloud, in their name."""
    require(member, "capture")
    session, room = events.lock_room(session_id=session_id, member=member, action="capture")
    existing = Contribution.objects.filter(session=session, client_id=client_id).first()
    if existing is not None:
        return replay_ack(existing, member)
    speaker = (
        Member.objects.select_related("team")
        .filter(pk=speaker_member_id, exchange_id=session.meeting.exchange_id)
        .first()
    )
    if speaker is None or not is_present(session, speaker.pk):
        raise RoomError(ErrorCode.NOT_FOUND, _("That person is not in the room."))
    return add_contribution(
        session=session,
        room=room,
        member=member,
        author=speaker,
        client_id=client_id,
        text=text,
        kind=kind,
        reply_to_id=reply_to_id,
        consent=consent,
        captured_by=member if speaker.pk != member.pk else None,
        language=language,
    )


@transaction.atomic
def contribution_edit(*, session_id: int, member: Member, contribution_id: int, text: str) -> Result:
    """Change one's words while the session is open, keeping what they were."""
    require(member, "contribution_edit")
    session, room = events.lock_room(session_id=session_id, member=member, action="contribution_edit")
    contribution = contribution_in(session, contribution_id)
    if not permissions.can_edit_contribution(member, contribution):
        raise RoomError(ErrorCode.FORBIDDEN, _("Only the speaker (or the scribe who wrote it) may edit this."))
    require_open(session)
    text = text.strip()
    if not text:
        raise RoomError(ErrorCode.BAD_REQUEST, _("A contribution needs some text."))
    if len(text) > settings.LIVE_ROOM["MAX_TEXT"]:
        raise RoomError(ErrorCode.TOO_LONG, _("At most %(max)s characters.") % {"max": settings.LIVE_ROOM["MAX_TEXT"]})
    if text == contribution.text:
        return {"seq": None}
    now = timezone.now()
    ContributionRevision.objects.create(
        contribution=contribution, text=contribution.text, edited_by=member, created_at=now
    )
    contribution.text = text
    contribution.edited_at = now
    contribution.save(update_fields=["text", "edited_at"])
    event = events.record(
        session=session,
        room=room,
        name="contribution_edited",
        payload={
            "contribution_id": contribution.pk,
            "text": text,
            "edited_at": serializers.iso(now),
            "revisions": contribution.revisions.count(),
        },
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


@transaction.atomic
def contribution_withdraw(*, session_id: int, member: Member, contribution_id: int) -> Result:
    """Take one's words back out of the room (kept, marked withdrawn)."""
    require(member, "contribution_withdraw")
    session, room = events.lock_room(session_id=session_id, member=member, action="contribution_withdraw")
    contribution = contribution_in(session, contribution_id)
    if not permissions.can_withdraw_contribution(member, contribution):
        raise RoomError(ErrorCode.FORBIDDEN, _("Only the speaker may withdraw this."))
    require_open(session)
    contribution.withdrawn_at = timezone.now()
    contribution.save(update_fields=["withdrawn_at"])
    event = events.record(
        session=session,
        room=room,
        name="contribution_withdrawn",
        payload={"contribution_id": contribution.pk},
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


@transaction.atomic
def consent_set(*, session_id: int, member: Member, contribution_id: int, consent: str) -> Result:
    """The speaker chooses how these words may be recorded."""
    require(member, "consent_set")
    if consent not in Attribution.values:
        raise RoomError(ErrorCode.BAD_REQUEST, _("Unknown consent."))
    session, room = events.lock_room(session_id=session_id, member=member, action="consent_set")
    contribution = contribution_in(session, contribution_id)
    if not permissions.can_set_consent(member, contribution):
        raise RoomError(ErrorCode.FORBIDDEN, _("Only the speaker chooses how their words are recorded."))
    require_open(session)
    if contribution.consent == consent:
        return {"seq": None}
    contribution.consent = consent
    contribution.author_hidden = visibility.author_hidden_after(consent, was_hidden=contribution.author_hidden)
    contribution.save(update_fields=["consent", "author_hidden"])
    event = events.record(
        session=session,
        room=room,
        name="consent_changed",
        payload={"contribution_id": contribution.pk, "consent": consent},
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


@transaction.atomic
def acknowledgement_create(*, session_id: int, member: Member, contribution_id: int, reflection: str = "") -> Result:
    """ "I heard you", once per person per contribution."""
    require(member, "acknowledge")
    reflection = (reflection or "").strip()
    if len(reflection) > 280:
        raise RoomError(ErrorCode.TOO_LONG, _("A reflection back is one line: at most 280 characters."))
    session, room = events.lock_room(session_id=session_id, member=member, action="acknowledge")
    contribution = contribution_in(session, contribution_id)
    require_open(session)
    if contribution.author_id == member.pk:
        raise RoomError(ErrorCode.CONFLICT, _("You can't acknowledge your own words."))
    if Acknowledgement.objects.filter(contribution=contribution, member=member).exists():
        raise RoomError(ErrorCode.CONFLICT, _("You have already acknowledged this."))
    Acknowledgement.objects.create(
        contribution=contribution, member=member, reflection=reflection, created_at=timezone.now()
    )
    event = events.record(
        session=session,
        room=room,
        name="acknowledgement_added",
        payload={
            "contribution_id": contribution.pk,
            "member_id": member.pk,
            "display_name": member.display_name,
            "reflection": reflection,
            "acks": contribution.acknowledgements.count(),
        },
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}
