"""A person's rights over what Common Ground holds about them: to take a copy
of it, and to leave.

People join an exchange to speak about trauma and mistrust; they must be able
to see everything the app keeps about them and to take it with them, and to
leave without their name following their words. Two services:

* ``user_data_export`` gathers every row about the person (their account,
  their place in each exchange, RSVPs, attendance, what they said and how
  they chose to be attributed, what they acknowledged and the "I heard you"
  lines they wrote, their private notes, commitments and check-ins, the
  emails sent to them, their archive reviews) into one JSON-ready dict.
  Other people's words and identities never appear: only the person's own
  notes, signals, reflections and commitments; of other people's words only
  the ids the person acted on (what they acknowledged or replied to), and of
  what others reflected back on the person's words only how many did.
* ``user_account_delete`` removes the account, and with it every free text
  the person wrote, each by its own rule:

  - words said in the room (notes shared into the room among them: they are
    contributions of kind "reflection") follow the consent they were given:
    on-the-record (``named``) words are erased unless the person asks, at
    deletion, to leave them without their name (``named_words``); words
    given not for attribution or anonymously stay, as anonymous;
    off-the-record and withdrawn words, and every earlier version of an
    edited text, are erased. What others reflected back on erased words goes
    with them;
  - the "I heard you" reflections the person wrote are erased, whatever
    they chose: their ``Acknowledgement`` rows go with the account, and the
    copies the room's event log kept are blanked;
  - commitments and their check-ins follow ``named_words``: removed, or kept
    without the name (follow-through counts and texts stay);
  - private notes, pause requests, RSVP notes, hands, turns and reminders go
    with the account; the archive access log keeps that a read happened but
    not the person's search words, and the admin's change history keeps its
    entries but not the person's name.

  Kept words and commitments are re-attributed to the exchange's "Former
  member" placeholder (a spare one for a commitment in a session where the
  placeholder already holds one), because a contribution or commitment must
  have an author and deleting the person's Member row would otherwise take
  them (and the event log's links to them) with it. The room's event log
  keeps every event, so a session's history stays gap-free; the person's
  name, their reflections and their erased words are scrubbed from every
  stored event, and the kept words there read as anonymous.
"""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archives.models import ArchiveAccess, Redaction, ReviewRelease
from participants.access import member_access_changed
from participants.models import RSVP, Attendance, CheckIn, Commitment, Invitation, Member, StakeholderRole
from reminders.models import Reminder
from sessions.models import (
    Acknowledgement,
    Attribution,
    Contribution,
    ContributionRevision,
    ContributionTheme,
    PauseSignal,
    QueueEntry,
    ReflectionNote,
    SessionEvent,
    Turn,
)
from sessions.visibility import WORD_FIELDS

if TYPE_CHECKING:
    from participants.models import User as Account

User = get_user_model()

EXPORT_FORMAT = "common-ground-personal-data"
EXPORT_VERSION = 1

# The placeholder that holds words kept after their author left. Its account
# can never sign in (no usable password, inactive) and is one per site; its
# Member row is one per exchange.
FORMER_MEMBER_EMAIL = "former-member@placeholder.invalid"
FORMER_MEMBER_NAME = "Former member"
# A member holds one commitment per session, so when a second departed
# person's kept commitment lands in a session where the placeholder already
# holds one, it goes to a spare placeholder account of the same kind
# ("former-member+2@placeholder.invalid", …), made only then.
_PLACEHOLDER_LOCAL = "former-member"
_PLACEHOLDER_DOMAIN = "placeholder.invalid"


class NamedWords:
    """What happens to a leaving person's on-the-record words."""

    REMOVE = "remove"
    KEEP_UNATTRIBUTED = "keep_unattributed"
    CHOICES = [
        (REMOVE, gettext_lazy("Remove my on-the-record words, my commitments and my check-ins")),
        (KEEP_UNATTRIBUTED, gettext_lazy("Keep them, without my name")),
    ]


