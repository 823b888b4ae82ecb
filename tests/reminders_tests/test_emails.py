"""What a reminder email says: local times across DST, the calendar file, the unsubscribe link."""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse

from exchanges.models import Meeting
from participants.models import Member
from reminders.models import Reminder
from reminders.outbox import reminders_materialize, reminders_scan
from reminders.tokens import member_from_unsubscribe_token, unsubscribe_token

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# The United States move their clocks on 14 March 2027, Britain on 28 March:
# for two weeks New York is 4 hours behind London instead of 5.
DST_MEETING_START = dt.datetime(2027, 3, 18, 9, 0, tzinfo=NEW_YORK).astimezone(dt.UTC)


def unfolded_ics_lines(payload: str) -> list[str]:
    """An independent reading of the .ics: RFC 5545 unfolding, then plain lines."""
    return payload.replace("\r\n ", "").replace("\r\n\t", "").splitlines()


def ics_attachment(message):
    for part in message.attachments:
        if hasattr(part, "get_content_type") and part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True).decode("utf-8")
    raise AssertionError("no text/calendar attachment")


@pytest.fixture
def dst_meeting(make_meeting):
    return make_meeting(
        starts_at=DST_MEETING_START,
        ends_at=DST_MEETING_START + dt.timedelta(hours=4),
        time_zone="America/New_York",
        mode=Meeting.Mode.HYBRID,
        link="https://video.example.org/room",
    )


def test_reminder_shows_each_recipient_their_own_local_time_across_dst(dst_meeting, make_member, now):
    """A 9:00 New York meeting the week after the US clock change reads 13:00 GMT in London, 06:00 PDT in LA."""
    london = make_member(time_zone="Europe/London")
    los_angeles = make_member(time_zone="America/Los_Angeles")
    new_york = make_member(time_zone="America/New_York")
    reminders_materialize(now=now)
    reminders_scan(now=DST_MEETING_START - dt.timedelta(days=2))
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {london.user.email, los_angeles.user.email, new_york.user.email}

    london_mail = by_person[london.user.email]
    assert "Thursday 18 March 2027, 13:00 – 17:00 GMT" in london_mail.body
    assert "Europe/London".replace("_", " ") in london_mail.body
    assert "13:00 GMT" in london_mail.subject
    la_mail = by_person[los_angeles.user.email]
    assert "Thursday 18 March 2027, 06:00 – 10:00 PDT" in la_mail.body
    ny_mail = by_person[new_york.user.email]
    assert "Thursday 18 March 2027, 09:00 – 13:00 EDT" in ny_mail.body
    for message in by_person.values():
        # Everyone also sees the time where the meeting is held.
        assert "Local time where it is held: Thursday 18 March 2027, 09:00 EDT" in message.body
        assert "2 days" in message.body
        assert "https://video.example.org/room" in message.body


def test_the_14_day_reminder_before_the_clock_change_shows_the_time_after_it(dst_meeting, make_member, now):
    """Sent on 4 March (New York still on EST), the reminder already gives the EDT meeting time."""
    london = make_member(time_zone="Europe/London")
    reminders_scan(now=DST_MEETING_START - dt.timedelta(days=14))
    [message] = [m for m in mail.outbox if m.to == [london.user.email]]
    assert "13:00 – 17:00 GMT" in message.body
    assert "09:00 EDT" in message.body


def test_the_calendar_attachment_uses_the_meeting_zone_and_the_feed_uid(dst_meeting, participant, now):
    """The .ics has DTSTART;TZID=America/New_York:20270318T090000, a VTIMEZONE, and UID meeting-<pk>@common-ground."""
    reminders_scan(now=DST_MEETING_START - dt.timedelta(days=2))
    [message] = mail.outbox
    lines = unfolded_ics_lines(ics_attachment(message))
    assert "DTSTART;TZID=America/New_York:20270318T090000" in lines
    assert "DTEND;TZID=America/New_York:20270318T130000" in lines
    assert f"UID:meeting-{dst_meeting.pk}@common-ground" in lines
    assert "BEGIN:VTIMEZONE" in lines
    assert "TZID:America/New_York" in lines
    assert "METHOD:PUBLISH" in lines
    # The message itself parses as MIME with the calendar as an attachment.
    raw = message.message()
    parts = [p for p in raw.walk() if p.get_content_type() == "text/calendar"]
    assert parts and parts[0].get_filename() == f"meeting-{dst_meeting.pk}.ics"


