"""Invitation follow-ups, commitment check-ins halfway between meetings, and session digests."""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from exchanges.models import Meeting
from participants.invitations import invitation_link
from participants.models import Attendance, CheckIn, Commitment, Invitation, SessionAttendance
from reminders.models import Reminder
from reminders.outbox import reminders_materialize, reminders_scan
from reminders.tokens import checkin_token
from sessions.models import DialogueSession
from tests.factories import DialogueSessionFactory

from .conftest import NOW, publish

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


# --- Invitation follow-ups ------------------------------------------------------------


@pytest.fixture
def invitation(exchange, facilitator):
    return Invitation.objects.create(
        exchange=exchange,
        email="new.person@example.org",
        name="New Person",
        invited_by=facilitator.user,
        created_at=NOW,
        expires_at=NOW + 14 * DAY,
    )


def followups():
    return Reminder.objects.filter(kind=Reminder.Kind.INVITATION_FOLLOWUP)


def test_open_invitation_gets_follow_ups_after_3_and_7_days(invitation):
    """Two follow-ups, each with the same rebuilt invitation link, at day 3 and day 7; none after."""
    reminders_scan(now=NOW + DAY)
    assert mail.outbox == []
    reminders_scan(now=NOW + 3 * DAY)
    reminders_scan(now=NOW + 3 * DAY + dt.timedelta(minutes=1))
    assert len(mail.outbox) == 1
    reminders_scan(now=NOW + 7 * DAY)
    assert len(mail.outbox) == 2
    reminders_scan(now=NOW + 10 * DAY)
    assert len(mail.outbox) == 2
    link = invitation_link(invitation)
    for message in mail.outbox:
        assert message.to == ["new.person@example.org"]
        assert link in message.body
        assert "List-Unsubscribe" not in message.extra_headers
    assert "3 days ago" in mail.outbox[0].body
    assert "7 days ago" in mail.outbox[1].body
    # The expiry is the right instant on the exchange's clock, and says whose clock that is.
    zone = zoneinfo.ZoneInfo(invitation.exchange.time_zone)
    until = invitation.expires_at.astimezone(zone)
    name = zone.key.replace("_", " ")
    stamp = f"{until:%A} {until.day} {until:%B %Y}, {until:%H:%M} {until.tzname()} ({name} time)"
    assert f"It is open until {stamp}." in mail.outbox[0].body


def test_no_follow_up_after_acceptance(invitation):
    """Once the invitation is accepted, the pending follow-ups are skipped."""
    reminders_scan(now=NOW + 3 * DAY)
    assert len(mail.outbox) == 1
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=NOW + 4 * DAY)
    reminders_scan(now=NOW + 7 * DAY)
    assert len(mail.outbox) == 1
    assert followups().get(offset_minutes=7 * 24 * 60).state == Reminder.State.SKIPPED


def test_no_follow_up_for_revoked_or_expiring_invitations(exchange):
    """A revoked invitation gets none; one expiring before day 7 gets only the day-3 follow-up."""
    Invitation.objects.create(
        exchange=exchange,
        email="gone@example.org",
        name="Gone",
        created_at=NOW,
        expires_at=NOW + 14 * DAY,
        revoked_at=NOW + DAY,
    )
    short = Invitation.objects.create(
        exchange=exchange, email="short@example.org", name="Short", created_at=NOW, expires_at=NOW + 5 * DAY
    )
    reminders_scan(now=NOW + 3 * DAY)
    reminders_scan(now=NOW + 7 * DAY)
    assert [m.to for m in mail.outbox] == [["short@example.org"]]
    assert set(followups().values_list("invitation_id", flat=True)) == {short.pk}


# --- Check-ins ------------------------------------------------------------------------


@pytest.fixture
def series(make_meeting, participant):
    """Meeting 1 (with a closed session and a commitment) and meeting 2, 20 days apart."""
    first = make_meeting(number=1, starts_at=NOW - 2 * DAY, ends_at=NOW - 2 * DAY + dt.timedelta(hours=6))
    second = make_meeting(number=2, starts_at=NOW + 18 * DAY, ends_at=NOW + 18 * DAY + dt.timedelta(hours=6))
    session = DialogueSessionFactory(
        meeting=first, state=DialogueSession.State.CLOSED, closed_at=first.starts_at + dt.timedelta(hours=3)
    )
    commitment = Commitment.objects.create(
        member=participant, session=session, text="Walk the east side with two officers every Friday."
    )
    halfway = first.ends_at + (second.starts_at - first.ends_at) / 2
    return first, second, commitment, halfway


