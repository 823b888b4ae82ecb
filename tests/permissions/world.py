"""A small exchange with one of everything a URL or a room action can name,
and one person in every role the matrix asks about."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from archives.models import ArchiveReview
from archives.services import archive_review_open
from exchanges.models import Exchange, Meeting, Team
from participants.invitations import invitation_token
from participants.models import CheckIn, Commitment, Invitation, Member, User
from reminders import tokens
from reminders.models import Reminder
from sessions import services
from sessions.models import DialogueSession, Theme
from tests.factories import (
    DialogueSessionFactory,
    ExchangeFactory,
    MeetingFactory,
    MemberFactory,
    PhaseFactory,
    TeamFactory,
    UserFactory,
)

MEMBER_ROLES = ("participant", "scribe", "facilitator", "convener")
ROLES = ("anonymous", "outsider", "staff", *MEMBER_ROLES)


@dataclass
class World:
    exchange: Exchange
    team: Team
    members: dict[str, Member]
    users: dict[str, User | None]
    meeting: Meeting
    next_meeting: Meeting
    session: DialogueSession  # scheduled, with a three-phase agenda
    open_session: DialogueSession
    archived_session: DialogueSession  # closed and published; the participant spoke in it
    review_session: DialogueSession  # closed, in its review window
    invitation: Invitation
    commitment: Commitment
    reminder: Reminder
    secrets: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return self.users[role]


def _session(meeting: Meeting, title: str) -> DialogueSession:
    session = DialogueSessionFactory(meeting=meeting, title=title)
    for order, phase in enumerate(["Opening round", "Stories", "Closing"], start=1):
        PhaseFactory(session=session, order=order, title=phase, planned_minutes=30)
    return session


def _closed_session(meeting: Meeting, title: str, members: dict[str, Member]) -> DialogueSession:
    """A session the participant spoke in, closed, with its review window open."""
    session = _session(meeting, title)
    services.session_open(session_id=session.pk, member=members["facilitator"])
    services.contribution_create(
        session_id=session.pk, member=members["participant"], client_id=f"{title}-1", text="Trust came back slowly."
    )
    services.session_close(session_id=session.pk, member=members["facilitator"])
    session.refresh_from_db()
    archive_review_open(session=session)
    return session


def build_world() -> World:
    exchange = ExchangeFactory()
    team = TeamFactory(exchange=exchange)
    members = {role: MemberFactory(exchange=exchange, team=team, exchange_role=role) for role in MEMBER_ROLES}
    users: dict[str, User | None] = {role: m.user for role, m in members.items()}
    users["anonymous"] = None
    users["outsider"] = MemberFactory().user
    users["staff"] = UserFactory(is_staff=True)

    now = timezone.now()
    meeting = MeetingFactory(exchange=exchange, number=1, starts_at=now + dt.timedelta(days=7))
    next_meeting = MeetingFactory(exchange=exchange, number=2, starts_at=now + dt.timedelta(days=60))
    session = _session(meeting, "Morning session")
    open_session = _session(meeting, "Afternoon session")
    services.session_open(session_id=open_session.pk, member=members["facilitator"])
    services.contribution_create(
        session_id=open_session.pk, member=members["participant"], client_id="world-1", text="We walked the beat."
    )
    archived_session = _closed_session(meeting, "Evening session", members)
    ArchiveReview.objects.filter(session=archived_session).update(published_at=now, published_by=members["facilitator"])
    review_session = _closed_session(meeting, "Late session", members)
    invitation = Invitation.objects.create(
        exchange=exchange,
        email="newcomer@example.org",
        name="Newcomer",
        team=team,
        created_at=now,
        expires_at=now + dt.timedelta(days=14),
        invited_by=members["facilitator"].user,
    )
    commitment = Commitment.objects.create(
        member=members["participant"], session=open_session, text="Hold a listening session."
    )
    CheckIn.objects.create(commitment=commitment, tried="We met the youth council.")
    reminder = Reminder.objects.create(
        exchange=exchange,
        kind=Reminder.Kind.MEETING_REMINDER,
        member=members["participant"],
        meeting=meeting,
        offset_minutes=2 * 24 * 60,
        anchor_at=meeting.starts_at,
        due_at=meeting.starts_at - dt.timedelta(days=2),
    )
    world = World(
        exchange=exchange,
        team=team,
        members=members,
        users=users,
        meeting=meeting,
        next_meeting=next_meeting,
        session=session,
        open_session=open_session,
        archived_session=archived_session,
        review_session=review_session,
        invitation=invitation,
        commitment=commitment,
        reminder=reminder,
    )
    world.secrets = {
        "calendar": members["participant"].user.calendar_token,
        "invitation": invitation_token(invitation),
        "unsubscribe": tokens.unsubscribe_token(members["participant"]),
        "checkin": tokens.checkin_token(commitment, until=next_meeting.starts_at),
    }
    return world


# URL parameter name -> how to find its value in the world. Rows of the
# matrix may name another object for a parameter (``Row.objects``).
PARAMETERS = {
    "exchange_id": lambda w: w.exchange.pk,
    "team_id": lambda w: w.team.pk,
    "meeting_id": lambda w: w.meeting.pk,
    "session_id": lambda w: w.session.pk,
    "open_session_id": lambda w: w.open_session.pk,
    "invitation_id": lambda w: w.invitation.pk,
    "member_id": lambda w: w.members["participant"].pk,
    "commitment_id": lambda w: w.commitment.pk,
    "reminder_id": lambda w: w.reminder.pk,
    "contribution_id": lambda w: w.open_session.contributions.first().pk,
    "archived_session_id": lambda w: w.archived_session.pk,
    "review_session_id": lambda w: w.review_session.pk,
    "theme_id": lambda w: Theme.objects.filter(exchange=w.exchange).order_by("pk").first().pk,
    "fmt": lambda w: "csv",
}
