"""The facilitator pages: outbox and meeting reminder offsets, from both sides of permission."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from exchanges.models import Meeting
from participants.models import Invitation
from reminders.models import Reminder, ReminderOffset, ReminderPlan
from reminders.outbox import reminders_materialize, reminders_scan

from . import flaky_backend
from .conftest import NOW, publish

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def busy_exchange(exchange, make_member, make_meeting, facilitator, settings):
    """An exchange with several members, meetings, an open invitation, sent, pending and failing rows."""
    members = [make_member() for _ in range(4)]
    meetings = [
        make_meeting(number=n, starts_at=NOW + (20 + 10 * n) * DAY, mode=Meeting.Mode.ONLINE) for n in (1, 2, 3)
    ]
    Invitation.objects.create(
        exchange=exchange, email="slow@example.org", name="Slow Answerer", created_at=NOW, expires_at=NOW + 14 * DAY
    )
    reminders_scan(now=NOW)
    reminders_scan(now=NOW + 3 * DAY)  # the follow-up
    settings.EMAIL_BACKEND = "tests.reminders_tests.flaky_backend.FlakyBackend"
    flaky_backend.state.update(failures_left=1000, calls=0)
    reminders_scan(now=meetings[0].starts_at - 14 * DAY)  # these fail and wait to retry
    return members, meetings


def test_outbox_shows_upcoming_sent_failures_and_unanswered(client, busy_exchange, facilitator, exchange):
    """Facilitators see what is due, what went out, what the mail server refused, and who has not answered."""
    client.force_login(facilitator.user)
    response = client.get(reverse("exchange_outbox", args=[exchange.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Slow Answerer" in html  # invitation not answered
    assert "Invitation follow-up" in html
    assert "Delivery problems" in html
    assert "SMTPException" in html
    assert "Meeting reminder: meeting 3, 14 days before" in html
    assert "<caption" in html and 'scope="col"' in html


def test_outbox_query_count_does_not_grow_with_the_exchange(
    client, busy_exchange, facilitator, exchange, make_member, make_meeting, django_assert_max_num_queries
):
    """The outbox runs a fixed number of queries however many people and rows there are."""
    client.force_login(facilitator.user)
    url = reverse("exchange_outbox", args=[exchange.pk])
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    for _ in range(6):
        make_member()
    make_meeting(number=9, starts_at=NOW + 90 * DAY)
    reminders_materialize(now=NOW)
    assert Reminder.objects.count() > 60
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("name", ["exchange_outbox", "exchange_checkins"])
def test_exchange_pages_refuse_everyone_but_facilitators(
    client, exchange, participant, scribe, outsider, stranger, name
):
    """Participants and scribes: 403. Members of other exchanges and strangers: 404. Anonymous: sign in."""
    url = reverse(name, args=[exchange.pk])
    for member in (participant, scribe):
        client.force_login(member.user)
        assert client.get(url).status_code == 403
    for user in (outsider.user, stranger):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_convener_sees_the_outbox(client, exchange, convener):
    client.force_login(convener.user)
    assert client.get(reverse("exchange_outbox", args=[exchange.pk])).status_code == 200


def test_meeting_reminders_page_shows_defaults_and_edits(client, make_meeting, facilitator, participant):
    """The page lists the default offsets; adding one makes the meeting's own plan; removing and resetting work."""
    meeting = make_meeting(mode=Meeting.Mode.HYBRID, link="https://video.example.org/x")
    url = reverse("meeting_reminders", args=[meeting.pk])
    client.force_login(facilitator.user)
    html = client.get(url).content.decode()
    assert "follows the default schedule" in html
    assert "14 days" in html and "2 days" in html and "2 hours" in html

    response = client.post(url, {"action": "add", "amount": "5", "unit": "days", "custom_text": "Read the brief."})
    assert response.status_code == 302
    assert ReminderPlan.objects.filter(meeting=meeting).exists()
    assert sorted(ReminderOffset.objects.filter(meeting=meeting).values_list("minutes_before", flat=True)) == [
        120,
        2880,
        7200,
        20160,
    ]
    client.post(url, {"action": "remove", "minutes_before": "120"})
    assert not ReminderOffset.objects.filter(meeting=meeting, minutes_before=120).exists()
    html = client.get(url).content.decode()
    assert "Read the brief." in html and "own reminder schedule" in html

    reminders_scan(now=meeting.starts_at - 5 * DAY)
    assert any("Read the brief." in m.body for m in mail.outbox)

    client.post(url, {"action": "reset"})
    assert not ReminderPlan.objects.filter(meeting=meeting).exists()
    assert not ReminderOffset.objects.filter(meeting=meeting).exists()


def test_meeting_reminders_form_rejects_bad_input(client, make_meeting, facilitator):
    meeting = make_meeting()
    client.force_login(facilitator.user)
    url = reverse("meeting_reminders", args=[meeting.pk])
    response = client.post(url, {"action": "add", "amount": "0", "unit": "days"})
    assert response.status_code == 200
    assert not ReminderOffset.objects.exists()
    assert client.post(url, {"action": "remove", "minutes_before": "abc"}).status_code == 400
    assert client.post(url, {"action": "explode"}).status_code == 400


def test_meeting_reminders_page_refuses_everyone_but_facilitators(
    client, make_meeting, participant, scribe, outsider, stranger
):
    """Participants and scribes get 403 and change nothing; other exchanges' members get 404."""
    meeting = make_meeting()
    url = reverse("meeting_reminders", args=[meeting.pk])
    for member in (participant, scribe):
        client.force_login(member.user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "add", "amount": "1", "unit": "days"}).status_code == 403
    for user in (outsider.user, stranger):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "reset"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    assert not ReminderOffset.objects.exists()
    assert client.get(reverse("meeting_reminders", args=[999999])).status_code == 302


def test_meeting_reminders_page_query_count(client, make_meeting, facilitator, django_assert_max_num_queries):
    meeting = make_meeting()
    client.force_login(facilitator.user)
    with django_assert_max_num_queries(10):
        client.get(reverse("meeting_reminders", args=[meeting.pk]))


def test_checkins_page_query_count_is_fixed(
    client, exchange, make_meeting, make_member, facilitator, django_assert_max_num_queries
):
    """The check-ins page costs the same number of queries for 2 or 20 commitments."""
    from participants.models import CheckIn, Commitment
    from tests.factories import DialogueSessionFactory

    first = make_meeting(number=1, starts_at=NOW, ends_at=NOW + dt.timedelta(hours=5))
    make_meeting(number=2, starts_at=NOW + 30 * DAY)
    session = DialogueSessionFactory(meeting=first)
    publish(session)

    def add(n):
        for _ in range(n):
            c = Commitment.objects.create(member=make_member(), session=session, text="Try a thing.")
            CheckIn.objects.create(commitment=c, tried="Tried it.")

    add(2)
    client.force_login(facilitator.user)
    url = reverse("exchange_checkins", args=[exchange.pk])
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    add(18)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).content.decode().count("Tried it.") == 40  # in the openers and the table
