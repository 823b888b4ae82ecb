"""Consent holds between meetings too: the check-ins page names people only
as far as their session's attribution allows, the digest states the review
window the archive really holds, and no email carries anyone's words or name
but the recipient's own.

Each test looks from the side of someone who must not be named or must not
read: the speaker of a not-for-attribution session, the member whose
commitment sits beside the recipient's, the member in another time zone.
"""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from archives.models import ArchiveReview
from archives.services import archive_review_open, archive_review_set_window
from participants.models import CheckIn, Commitment, Invitation, SessionAttendance, StakeholderRole
from reminders.emails import digest_email
from reminders.models import Reminder
from reminders.outbox import reminders_scan
from sessions.models import Attribution, Contribution, DialogueSession
from tests.factories import DialogueSessionFactory, TeamFactory

from .conftest import NOW, publish

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


# --- The check-ins page ------------------------------------------------------------------


@pytest.fixture
def consents(exchange, make_meeting, make_member):
    """Meeting 1 ran one session under each attribution default; each has one
    commitment with a check-in offered as an opener. Meeting 2 is next."""
    first = make_meeting(number=1, starts_at=NOW - 2 * DAY, ends_at=NOW - 2 * DAY + dt.timedelta(hours=6))
    make_meeting(number=2, starts_at=NOW + 18 * DAY)
    hidden_team = TeamFactory(exchange=exchange, community_name="Pinecrest", state_region="WV")
    # Community leader is a common role here (five people hold it); faith leader is not.
    for _ in range(5):
        make_member(stakeholder_role=StakeholderRole.COMMUNITY_LEADER)
    people = {
        Attribution.NAMED: make_member(
            display_name="Nadia Named",
            stakeholder_role=StakeholderRole.LAW_ENFORCEMENT,
            team=TeamFactory(exchange=exchange, community_name="Openfield", state_region="OH"),
        ),
        "nfa_rare": make_member(
            display_name="Priya Pastor", stakeholder_role=StakeholderRole.FAITH_LEADER, team=hidden_team
        ),
        "nfa_common": make_member(
            display_name="Colm Common", stakeholder_role=StakeholderRole.COMMUNITY_LEADER, team=hidden_team
        ),
        Attribution.ANONYMOUS: make_member(display_name="Ana Anon", team=hidden_team),
        Attribution.OFF_RECORD: make_member(display_name="Otto Off", team=hidden_team),
    }
    consent_of = {"nfa_rare": Attribution.NOT_FOR_ATTRIBUTION, "nfa_common": Attribution.NOT_FOR_ATTRIBUTION}
    sessions = {}
    for key, member in people.items():
        consent = consent_of.get(key, key)
        if consent not in sessions:
            sessions[consent] = DialogueSessionFactory(
                meeting=first,
                title=f"{consent} session",
                attribution_default=consent,
                state=DialogueSession.State.CLOSED,
                closed_at=first.starts_at + dt.timedelta(hours=3),
            )
            publish(sessions[consent])
        commitment = Commitment.objects.create(member=member, session=sessions[consent], text=f"Commit {key}.")
        CheckIn.objects.create(commitment=commitment, tried=f"Tried {key}.", learning=f"Learned {key}.")
    return first, people