def test_checkin_is_sent_halfway_between_meetings(series, participant):
    """The member with a commitment at meeting 1 is asked halfway to meeting 2, once, with a signed link."""
    first, second, commitment, halfway = series
    reminders_scan(now=halfway - dt.timedelta(minutes=1))
    assert not [m for m in mail.outbox if "commitment" in m.subject]
    reminders_scan(now=halfway)
    reminders_scan(now=halfway + DAY)
    [message] = [m for m in mail.outbox if "commitment" in m.subject]
    assert message.to == [participant.user.email]
    assert commitment.text in message.body
    assert "What did you try?" in message.body
    assert "/checkins/answer/" in message.body
    row = Reminder.objects.get(kind=Reminder.Kind.CHECKIN)
    assert (row.due_at, row.meeting_id, row.anchor_at) == (halfway, second.pk, second.starts_at)


def test_no_checkin_when_already_answered(series):
    """A member who checked in on their own (signed in) gets no email."""
    first, second, commitment, halfway = series
    CheckIn.objects.create(commitment=commitment, tried="We walked twice.")
    reminders_scan(now=halfway)
    assert not Reminder.objects.filter(kind=Reminder.Kind.CHECKIN, state=Reminder.State.SENT).exists()


def test_checkin_follows_the_next_meeting_when_it_moves(series):
    """Moving meeting 2 moves the halfway point; the old row is skipped and one check-in is sent."""
    first, second, commitment, halfway = series
    reminders_materialize(now=NOW)
    later = second.starts_at + 10 * DAY
    Meeting.objects.filter(pk=second.pk).update(starts_at=later, ends_at=later + dt.timedelta(hours=6))
    new_halfway = first.ends_at + (later - first.ends_at) / 2
    reminders_scan(now=halfway)
    reminders_scan(now=new_halfway)
    rows = Reminder.objects.filter(kind=Reminder.Kind.CHECKIN)
    assert sorted(rows.values_list("state", flat=True)) == [Reminder.State.SENT, Reminder.State.SKIPPED]
    assert rows.get(state=Reminder.State.SENT).due_at == new_halfway


def test_answer_page_from_the_signed_link(client, series, participant):
    """The link opens the form without signing in and stores one CheckIn, editable until meeting 2."""
    first, second, commitment, halfway = series
    url = reverse("checkin_answer", args=[checkin_token(commitment, until=second.starts_at)])
    response = client.get(url)
    assert response.status_code == 200
    assert commitment.text.encode() in response.content
    data = {
        "tried": "Two Friday walks.",
        "how_working": "People wave now.",
        "learning": "Consistency matters more than numbers.",
        "next_step": "Invite the youth council.",
        "share_in_opening_round": "on",
    }
    assert client.post(url, data).status_code == 302
    client.post(url, dict(data, tried="Three Friday walks."))
    check_in = CheckIn.objects.get(commitment=commitment)
    assert check_in.tried == "Three Friday walks."
    assert check_in.share_in_opening_round is True
    assert CheckIn.objects.count() == 1


def test_tampered_checkin_link_is_refused(client, series):
    """A link with a changed signature or commitment id is refused."""
    from django.core import signing

    first, second, commitment, halfway = series
    forged = signing.dumps({"c": commitment.pk, "u": int(second.starts_at.timestamp())}, salt="wrong")
    token = checkin_token(commitment, until=second.starts_at)
    for bad in (forged, token[:-3] + "xyz"):
        response = client.post(reverse("checkin_answer", args=[bad]), {"tried": "x"})
        assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_expired_checkin_link_is_refused(client, series):
    """A link whose deadline (the next meeting's start) has passed is refused."""
    first, second, commitment, halfway = series
    token = checkin_token(commitment, until=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("checkin_answer", args=[token]))
    assert response.status_code == 403
    assert b"expired" in response.content


