"""Session digests go to the people who were in the session, and say where its archive stands when sent.

A member who joined only the second session of a meeting gets the second
session's digest, not the first's. A digest sent after the archive was
published says it is published and links to it; one sent during the review
invites the review "before the archive is shared". The copy is decided when
the message is sent, not when its row was made.
"""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from archives.models import ArchiveReview
from participants.models import Attendance, Commitment, SessionAttendance
from reminders.models import Reminder, SkipReason
from reminders.outbox import DIGEST_DELAY, reminders_materialize, reminders_scan
from sessions.models import Attribution, Contribution, DialogueSession
from tests.factories import DialogueSessionFactory

from .conftest import NOW, publish

pytestmark = pytest.mark.django_db

SEND = NOW + DIGEST_DELAY


@pytest.fixture
def meeting(make_meeting):
    """A meeting of two sessions, both closed at NOW."""
    return make_meeting(starts_at=NOW - dt.timedelta(hours=6), ends_at=NOW + dt.timedelta(hours=1))


@pytest.fixture
def sessions(meeting):
    morning = DialogueSessionFactory(
        meeting=meeting,
        title="Morning",
        question="What did the morning teach us?",
        planned_start=meeting.starts_at,
        planned_end=meeting.starts_at + dt.timedelta(hours=2),
        state=DialogueSession.State.CLOSED,
        closed_at=NOW,
    )
    afternoon = DialogueSessionFactory(
        meeting=meeting,
        title="Afternoon",
        question="What will we try next?",
        planned_start=meeting.starts_at + dt.timedelta(hours=3),
        planned_end=meeting.starts_at + dt.timedelta(hours=5),
        state=DialogueSession.State.CLOSED,
        closed_at=NOW,
    )
    return morning, afternoon


def _present(member, session):
    """As the live room records someone present: at the session, and so at its meeting."""
    SessionAttendance.objects.create(member=member, session=session)
    Attendance.objects.get_or_create(
        member=member, meeting=session.meeting, defaults={"source": Attendance.Source.LIVE}
    )


def _digests() -> set[tuple[str, str]]:
    """(recipient, session title) of every digest sent."""
    rows = Reminder.objects.filter(kind=Reminder.Kind.DIGEST, state=Reminder.State.SENT)
    return {(r.member.user.email, r.session.title) for r in rows.select_related("member__user", "session")}


def test_a_member_who_joined_only_the_second_session_gets_only_its_digest(sessions, make_member):
    morning, afternoon = sessions
    all_day = make_member()
    late = make_member()
    _present(all_day, morning)
    _present(all_day, afternoon)
    _present(late, afternoon)
    reminders_scan(now=SEND)
    assert _digests() == {
        (all_day.user.email, "Morning"),
        (all_day.user.email, "Afternoon"),
        (late.user.email, "Afternoon"),
    }
    late_mail = [m for m in mail.outbox if m.to == [late.user.email]]
    assert len(late_mail) == 1
    assert "What will we try next?" in late_mail[0].body
    assert "What did the morning teach us?" not in late_mail[0].body


def test_marked_present_by_a_facilitator_counts_for_each_session_of_the_meeting(sessions, make_member, meeting):
    """Without the live room (an in-person meeting), the facilitator's register is the record."""
    marked = make_member()
    Attendance.objects.create(member=marked, meeting=meeting, source=Attendance.Source.MARKED)
    reminders_scan(now=SEND)
    assert _digests() == {(marked.user.email, "Morning"), (marked.user.email, "Afternoon")}


def test_own_words_count_as_being_in_the_session_and_a_commitment_alone_does_not(sessions, make_member, scribe):
    """Words a scribe captured are the member's own trace in that session. A
    commitment alone is not: it can be recorded by anyone in the exchange while
    the window is open, and the archive it would point at does not count it
    either (``sessions.selectors.was_in_session_q``)."""
    morning, afternoon = sessions
    spoke = make_member()
    committed = make_member()
    Contribution.objects.create(
        session=morning,
        author=spoke,
        captured_by=scribe,
        text="We meet at the library now.",
        consent=Attribution.NAMED,
        created_at=NOW - dt.timedelta(hours=5),
    )
    Commitment.objects.create(member=committed, session=afternoon, text="Call the sheriff's office.")
    reminders_scan(now=SEND)
    assert _digests() == {(spoke.user.email, "Morning")}


def test_a_deactivated_account_gets_no_digest(sessions, make_member):
    """An account switched off is sent nothing, even for a session it was in."""
    morning, _ = sessions
    gone = make_member()
    _present(gone, morning)
    gone.user.is_active = False
    gone.user.save(update_fields=["is_active"])
    reminders_scan(now=SEND)
    assert _digests() == set()


def test_nobody_else_gets_a_digest(sessions, make_member, facilitator):
    """Members of the exchange who were not there, and those with emails off, get nothing."""
    morning, _ = sessions
    make_member()
    off = make_member(reminders_enabled=False)
    _present(off, morning)
    reminders_scan(now=SEND)
    assert _digests() == set()
    assert mail.outbox == []


def test_a_digest_made_for_someone_whose_attendance_is_cleared_is_not_sent(sessions, make_member):
    morning, _ = sessions
    wrongly = make_member()
    _present(wrongly, morning)
    reminders_materialize(now=NOW)
    row = Reminder.objects.get(kind=Reminder.Kind.DIGEST, member=wrongly)
    SessionAttendance.objects.filter(member=wrongly).delete()
    Attendance.objects.filter(member=wrongly).delete()
    reminders_scan(now=SEND)
    row.refresh_from_db()
    assert (row.state, row.skip_reason) == (Reminder.State.SKIPPED, SkipReason.NOT_IN_SESSION)
    assert mail.outbox == []


# --- What the digest says about the archive ----------------------------------------------


@pytest.fixture
def attendee(sessions, make_member):
    member = make_member()
    _present(member, sessions[0])
    return member


def _only_mail():
    [message] = mail.outbox
    return message.body, message.alternatives[0][0]


def test_during_the_review_the_digest_invites_it(sessions, attendee):
    morning, _ = sessions
    reminders_scan(now=SEND)
    text, html = _only_mail()
    assert "before the archive is shared" in text
    assert reverse("archive_review", args=[morning.pk]) in text
    assert "once it is published" in text
    assert "its archive is published" not in text
    assert "before the archive is shared" in html


def test_after_publication_the_digest_says_so_and_links_to_the_archive(sessions, attendee):
    """Published between the row's making and its sending: the copy follows the archive at sending."""
    morning, _ = sessions
    reminders_materialize(now=NOW)
    assert Reminder.objects.filter(kind=Reminder.Kind.DIGEST, member=attendee).exists()
    publish(morning)
    reminders_scan(now=SEND)
    text, html = _only_mail()
    transcript = reverse("archive_transcript", args=[morning.pk])
    assert "its archive is published" in text
    assert transcript in text and transcript in html
    for stale in ("before the archive is shared", "once it is published", "you can review your own words"):
        assert stale not in text, stale
        assert stale not in html, stale


def test_after_the_review_ended_unpublished_the_digest_says_both(sessions, attendee):
    """Sent a week late (workers away) with the review over but nothing published yet."""
    morning, _ = sessions
    ArchiveReview.objects.create(session=morning, opens_at=NOW, closes_at=NOW + dt.timedelta(minutes=2))
    reminders_scan(now=SEND)
    text, _ = _only_mail()
    assert "The review of your words from this session ended on" in text
    assert "before the archive is shared" not in text
    assert "once it is published" in text