# --- Export ---------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def user_data_export(*, user: "Account") -> dict[str, Any]:
    """Everything the app holds about ``user``, as plain JSON-ready data.

    The query count grows with the number of exchanges the person belongs to
    only through prefetches, never per row.
    """
    members = list(Member.objects.filter(user=user).select_related("exchange", "team").order_by("joined_at", "pk"))
    member_ids = [m.pk for m in members]
    by_member: dict[str, dict[int, list]] = {}

    def group(key: str, rows: Iterable[Any], member_attr: str = "member_id") -> None:
        bucket = by_member.setdefault(key, {})
        for row in rows:
            bucket.setdefault(getattr(row, member_attr), []).append(row)

    group("rsvps", RSVP.objects.filter(member_id__in=member_ids).select_related("meeting").order_by("pk"))
    group("attendance", Attendance.objects.filter(member_id__in=member_ids).select_related("meeting").order_by("pk"))
    contributions = list(
        Contribution.objects.filter(author_id__in=member_ids)
        .select_related("session__meeting")
        .prefetch_related("revisions", "theme_tags__theme")
        # How many heard it, never who or what they reflected back: those are their words.
        .annotate(acknowledged_by=Count("acknowledgements", distinct=True))
        .order_by("created_at", "pk")
    )
    redacted = set(Redaction.objects.filter(contribution__in=contributions).values_list("contribution_id", flat=True))
    group("contributions", contributions, "author_id")
    group(
        "acknowledgements",
        Acknowledgement.objects.filter(member_id__in=member_ids)
        .select_related("contribution__session")
        .order_by("created_at", "pk"),
    )
    group("notes", ReflectionNote.objects.filter(member_id__in=member_ids).select_related("session").order_by("pk"))
    group(
        "commitments",
        Commitment.objects.filter(member_id__in=member_ids)
        .select_related("session__meeting")
        .order_by("created_at", "pk"),
    )
    checkins = {c.commitment_id: c for c in CheckIn.objects.filter(commitment__member_id__in=member_ids)}
    group("hands", QueueEntry.objects.filter(member_id__in=member_ids).order_by("raised_at", "pk"))
    group("turns", Turn.objects.filter(member_id__in=member_ids).select_related("round").order_by("pk"))
    group("pause_signals", PauseSignal.objects.filter(member_id__in=member_ids).order_by("created_at", "pk"))
    group("reminders", Reminder.objects.filter(member_id__in=member_ids).order_by("due_at", "pk"))
    group("releases", ReviewRelease.objects.filter(member_id__in=member_ids).select_related("review").order_by("pk"))

    def rows(key: str, member: Member) -> list:
        return by_member.get(key, {}).get(member.pk, [])

    memberships = []
    for m in members:
        memberships.append(
            {
                "member_id": m.pk,
                "exchange": {"id": m.exchange_id, "title": m.exchange.title},
                "display_name": m.display_name,
                "pronouns": m.pronouns,
                "time_zone": str(m.time_zone),
                "exchange_role": m.exchange_role,
                "stakeholder_role": m.stakeholder_role,
                "team": str(m.team) if m.team_id else None,
                "consented_at": _iso(m.consented_at),
                "reminders_enabled": m.reminders_enabled,
                "joined_at": _iso(m.joined_at),
                "rsvps": [
                    {"meeting_id": r.meeting_id, "meeting": str(r.meeting), "response": r.response, "note": r.note}
                    for r in rows("rsvps", m)
                ],
                "attendance": [
                    {"meeting_id": a.meeting_id, "meeting": str(a.meeting), "source": a.source}
                    for a in rows("attendance", m)
                ],
                "contributions": [
                    {
                        "id": c.pk,
                        "session_id": c.session_id,
                        "session": c.session.title,
                        "kind": c.kind,
                        "text": c.text,
                        "language": c.language,
                        "consent": c.consent,
                        "captured_by_scribe": c.captured_by_id is not None,
                        "reply_to": c.reply_to_id,
                        "created_at": _iso(c.created_at),
                        "edited_at": _iso(c.edited_at),
                        "withdrawn_at": _iso(c.withdrawn_at),
                        "erased_at": _iso(c.purged_at),
                        "redacted": c.pk in redacted,
                        "earlier_versions": [r.text for r in c.revisions.all()],
                        "themes": sorted(t.theme.name for t in c.theme_tags.all()),
                        "acknowledged_by_count": c.acknowledged_by,
                    }
                    for c in rows("contributions", m)
                ],
                # Of other people's words only which contribution the person
                # acknowledged: the words are theirs, not this person's. The
                # reflection is the person's own "I heard you" line.
                "acknowledgements": [
                    {
                        "contribution_id": a.contribution_id,
                        "session_id": a.contribution.session_id,
                        "reflection": a.reflection,
                        "created_at": _iso(a.created_at),
                    }
                    for a in rows("acknowledgements", m)
                ],
                "private_notes": [
                    {
                        "session_id": n.session_id,
                        "session": n.session.title,
                        "text": n.text,
                        "updated_at": _iso(n.updated_at),
                    }
                    for n in rows("notes", m)
                ],
                "commitments": [
                    {
                        "session_id": c.session_id,
                        "session": c.session.title,
                        "text": c.text,
                        "created_at": _iso(c.created_at),
                        "check_in": _checkin_data(checkins.get(c.pk)),
                    }
                    for c in rows("commitments", m)
                ],
                "raised_hands": [
                    {"session_id": q.session_id, "kind": q.kind, "status": q.status, "raised_at": _iso(q.raised_at)}
                    for q in rows("hands", m)
                ],
                "turns": [
                    {"session_id": t.round.session_id, "round_id": t.round_id, "status": t.status}
                    for t in rows("turns", m)
                ],
                "pause_requests": [
                    {"session_id": p.session_id, "created_at": _iso(p.created_at), "dismissed_at": _iso(p.dismissed_at)}
                    for p in rows("pause_signals", m)
                ],
                "emails": [
                    {
                        "kind": r.kind,
                        "state": r.state,
                        "meeting_id": r.meeting_id,
                        "session_id": r.session_id,
                        "due_at": _iso(r.due_at),
                        "sent_at": _iso(r.sent_at),
                    }
                    for r in rows("reminders", m)
                ],
                "archive_releases": [
                    {"session_id": r.review.session_id, "released_at": _iso(r.released_at)} for r in rows("releases", m)
                ],
            }
        )

    invitations = Invitation.objects.filter(Q(email__iexact=user.email) | Q(member__user=user)).select_related(
        "exchange"
    )
    reads = ArchiveAccess.objects.filter(user=user).order_by("created_at", "pk")
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(timezone.now()),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "language": user.language,  # blank: follows the browser
            # The calendar feed's secret address is left out: it is a key,
            # not information about the person; reset it on "My schedule".
            "has_calendar_feed": bool(user.calendar_token),
        },
        "memberships": memberships,
        "invitations": [
            {
                "exchange": {"id": i.exchange_id, "title": i.exchange.title},
                "email": i.email,
                "name": i.name,
                "created_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
                "accepted_at": _iso(i.accepted_at),
                "revoked_at": _iso(i.revoked_at),
            }
            for i in invitations.order_by("created_at", "pk")
        ],
        "archive_reads": [
            {
                "exchange_id": a.exchange_id,
                "session_id": a.session_id,
                "what": a.what,
                "query": a.query,
                "at": _iso(a.created_at),
            }
            for a in reads
        ],
    }