def test_reminders_carry_one_click_unsubscribe_headers(make_meeting, participant, now):
    """List-Unsubscribe names the signed link; List-Unsubscribe-Post marks it one-click (RFC 8058)."""
    meeting = make_meeting()
    reminders_scan(now=meeting.starts_at - dt.timedelta(days=14))
    [message] = mail.outbox
    headers = message.message()
    url = headers["List-Unsubscribe"].strip("<>")
    # The signed token carries a timestamp, so read it back rather than re-signing.
    prefix = "http://127.0.0.1:8000" + reverse("reminders_unsubscribe", args=["TOKEN"]).replace("TOKEN/", "")
    assert url.startswith(prefix)
    assert member_from_unsubscribe_token(url[len(prefix) :].rstrip("/")) == participant
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body


def test_one_click_unsubscribe_post_works_without_a_session_or_csrf(client, make_meeting, participant, now):
    """A mail client's POST to the link (no cookie, no CSRF token) unsubscribes; the next scan skips them."""
    from django.test import Client

    meeting = make_meeting()
    reminders_materialize(now=now)
    csrf_client = Client(enforce_csrf_checks=True)
    url = reverse("reminders_unsubscribe", args=[unsubscribe_token(participant)])
    response = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Member.objects.get(pk=participant.pk).reminders_enabled is False
    reminders_scan(now=meeting.starts_at - dt.timedelta(days=14))
    assert mail.outbox == []


def test_unsubscribe_get_only_shows_a_confirm_button(client, participant):
    """Opening the link (a link scanner, a preview) changes nothing; it offers a button."""
    url = reverse("reminders_unsubscribe", args=[unsubscribe_token(participant)])
    response = client.get(url)
    assert response.status_code == 200
    assert b"Stop these emails" in response.content
    assert b'method="post"' in response.content
    assert Member.objects.get(pk=participant.pk).reminders_enabled is True


def test_resubscribe_from_the_same_page(client, participant, make_meeting, now):
    """After unsubscribing the page offers to resubscribe, and reminders come again."""
    meeting = make_meeting()
    url = reverse("reminders_unsubscribe", args=[unsubscribe_token(participant)])
    client.post(url, {"action": "unsubscribe"})
    response = client.get(url)
    assert b"Send them to me again" in response.content
    client.post(url, {"action": "resubscribe"})
    assert Member.objects.get(pk=participant.pk).reminders_enabled is True
    reminders_scan(now=meeting.starts_at - dt.timedelta(days=14))
    assert [m.to for m in mail.outbox] == [[participant.user.email]]


def test_resubscribing_before_a_due_reminder_revives_it(participant, make_meeting, now):
    """A reminder skipped for an unsubscribed member comes back if they return while it is still due."""
    from reminders.services import member_reminders_set

    meeting = make_meeting()
    reminders_materialize(now=now)
    member_reminders_set(member=participant, enabled=False)
    reminders_materialize(now=now)
    assert set(Reminder.objects.values_list("state", flat=True)) == {Reminder.State.SKIPPED}
    member_reminders_set(member=participant, enabled=True)
    reminders_scan(now=meeting.starts_at - dt.timedelta(days=14))
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("tamper", ["flip", "truncate", "other_salt"])
def test_tampered_unsubscribe_link_is_refused(client, participant, tamper):
    """A link this site did not sign is refused and changes nothing."""
    from django.core import signing

    token = unsubscribe_token(participant)
    if tamper == "flip":
        token = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    elif tamper == "truncate":
        token = token[:-6]
    else:
        token = signing.dumps({"m": participant.pk}, salt="something.else")
    url = reverse("reminders_unsubscribe", args=[token])
    assert client.post(url, {"action": "unsubscribe"}).status_code == 400
    assert Member.objects.get(pk=participant.pk).reminders_enabled is True


def test_unsubscribe_link_of_one_member_does_not_touch_another_exchange(client, participant, outsider):
    """The link is per member, that is per person and exchange."""
    other_membership = Member.objects.create(
        exchange=outsider.exchange, user=participant.user, display_name="Same person", time_zone="UTC"
    )
    client.post(reverse("reminders_unsubscribe", args=[unsubscribe_token(participant)]), {"action": "unsubscribe"})
    assert Member.objects.get(pk=other_membership.pk).reminders_enabled is True