def test_checkin_is_read_only_once_the_next_meeting_began(client, series, participant):
    """Signed in after meeting 2 started, the member sees the answer but cannot change it."""
    from reminders.services import CheckInClosed, checkin_save

    first, second, commitment, halfway = series
    CheckIn.objects.create(commitment=commitment, tried="Walked.")
    # Pages read the real clock, so the meeting begins just before it.
    began = timezone.now() - dt.timedelta(minutes=1)
    Meeting.objects.filter(pk=second.pk).update(starts_at=began, ends_at=began + dt.timedelta(hours=2))
    client.force_login(participant.user)
    url = reverse("commitment_checkin", args=[commitment.pk])
    response = client.get(url)
    assert b"can no longer change" in response.content
    client.post(url, {"tried": "Changed later."})
    assert CheckIn.objects.get(commitment=commitment).tried == "Walked."
    with pytest.raises(CheckInClosed):
        checkin_save(
            commitment=commitment, tried="x", how_working="", learning="", next_step="", share_in_opening_round=False
        )


def test_signed_in_answer_page_is_only_for_the_commitment_owner(client, series, facilitator, outsider, make_member):
    """Another member, a facilitator or a member of another exchange gets 404 on someone's check-in."""
    first, second, commitment, halfway = series
    url = reverse("commitment_checkin", args=[commitment.pk])
    for member in (make_member(), facilitator, outsider):
        client.force_login(member.user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_facilitator_sees_checkins_and_openers_per_next_meeting(client, series, facilitator):
    """The check-ins page lists each commitment with its answer, and offers shared ones as openers."""
    first, second, commitment, halfway = series
    CheckIn.objects.create(commitment=commitment, tried="Friday walks.", learning="Show up every week.")
    publish(commitment.session)
    client.force_login(facilitator.user)
    response = client.get(reverse("exchange_checkins", args=[first.exchange_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Openers for meeting 2" in html
    assert "Friday walks." in html
    assert commitment.text in html


def test_checkins_page_refuses_participants_and_outsiders(client, series, participant, outsider, stranger):
    """Participants get 403; members of other exchanges and strangers 404; anonymous visitors sign in."""
    first, *_ = series
    url = reverse("exchange_checkins", args=[first.exchange_id])
    client.force_login(participant.user)
    assert client.get(url).status_code == 403
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


# --- Digests -------------------------------------------------------------------------


def test_digest_after_a_session_closes(make_meeting, participant, make_member, facilitator):
    """Members who were there (in its room, or marked present) get the question,
    their commitment and the exchange link."""
    meeting = make_meeting(starts_at=NOW - dt.timedelta(hours=4), ends_at=NOW + dt.timedelta(hours=2))
    session = DialogueSessionFactory(meeting=meeting, question="What have you tried to rebuild trust?")
    attendee = make_member()
    absent = make_member()
    Attendance.objects.create(member=attendee, meeting=meeting, source=Attendance.Source.MARKED)
    SessionAttendance.objects.create(member=participant, session=session)
    Commitment.objects.create(member=participant, session=session, text="Hold a listening session at the library.")
    reminders_scan(now=NOW)
    assert not Reminder.objects.filter(kind=Reminder.Kind.DIGEST).exists()  # still open

    DialogueSession.objects.filter(pk=session.pk).update(state=DialogueSession.State.CLOSED, closed_at=NOW)
    reminders_scan(now=NOW + dt.timedelta(minutes=1))
    assert mail.outbox == []  # a short pause so last-moment commitments are included
    reminders_scan(now=NOW + dt.timedelta(minutes=5))
    reminders_scan(now=NOW + dt.timedelta(minutes=6))
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {participant.user.email, attendee.user.email}
    assert absent.user.email not in by_person
    mine = by_person[participant.user.email]
    assert "What have you tried to rebuild trust?" in mine.body
    assert "Hold a listening session at the library." in mine.body
    assert "once it is published" in mine.body
    assert reverse("exchange_detail", args=[meeting.exchange_id]) in mine.body
    # The review window: where members may still change or remove their words, and
    # until when (nobody has opened the review yet, so its default length from the close).
    assert reverse("archive_review", args=[session.pk]) in mine.body
    assert "you can review your own words" in mine.body
    closed_at = DialogueSession.objects.get(pk=session.pk).closed_at
    until = (closed_at + dt.timedelta(days=7)).astimezone(zoneinfo.ZoneInfo(participant.time_zone))
    assert f"Until {until:%A} {until.day} {until:%B %Y}, {until:%H:%M}" in mine.body
    assert "did not record a commitment" in by_person[attendee.user.email].body
    assert len(mail.outbox) == 2