def _checkin_data(check_in: CheckIn | None) -> dict | None:
    if check_in is None:
        return None
    return {
        "tried": check_in.tried,
        "how_working": check_in.how_working,
        "learning": check_in.learning,
        "next_step": check_in.next_step,
        "share_in_opening_round": check_in.share_in_opening_round,
        "updated_at": _iso(check_in.updated_at),
    }


# --- Deletion -------------------------------------------------------------------


def _is_placeholder_email(email: str) -> bool:
    local, _at, domain = (email or "").partition("@")
    return domain == _PLACEHOLDER_DOMAIN and (local == _PLACEHOLDER_LOCAL or local.startswith(_PLACEHOLDER_LOCAL + "+"))


def _placeholder_account(email: str) -> "Account":
    account = User.objects.filter(email=email).first()
    if account is None:
        account = User(email=email, is_active=False)
        account.set_unusable_password()
        account.save()
    return account


def _placeholder_member(*, exchange_id: int, account: "Account") -> Member:
    member, _created = Member.objects.get_or_create(
        exchange_id=exchange_id,
        user=account,
        defaults={
            "display_name": FORMER_MEMBER_NAME,
            "exchange_role": "participant",
            "stakeholder_role": StakeholderRole.OTHER,
            "time_zone": "UTC",
            "reminders_enabled": False,
        },
    )
    return member


def _former_member(*, exchange_id: int, cache: dict[int, Member]) -> Member:
    """The exchange's "Former member" placeholder, made on first need."""
    if exchange_id in cache:
        return cache[exchange_id]
    member = _placeholder_member(exchange_id=exchange_id, account=_placeholder_account(FORMER_MEMBER_EMAIL))
    cache[exchange_id] = member
    return member