def _checkins_page(client, facilitator, exchange) -> str:
    client.force_login(facilitator.user)
    response = client.get(reverse("exchange_checkins", args=[exchange.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_checkins_name_only_people_whose_session_was_on_the_record(client, consents, facilitator, exchange):
    """Not-for-attribution and anonymous sessions name nobody and no team on the
    check-ins page, in the table or among the openers; on the record, the name,
    role and team are shown."""
    _first, people = consents
    html = _checkins_page(client, facilitator, exchange)
    assert html.count("Nadia Named, Law enforcement, Openfield, OH") == 2  # opener and table row
    for key in ("nfa_rare", "nfa_common", Attribution.ANONYMOUS, Attribution.OFF_RECORD):
        assert people[key].display_name not in html
    assert "Pinecrest" not in html
    # Their words are there, attributed as the policy says.
    assert "Tried nfa_rare." in html and "Tried nfa_common." in html and "Tried anonymous." in html
    assert html.count('<strong dir="auto">A participant</strong>') == 1  # a faith leader is the only one here
    assert html.count('<strong dir="auto">Community leader</strong>') == 1  # five share it
    assert html.count('<strong dir="auto">Anonymous</strong>') == 1
    assert "Faith leader" not in html


def test_checkins_wait_for_their_session_to_be_published(client, consents, facilitator, exchange):
    """Like the words, a commitment reaches nobody but its maker until its
    session's archive is published: not even the facilitators."""
    ArchiveReview.objects.update(published_at=None)
    html = _checkins_page(client, facilitator, exchange)
    assert "Commit named." not in html and "Nadia Named" not in html and "Tried named." not in html
    assert "shown here once its archive is published" in html


def test_checkins_from_an_off_the_record_session_are_counted_not_shown(client, consents, facilitator, exchange):
    """Off the record: neither the commitment nor its answer appears, only a count."""
    html = _checkins_page(client, facilitator, exchange)
    for text in ("Commit off_record.", "Tried off_record.", "Learned off_record."):
        assert text not in html
    assert "1 commitment from an off-the-record session is not shown, with 1 answer." in html
    assert "5 of 5 checked in" in html


def test_checkins_selector_attributes_through_the_visibility_policy(consents, facilitator, exchange):
    """The selector hands the page who said it already decided (``Attributed``), never a Member to print."""
    from reminders.selectors import checkin_list_for_user

    _exchange, [group] = checkin_list_for_user(exchange_id=exchange.pk, user=facilitator.user)
    lines = {c.text: c.attributed.line for c in group.commitments}
    assert lines == {
        "Commit named.": "Nadia Named, Law enforcement, Openfield, OH",
        "Commit nfa_rare.": "A participant",
        "Commit nfa_common.": "Community leader",
        "Commit anonymous.": "Anonymous",
    }
    assert (group.hidden, group.hidden_answered, group.total, group.answered) == (1, 1, 5, 5)


def test_checkins_page_query_count_is_fixed_across_consents(
    client, consents, facilitator, exchange, make_member, django_assert_max_num_queries
):
    """More commitments in hidden and named sessions cost no more queries."""
    first, _people = consents
    client.force_login(facilitator.user)
    url = reverse("exchange_checkins", args=[exchange.pk])
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for session in DialogueSession.objects.filter(meeting=first):
        for _ in range(4):
            c = Commitment.objects.create(member=make_member(), session=session, text="More.")
            CheckIn.objects.create(commitment=c, tried="More tried.")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# --- The digest's review window ------------------------------------------------------------

CLOSED_AT = NOW - dt.timedelta(hours=9)  # 03:00 UTC on 1 February 2027


@pytest.fixture
def closed(make_meeting, make_member):
    """A session closed at ``CLOSED_AT``; a member in Los Angeles was in its room and made a commitment there."""
    meeting = make_meeting(starts_at=CLOSED_AT - dt.timedelta(hours=3), ends_at=CLOSED_AT + dt.timedelta(hours=1))
    session = DialogueSessionFactory(meeting=meeting, state=DialogueSession.State.CLOSED, closed_at=CLOSED_AT)
    member = make_member(time_zone="America/Los_Angeles", display_name="Lena Coast")
    SessionAttendance.objects.create(member=member, session=session)
    Commitment.objects.create(member=member, session=session, text="Ride along on a Tuesday night.")
    return session, member


def _digest_row(session, member) -> Reminder:
    """The row as the scan loads it: the session fresh from the database."""
    session = DialogueSession.objects.select_related("meeting").get(pk=session.pk)
    return Reminder(
        exchange_id=session.meeting.exchange_id,
        kind=Reminder.Kind.DIGEST,
        member=member,
        session=session,
        meeting=session.meeting,
        anchor_at=session.closed_at,
        due_at=session.closed_at + dt.timedelta(minutes=5),
    )


def test_digest_states_the_window_the_facilitator_set_in_the_recipients_zone(closed, facilitator):
    """A facilitator shortened the review to 3 days: the digest says when that
    ends on the recipient's clock (19:00 PST the evening before, in UTC terms
    03:00 on 4 February), not close + 7 days."""
    session, member = closed
    archive_review_open(session=session)
    archive_review_set_window(session_id=session.pk, member=facilitator, days=3)
    reminders_scan(now=CLOSED_AT + dt.timedelta(minutes=5))
    [message] = [m for m in mail.outbox if m.to == [member.user.email]]
    assert "Until Wednesday 3 February 2027, 19:00 PST you can review your own words" in message.body
    html = message.alternatives[0][0]
    assert "Until Wednesday 3 February 2027, 19:00 PST" in html
    assert "7 February" not in message.body and "8 February" not in message.body


def test_digest_follows_a_lengthened_window(closed, facilitator):
    session, member = closed
    archive_review_open(session=session)
    archive_review_set_window(session_id=session.pk, member=facilitator, days=14)
    body = digest_email(_digest_row(session, member), now=CLOSED_AT + dt.timedelta(minutes=5)).body
    assert "Until Sunday 14 February 2027, 19:00 PST" in body


def test_digest_before_anyone_opened_the_review_states_the_default_window(closed, settings):
    """Nobody can have changed the window without opening the review: it still
    runs its default length from the close, stated in the recipient's zone."""
    settings.ARCHIVE_REVIEW_DAYS = 7
    session, member = closed
    body = digest_email(_digest_row(session, member), now=CLOSED_AT + dt.timedelta(minutes=5)).body
    assert "Until Sunday 7 February 2027, 19:00 PST" in body
    assert reverse("archive_review", args=[session.pk]) in body


def test_digest_after_the_window_or_publication_invites_no_review(closed, facilitator):
    session, member = closed
    archive_review_open(session=session)
    archive_review_set_window(session_id=session.pk, member=facilitator, days=1)
    late = digest_email(_digest_row(session, member), now=CLOSED_AT + 2 * DAY).body
    assert "ended on Monday 1 February 2027, 19:00 PST" in late and "you can review" not in late
    ArchiveReview.objects.filter(session=session).update(published_at=CLOSED_AT + DAY)
    published = digest_email(_digest_row(session, member), now=CLOSED_AT + 2 * DAY).body
    assert "its archive is published" in published and "you can review" not in published


# --- No email carries anyone else's words or name ---------------------------------------------


def test_emails_carry_only_the_recipients_own_words(exchange, make_meeting, make_member, facilitator):
    """Over a whole cycle (digest after meeting 1, check-in halfway, reminders
    before meeting 2, an invitation follow-up) each person reads their own
    commitment and nobody else's words, name or team."""
    first = make_meeting(number=1, starts_at=NOW - 5 * dt.timedelta(hours=1), ends_at=NOW + dt.timedelta(hours=1))
    second = make_meeting(number=2, starts_at=NOW + 20 * DAY)
    session = DialogueSessionFactory(meeting=first, attribution_default=Attribution.NAMED)
    hidden_team = TeamFactory(exchange=exchange, community_name="Pinecrest", state_region="WV")
    me = make_member(display_name="Mira Mine")
    other = make_member(display_name="Bartholomew Ostrander", team=hidden_team)
    for person in (me, other):
        SessionAttendance.objects.create(member=person, session=session)
    Commitment.objects.create(member=me, session=session, text="Mira will host a coffee.")
    Commitment.objects.create(member=other, session=session, text="Bart will call the chief.")
    Contribution.objects.create(
        session=session, author=other, text="Bart's story about the night.", consent="named", created_at=NOW
    )
    Invitation.objects.create(
        exchange=exchange,
        email="new@example.org",
        name="Newcomer",
        invited_by=facilitator.user,
        created_at=NOW,
        expires_at=NOW + 14 * DAY,
    )
    DialogueSession.objects.filter(pk=session.pk).update(state=DialogueSession.State.CLOSED, closed_at=NOW)
    halfway = first.ends_at + (second.starts_at - first.ends_at) / 2
    for when in (NOW + dt.timedelta(minutes=5), NOW + 3 * DAY, halfway, second.starts_at - 2 * DAY):
        reminders_scan(now=when)
    mine = [m for m in mail.outbox if m.to == [me.user.email]]
    kinds = {m.subject.split(":")[0].split(" (")[0] for m in mine}
    assert len(mine) >= 4, kinds  # digest, check-in, two meeting reminders
    assert any("Mira will host a coffee." in m.body for m in mine if "commitment" in m.subject)
    strangers = [m for m in mail.outbox if m.to == ["new@example.org"]]
    assert strangers
    for message in mine + strangers:
        text = message.body + "".join(body for body, _ in message.alternatives)
        for theirs in (
            "Bart will call the chief.",
            "Bart's story",
            "Bartholomew",
            "Pinecrest",
            facilitator.display_name,
        ):
            assert theirs not in text, (message.subject, theirs)
