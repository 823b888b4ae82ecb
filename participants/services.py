"""Writes about people: invitations, joining, profiles, RSVPs and attendance.

Each service is keyword-only, runs in one transaction, and checks that the
acting member may do it, so a view never decides permission on its own.
Emails leave only once the transaction has committed: nobody is sent a link
to an invitation that was rolled back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.fields import validate_time_zone
from core.middleware import offered_language

from .access import member_access_changed
from .emails import invitation_email_send
from .invitations import InvitationState, invitation_state
from .models import (
    Attendance,
    ExchangeRole,
    Invitation,
    Member,
    SessionAttendance,
    StakeholderRole,
    User,
    new_calendar_token,
)
from .permissions import (
    can_appoint,
    can_change_exchange_role,
    can_edit_member,
    can_manage_members,
    own_role_note,
)

if TYPE_CHECKING:  # annotations only: exchanges sits above participants
    from exchanges.models import Exchange, Team

MAX_BULK_ROWS = 500


class InvitationClosed(ValidationError):
    """The invitation can no longer be used: it was accepted, revoked, or it expired."""

    def __init__(self, state: str):
        self.state = state
        messages = {
            InvitationState.ACCEPTED: _("This invitation has already been used."),
            InvitationState.REVOKED: _("This invitation was withdrawn by the exchange's organisers."),
            InvitationState.EXPIRED: _("This invitation has expired."),
        }
        super().__init__(messages.get(state, _("This invitation can no longer be used.")), code=state)


class SignInRequired(PermissionDenied):
    """An account already exists for the invited address: its owner must sign in to accept."""


class WrongAccount(PermissionDenied):
    """The visitor is signed in as someone other than the person invited."""


def _require_manager(member: Member | None, exchange: Exchange) -> None:
    if member is None or member.exchange_id != exchange.pk or not can_manage_members(member):
        raise PermissionDenied(_("Only the exchange's facilitators and conveners may do this."))


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def _appoint_refusal(actor: Member, exchange_role: str) -> str | None:
    """Why ``actor`` may not give this role (``permissions.can_appoint``), or None if they may."""
    if can_appoint(actor, exchange_role):
        return None
    if exchange_role == ExchangeRole.CONVENER:
        return _("Only a convener can make someone a convener.")
    return _("Choose a role in the exchange.")


# --- Invitations -----------------------------------------------------------------


@dataclass(frozen=True)
class _InvitationDraft:
    name: str
    email: str
    team: Team | None
    stakeholder_role: str
    exchange_role: str
    language: str = ""


def _member_emails(*, exchange: Exchange, emails: Iterable[str]) -> set[str]:
    """Which of these addresses already belong to members of the exchange (one query)."""
    return {
        email.lower()
        for email in Member.objects.filter(exchange=exchange, user__email__in=list(emails)).values_list(
            "user__email", flat=True
        )
    }


def _invitations_save(*, member: Member, exchange: Exchange, drafts: list[_InvitationDraft]) -> list[Invitation]:
    """Replace any open invitation for the same addresses, store the new ones, email them on commit."""
    for draft in drafts:
        # Every way of inviting passes here, so no path invites a role its sender may not give.
        refusal = _appoint_refusal(member, draft.exchange_role)
        if refusal:
            raise ValidationError({"exchange_role": refusal})
    now = timezone.now()
    emails = [d.email for d in drafts]
    Invitation.objects.filter(
        exchange=exchange, email__in=emails, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitations = [
        Invitation(
            exchange=exchange,
            email=d.email,
            name=d.name,
            team=d.team,
            stakeholder_role=d.stakeholder_role,
            exchange_role=d.exchange_role,
            language=d.language,
            invited_by=member.user,
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.INVITATION_DAYS),
        )
        for d in drafts
    ]
    try:
        with transaction.atomic():
            invitations = Invitation.objects.bulk_create(invitations)
    except IntegrityError as exc:
        raise ValidationError(_("Someone else invited the same person at the same moment. Please try again.")) from exc
    for invitation in invitations:
        transaction.on_commit(partial(invitation_email_send, invitation_id=invitation.pk))
    return invitations


@transaction.atomic
def invitation_create(
    *,
    member: Member,
    exchange: Exchange,
    name: str,
    email: str,
    team: Team | None = None,
    stakeholder_role: str = StakeholderRole.OTHER,
    exchange_role: str = ExchangeRole.PARTICIPANT,
    language: str = "",
) -> Invitation:
    """Invite one person by email, in ``language`` (blank: the site's) if they have no account to say theirs.

    An open invitation to the same address is withdrawn and replaced, so the
    newest email always carries the only working link. Only a convener
    invites someone as a convener (``permissions.can_appoint``).
    """
    _require_manager(member, exchange)
    email = _normalise_email(email)
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the person's name.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Enter a valid email address.")
    if team is not None and team.exchange_id != exchange.pk:
        errors["team"] = _("That team is not part of this exchange.")
    if stakeholder_role not in StakeholderRole.values:
        errors["stakeholder_role"] = _("Choose a stakeholder role.")
    if exchange_role not in ExchangeRole.values:
        errors["exchange_role"] = _("Choose a role in the exchange.")
    elif refusal := _appoint_refusal(member, exchange_role):
        errors["exchange_role"] = refusal
    if language and offered_language(language) != language:
        errors["language"] = _("That language is not offered.")
    if not errors and _member_emails(exchange=exchange, emails=[email]):
        errors["email"] = _("%(email)s is already a member of this exchange.") % {"email": email}
    if errors:
        raise ValidationError(errors)
    draft = _InvitationDraft(name, email, team, stakeholder_role, exchange_role, language)
    return _invitations_save(member=member, exchange=exchange, drafts=[draft])[0]


def _stakeholder_role_names() -> dict[str, str]:
    """Every way a pasted row may name a role, lowercase: its value, its English
    label and its label in the reader's language (for ``_stakeholder_role_parse``)."""
    names: dict[str, str] = {}
    with translation.override("en"):
        english = [(value, str(label)) for value, label in StakeholderRole.choices]
    for (value, label), (_value, in_english) in zip(StakeholderRole.choices, english, strict=True):
        for name in (value.replace("_", " "), str(label), in_english):
            names.setdefault(name.lower(), value)
    return names


def _stakeholder_role_parse(text: str, names: dict[str, str]) -> str | None:
    """Accept a role by its label ("Law enforcement", or the label in the reader's
    language) or its value ("law_enforcement")."""
    wanted = " ".join(text.replace("_", " ").replace("-", " ").lower().split())
    if not wanted:
        return StakeholderRole.OTHER
    return names.get(wanted)


def _is_header(cells: list[str]) -> bool:
    return len(cells) >= 2 and cells[0].strip().lower() == "name" and cells[1].strip().lower() == "email"


@transaction.atomic
def invitations_create_bulk(*, member: Member, exchange: Exchange, text: str, language: str = "") -> list[Invitation]:
    """Invite many people from pasted rows ``name, email, team, stakeholder role``.

    All or nothing: a facilitator pasting a roster should not have to work
    out which half of it went through. Every bad row is reported with its
    line number and nothing is created until every row is right. The team is
    matched by community name regardless of case; the stakeholder role by
    label or value; either may be left empty. Everyone is invited as a
    participant; roles beyond that are given one person at a time.
    """
    _require_manager(member, exchange)
    if language and offered_language(language) != language:
        raise ValidationError({"language": _("That language is not offered.")})
    teams = {t.community_name.strip().lower(): t for t in exchange.teams.all()}
    role_names = _stakeholder_role_names()
    errors: list[ValidationError] = []
    rows: list[tuple[int, _InvitationDraft]] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    first = True
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if first and _is_header(cells):
            first = False
            continue
        first = False

        def bad(message: str, line=line) -> None:
            errors.append(ValidationError(_("Line %(line)s: %(message)s"), params={"line": line, "message": message}))

        if len(cells) < 2 or len(cells) > 4:
            bad(
                ngettext(
                    "expected “name, email, team, stakeholder role” but found %(count)s field(s).",
                    "expected “name, email, team, stakeholder role” but found %(count)s field(s).",
                    len(cells),
                )
                % {"count": len(cells)}
            )
            continue
        cells = [cell.strip() for cell in cells] + [""] * (4 - len(cells))
        name, email, team_name, role_text = cells[0], _normalise_email(cells[1]), cells[2], cells[3]
        row_ok = True
        if not name:
            bad(_("the name is missing."))
            row_ok = False
        try:
            validate_email(email)
        except ValidationError:
            bad(_("“%(email)s” is not a valid email address.") % {"email": cells[1]})
            row_ok = False
        else:
            if email in seen:
                bad(_("%(email)s is also on line %(line)s.") % {"email": email, "line": seen[email]})
                row_ok = False
            seen.setdefault(email, line)
        team = None
        if team_name:
            team = teams.get(team_name.lower())
            if team is None:
                bad(_("no team called “%(team)s” in this exchange.") % {"team": team_name})
                row_ok = False
        role = _stakeholder_role_parse(role_text, role_names)
        if role is None:
            bad(_("“%(role)s” is not a stakeholder role.") % {"role": role_text})
            row_ok = False
        if row_ok:
            assert role is not None  # else the row is not ok
            rows.append((line, _InvitationDraft(name, email, team, role, ExchangeRole.PARTICIPANT, language)))
    if not rows and not errors:
        raise ValidationError(_("Paste at least one row: name, email, team, stakeholder role."))
    if len(rows) > MAX_BULK_ROWS:
        raise ValidationError(_("Paste at most %(count)s rows at a time.") % {"count": MAX_BULK_ROWS})
    already = _member_emails(exchange=exchange, emails=[d.email for _line, d in rows])
    for line, draft in rows:
        if draft.email in already:
            errors.append(
                ValidationError(
                    _("Line %(line)s: %(message)s"),
                    params={
                        "line": line,
                        "message": _("%(email)s is already a member of this exchange.") % {"email": draft.email},
                    },
                )
            )
    if errors:
        errors.sort(key=lambda e: e.params["line"])  # type: ignore[index]  # each error here has params
        raise ValidationError(errors)
    return _invitations_save(member=member, exchange=exchange, drafts=[d for _line, d in rows])


def _invitation_lock(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().select_related("exchange").get(pk=invitation.pk)


@transaction.atomic
def invitation_revoke(*, member: Member, invitation: Invitation) -> Invitation:
    """Withdraw an invitation that has not been accepted; its link stops working at once."""
    invitation = _invitation_lock(invitation)
    _require_manager(member, invitation.exchange)
    state = invitation_state(invitation)
    if state == InvitationState.ACCEPTED:
        raise ValidationError(_("This invitation is already accepted."))
    if state == InvitationState.REVOKED:
        raise ValidationError(_("This invitation is already revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_resend(*, member: Member, invitation: Invitation) -> Invitation:
    """Email the same link again; an invitation that ran out of time gets a fresh period."""
    invitation = _invitation_lock(invitation)
    _require_manager(member, invitation.exchange)
    state = invitation_state(invitation)
    if state == InvitationState.ACCEPTED:
        raise ValidationError(_("This invitation is accepted and cannot be sent again."))
    if state == InvitationState.REVOKED:
        raise ValidationError(_("This invitation is revoked and cannot be sent again."))
    if state == InvitationState.EXPIRED:
        invitation.expires_at = timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS)
        invitation.save(update_fields=["expires_at"])
    transaction.on_commit(partial(invitation_email_send, invitation_id=invitation.pk))
    return invitation


def invitation_account(invitation: Invitation) -> User | None:
    return User.objects.filter(email__iexact=invitation.email).first()


def invitation_check_visitor(*, invitation: Invitation, user) -> User | None:
    """Decide whether this visitor may accept; return the existing account, if any.

    An invitation belongs to an email address. When that address already
    has an account, only its owner, signed in, may accept; a visitor signed
    in as anyone else is refused rather than quietly joined under the wrong
    name.
    """
    account = invitation_account(invitation)
    signed_in = user is not None and user.is_authenticated
    if account is not None:
        if not signed_in:
            raise SignInRequired(_("An account already exists for this address: sign in to accept."))
        if user.pk != account.pk:
            raise WrongAccount(_("This invitation was sent to someone else."))
    elif signed_in:
        raise WrongAccount(_("This invitation was sent to someone else."))
    return account


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user,
    display_name: str,
    time_zone: str,
    consent: bool,
    pronouns: str = "",
    password: str | None = None,
) -> Member:
    """Join the exchange from an invitation: make the account if needed, then the Member.

    The person's place (team, roles) comes from the invitation; their consent
    to the recording terms is stamped now, because nothing they say may be
    recorded before it.
    """
    invitation = _invitation_lock(invitation)
    state = invitation_state(invitation)
    if state != InvitationState.PENDING:
        raise InvitationClosed(state)
    account = invitation_check_visitor(invitation=invitation, user=user)
    errors: dict[str, list[str]] = {}
    display_name = display_name.strip()
    if not display_name:
        errors["display_name"] = [_("Say how you would like to be called.")]
    try:
        validate_time_zone(time_zone)
    except ValidationError:
        errors["time_zone"] = [_("Choose your time zone.")]
    if not consent:
        errors["consent"] = [_("You need to agree to the recording terms to join.")]
    if account is None:
        candidate = User(email=invitation.email, first_name=display_name)
        try:
            validate_password(password or "", user=candidate)
        except ValidationError as exc:
            errors["password"] = exc.messages
    elif Member.objects.filter(exchange=invitation.exchange, user=account).exists():
        raise ValidationError(_("You are already a member of this exchange."), code="already_member")
    if errors:
        raise ValidationError(errors)
    if account is None:
        account = User.objects.create_user(email=invitation.email, password=password, first_name=display_name)
    now = timezone.now()
    member = Member.objects.create(
        exchange=invitation.exchange,
        user=account,
        exchange_role=invitation.exchange_role,
        stakeholder_role=invitation.stakeholder_role,
        team=invitation.team,
        display_name=display_name,
        pronouns=pronouns.strip(),
        time_zone=time_zone,
        consented_at=now,
    )
    invitation.accepted_at = now
    invitation.member = member
    invitation.save(update_fields=["accepted_at", "member"])
    return member


# --- Members -----------------------------------------------------------------------


@transaction.atomic
def member_update_self(*, member: Member, display_name: str, time_zone: str, pronouns: str = "") -> Member:
    """A person sets how they are named and which time zone they read times in."""
    member.display_name = display_name.strip()
    member.pronouns = pronouns.strip()
    member.time_zone = time_zone
    member.full_clean(exclude=["exchange", "user", "team"])
    member.save(update_fields=["display_name", "pronouns", "time_zone"])
    return member


_MANAGING = (ExchangeRole.FACILITATOR, ExchangeRole.CONVENER)


@transaction.atomic
def member_update(
    *, actor: Member, member: Member, team: Team | None, stakeholder_role: str, exchange_role: str
) -> Member:
    """A facilitator or convener places a member in a team and sets their roles.

    The rules are answered in ``participants.permissions``: a convener's
    place is changed only by a convener; only a convener makes someone a
    convener; nobody changes their own role in the exchange (a convener
    stepping down is demoted by another convener). An exchange always keeps
    at least one convener (if it has one) and at least one facilitator or
    convener, so nobody can lock everyone out of running it. A refusal
    changes nothing. When the member's team or roles do change, their open
    live-room sockets are closed on commit, so they reconnect with the rights
    they have now (``participants.access``).
    """
    # Lock the people these rules are about, in one order (by id): the member,
    # the actor and every facilitator and convener of the exchange. Two
    # conveners demoting each other at the same moment then run one after
    # the other, and the second sees that the first is no longer a convener.
    locked = {
        m.pk: m
        for m in Member.objects.select_for_update()
        .filter(Q(pk__in=[member.pk, actor.pk]) | Q(exchange_id=member.exchange_id, exchange_role__in=_MANAGING))
        .order_by("pk")
    }
    if member.pk not in locked:
        raise Member.DoesNotExist("No such member.")
    member, acting = locked[member.pk], locked.get(actor.pk)
    if not can_edit_member(acting, member):
        if can_manage_members(acting) and acting.exchange_id == member.exchange_id:
            raise PermissionDenied(_("Only a convener can change a convener's team or roles."))
        raise PermissionDenied(_("Only the exchange's facilitators and conveners may change roles."))
    errors: dict[str, str] = {}
    if team is not None and team.exchange_id != member.exchange_id:
        errors["team"] = _("That team is not part of this exchange.")
    if stakeholder_role not in StakeholderRole.values:
        errors["stakeholder_role"] = _("Choose a stakeholder role.")
    if exchange_role not in ExchangeRole.values:
        errors["exchange_role"] = _("Choose a role in the exchange.")
    elif exchange_role != member.exchange_role:
        others = [m for m in locked.values() if m.pk != member.pk and m.exchange_id == member.exchange_id]
        if not can_change_exchange_role(acting, member):
            errors["exchange_role"] = own_role_note(acting)
        elif refusal := _appoint_refusal(acting, exchange_role):
            errors["exchange_role"] = refusal
        elif member.exchange_role == ExchangeRole.CONVENER and not any(
            m.exchange_role == ExchangeRole.CONVENER for m in others
        ):
            errors["exchange_role"] = _("The exchange needs at least one convener.")
        elif (
            member.exchange_role in _MANAGING
            and exchange_role not in _MANAGING
            and not any(m.exchange_role in _MANAGING for m in others)
        ):
            errors["exchange_role"] = _("The exchange needs at least one facilitator or convener.")
    if errors:
        raise ValidationError(errors)
    before = (member.team_id, member.stakeholder_role, member.exchange_role)
    member.team = team
    member.stakeholder_role = stakeholder_role
    member.exchange_role = exchange_role
    member.save(update_fields=["team", "stakeholder_role", "exchange_role"])
    if before != (member.team_id, member.stakeholder_role, member.exchange_role):
        member_access_changed(member_ids=[member.pk])
    return member


# --- RSVPs and attendance ---------------------------------------------------------------


@transaction.atomic
def attendance_record_live(*, member_ids: Iterable[int], session) -> None:
    """Note that these members are present in a session's open live room.

    Each gets one row for the session (what archive access follows) and, if
    they have none yet, one for its meeting. Being in the room again (a
    reconnect, a second tab) changes nothing, and a facilitator's own mark
    for the meeting is never replaced: it is the more deliberate record.
    The live room calls this only while the session is open: opening the
    room of a scheduled or closed session is not attending it.
    """
    ids = sorted({int(pk) for pk in member_ids})
    ids = list(Member.objects.filter(pk__in=ids, exchange_id=session.meeting.exchange_id).values_list("pk", flat=True))
    if not ids:
        return
    SessionAttendance.objects.bulk_create(
        [SessionAttendance(member_id=pk, session_id=session.pk) for pk in ids], ignore_conflicts=True
    )
    Attendance.objects.bulk_create(
        [Attendance(member_id=pk, meeting_id=session.meeting_id, source=Attendance.Source.LIVE) for pk in ids],
        ignore_conflicts=True,
    )


# --- Calendar feed --------------------------------------------------------------------------


@transaction.atomic
def calendar_token_reset(*, user: User) -> str:
    """Give the person a new feed address; calendars subscribed to the old one stop updating."""
    user.calendar_token = new_calendar_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def user_language_set(*, user: User, language: str) -> None:
    """Keep a signed-in person's language (docs/languages.md): pages, the room and emails follow it.

    The caller has checked that the language is offered; blank follows the browser again.
    """
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