def _spare_former_member(*, exchange_id: int, taken: set[int]) -> Member:
    """Another "Former member" of the exchange, for a commitment in a session
    where every placeholder in ``taken`` (member ids) already holds one."""
    spares = User.objects.filter(
        email__startswith=_PLACEHOLDER_LOCAL + "+", email__endswith="@" + _PLACEHOLDER_DOMAIN
    ).order_by("pk")
    for account in spares:
        member = _placeholder_member(exchange_id=exchange_id, account=account)
        if member.pk not in taken:
            return member
    n = spares.count() + 2
    while User.objects.filter(email=f"{_PLACEHOLDER_LOCAL}+{n}@{_PLACEHOLDER_DOMAIN}").exists():
        n += 1
    account = _placeholder_account(f"{_PLACEHOLDER_LOCAL}+{n}@{_PLACEHOLDER_DOMAIN}")
    return _placeholder_member(exchange_id=exchange_id, account=account)


def is_former_member(member: Member) -> bool:
    return _is_placeholder_email(member.user.email)


def _member_data(member: Member) -> dict[str, Any]:
    """A MEMBER shape (docs/protocol.md) for the placeholder."""
    return {
        "id": member.pk,
        "display_name": member.display_name,
        "team": None,
        "stakeholder_role": member.stakeholder_role,
        "exchange_role": member.exchange_role,
    }


def _rewrite(value: Any, *, gone: int, placeholder: Member, erased: set[int], kept: dict[int, str]) -> Any:
    """Rewrite one stored event payload.

    The leaving member becomes the placeholder wherever they appear (as a
    MEMBER object or a ``member_id`` with its ``display_name``), and any
    words carried beside their ``member_id`` (the "I heard you" reflection of
    an ``acknowledgement_added``) are blanked; texts of erased contributions
    are blanked and marked purged; kept contributions read as anonymous, with
    their text as it stands now (``kept`` maps id to it), never an earlier
    version. A text already blanked (at close) stays blank.
    """
    if isinstance(value, list):
        return [_rewrite(v, gone=gone, placeholder=placeholder, erased=erased, kept=kept) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("id") == gone and "display_name" in value:
        return _member_data(placeholder)
    out = {k: _rewrite(v, gone=gone, placeholder=placeholder, erased=erased, kept=kept) for k, v in value.items()}
    if out.get("member_id") == gone:
        out["member_id"] = placeholder.pk
        if "display_name" in out:
            out["display_name"] = placeholder.display_name
        for key in WORD_FIELDS:
            if isinstance(out.get(key), str):
                out[key] = ""
    contribution_id = out.get("id") if "text" in out and "consent" in out else out.get("contribution_id")
    if contribution_id in erased:
        for key in WORD_FIELDS:
            if isinstance(out.get(key), str):
                out[key] = ""
        if "purged" in out:
            out["purged"] = True
    elif contribution_id in kept:
        if "consent" in out:
            out["consent"] = Attribution.ANONYMOUS
        if isinstance(out.get("text"), str) and out["text"]:
            out["text"] = kept[contribution_id]
    return out


def _keep_commitments(*, member: Member, placeholder: Member) -> int:
    """Hand the member's commitments (and so their check-ins) to a placeholder,
    one commitment per placeholder per session. Returns how many."""
    rows = list(Commitment.objects.filter(member=member).values_list("pk", "session_id"))
    if not rows:
        return 0
    holders = [placeholder] + list(
        Member.objects.filter(
            exchange_id=member.exchange_id,
            user__email__startswith=_PLACEHOLDER_LOCAL + "+",
            user__email__endswith="@" + _PLACEHOLDER_DOMAIN,
        ).order_by("pk")
    )
    taken = set(
        Commitment.objects.filter(
            member__in=[h.pk for h in holders], session_id__in=[session_id for _, session_id in rows]
        ).values_list("member_id", "session_id")
    )
    for pk, session_id in rows:
        holder = next((h for h in holders if (h.pk, session_id) not in taken), None)
        if holder is None:
            holder = _spare_former_member(exchange_id=member.exchange_id, taken={h.pk for h in holders})
            holders.append(holder)
        Commitment.objects.filter(pk=pk).update(member=holder)
        taken.add((holder.pk, session_id))
    return len(rows)


@transaction.atomic
def user_account_delete(
    *, user: "Account | AnonymousUser", password: str, named_words: str = NamedWords.REMOVE
) -> dict[str, int]:
    """Delete ``user``'s account after checking their password.

    ``named_words`` says what becomes of their on-the-record words and of
    their commitments and check-ins: ``NamedWords.REMOVE`` (the default)
    erases them; ``KEEP_UNATTRIBUTED`` keeps them without the person's name.
    Returns counts of what was erased and kept, for the confirmation page.
    """
    if not user.is_authenticated or not user.check_password(password):
        raise ValidationError({"password": _("That is not your password.")})
    if named_words not in (NamedWords.REMOVE, NamedWords.KEEP_UNATTRIBUTED):
        raise ValidationError({"named_words": _("Choose what happens to your on-the-record words.")})
    if _is_placeholder_email(user.email):
        raise ValidationError(_("The placeholder account cannot be deleted this way."))

    now = timezone.now()
    placeholders: dict[int, Member] = {}
    erased_total = kept_total = commitments_kept = 0
    members = list(Member.objects.select_for_update().filter(user=user))
    # Their open live-room sockets close once this commits: a deleted account hears nothing more.
    member_access_changed(member_ids=[m.pk for m in members])
    for member in members:
        placeholder = _former_member(exchange_id=member.exchange_id, cache=placeholders)
        words = Contribution.objects.filter(author=member)
        erase_consents = [Attribution.OFF_RECORD]
        if named_words == NamedWords.REMOVE:
            erase_consents.append(Attribution.NAMED)
        # Withdrawn words are never shown again: they go too, whatever their consent.
        erased = set(
            words.filter(Q(consent__in=erase_consents) | Q(withdrawn_at__isnull=False)).values_list("pk", flat=True)
        )
        kept = dict(words.exclude(pk__in=erased).values_list("pk", "text"))

        # Erase: the text, its earlier versions, and what others reflected back about it.
        # The language is the person's page's: it goes with their name, from both.
        Contribution.objects.filter(pk__in=erased).update(text="", language="", purged_at=now, client_id=None)
        Acknowledgement.objects.filter(contribution_id__in=erased).update(reflection="")
        ContributionTheme.objects.filter(contribution_id__in=erased).delete()
        # Keep: without attribution, whatever the person first chose.
        Contribution.objects.filter(pk__in=kept).update(
            consent=Attribution.ANONYMOUS, author_hidden=True, client_id=None, language=""
        )
        # No earlier version of anything the person said is ever shown again.
        ContributionRevision.objects.filter(contribution_id__in=erased | set(kept)).update(text="")
        # Both now belong to the placeholder, so deleting the member takes no words with it.
        Contribution.objects.filter(pk__in=erased | set(kept)).update(author=placeholder)
        if named_words == NamedWords.KEEP_UNATTRIBUTED:
            commitments_kept += _keep_commitments(member=member, placeholder=placeholder)

        events = list(
            SessionEvent.objects.filter(session__meeting__exchange_id=member.exchange_id).only("pk", "payload")
        )
        changed = []
        for event in events:
            payload = _rewrite(event.payload, gone=member.pk, placeholder=placeholder, erased=erased, kept=kept)
            if payload != event.payload:
                event.payload = payload
                changed.append(event)
        SessionEvent.objects.bulk_update(changed, ["payload"], batch_size=500)
        SessionEvent.objects.filter(actor=member).update(actor=placeholder)
        # Invitations name the person and their address.
        Invitation.objects.filter(
            Q(member=member) | Q(exchange_id=member.exchange_id, email__iexact=user.email)
        ).delete()
        erased_total += len(erased)
        kept_total += len(kept)
    # Invitations to exchanges the person never joined.
    Invitation.objects.filter(email__iexact=user.email).delete()
    # The access log keeps that the person read the archive, not what they searched for.
    ArchiveAccess.objects.filter(Q(user=user) | Q(member__in=members)).exclude(query="").update(query="")
    # The admin's history names the account and memberships it changed.
    LogEntry.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
        | Q(content_type=ContentType.objects.get_for_model(Member), object_id__in=[str(m.pk) for m in members])
    ).update(object_repr="(deleted account)")
    # Everything else of the person's (memberships, RSVPs and their notes,
    # attendance, private notes, commitments and check-ins not kept above,
    # hands, turns, pause requests, reminders, the acknowledgements and
    # reflections they gave, archive releases) goes with the account.
    user.delete()
    return {
        "erased": erased_total,
        "kept": kept_total,
        "commitments_kept": commitments_kept,
        "exchanges": len(members),
    }
