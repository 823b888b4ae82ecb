"""A reminder whose time has already passed is refused when set, shown as "will not be sent", and never sent.

"27 days before" a meeting 10 days away would have gone out 17 days ago.
Saving it is refused with the reason and the longest offset still ahead;
a reminder of the default schedule (14 days before) for a meeting scheduled
10 days ahead is listed as "Will not be sent", and the outbox never sends
either of them later.
"""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reminders import services
from reminders.models import Reminder, ReminderOffset, ReminderPlan
from reminders.outbox import reminders_scan
from tests.exchanges_tests.helpers import page_text

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def soon(make_meeting):
    """A meeting ten days from the real clock (the pages read it), 09:00 in New York."""
    start = (timezone.now() + 10 * DAY).replace(second=0, microsecond=0)
    return make_meeting(starts_at=start, ends_at=start + dt.timedelta(hours=6), time_zone="America/New_York")


def test_the_service_refuses_an_offset_already_past_and_changes_nothing(soon, facilitator):
    now = soon.starts_at - 10 * DAY
    with pytest.raises(ValidationError) as exc:
        services.reminder_offset_add(actor=facilitator, meeting=soon, minutes_before=27 * 24 * 60, now=now)
    [message] = exc.value.message_dict["minutes_before"]
    due = (soon.starts_at - 27 * DAY).astimezone(zoneinfo.ZoneInfo("America/New_York"))  # the meeting's zone
    assert f"A reminder 27 days before would have gone out on {due:%a} {due.day} {due:%b %Y, %H:%M %Z}" in message
    assert "which has already passed, so it would never be sent" in message
    assert "Choose at most 9 days before the meeting." in message
    assert not ReminderPlan.objects.exists()
    assert not ReminderOffset.objects.exists()


def test_the_longest_offset_offered_is_still_ahead(soon, facilitator):
    """Six and a half hours before the meeting, at most 6 hours; ten days ahead, 9 days works."""
    now = soon.starts_at - dt.timedelta(hours=6, minutes=30)
    with pytest.raises(ValidationError, match="Choose at most 6 hours"):
        services.reminder_offset_add(actor=facilitator, meeting=soon, minutes_before=7 * 60, now=now)
    offset = services.reminder_offset_add(actor=facilitator, meeting=soon, minutes_before=6 * 60, now=now)
    assert offset.minutes_before == 360


def test_no_reminder_can_be_added_once_the_meeting_started(soon, facilitator):
    with pytest.raises(ValidationError, match="already started"):
        services.reminder_offset_add(actor=facilitator, meeting=soon, minutes_before=60, now=soon.starts_at)
    assert not ReminderOffset.objects.exists()


def test_the_page_refuses_a_past_offset_beside_the_amount(client, soon, facilitator):
    client.force_login(facilitator.user)
    url = reverse("meeting_reminders", args=[soon.pk])
    response = client.post(url, {"action": "add", "amount": "27", "unit": "days", "custom_text": "Bring the map."})
    assert response.status_code == 200
    errors = response.context["form"].errors["amount"]
    assert "which has already passed, so it would never be sent" in " ".join(errors)
    assert "Choose at most 9 days" in " ".join(errors)
    assert not ReminderPlan.objects.exists()
    assert not ReminderOffset.objects.exists()
    # A time still ahead is saved as before.
    response = client.post(url, {"action": "add", "amount": "9", "unit": "days"})
    assert response.status_code == 302
    assert ReminderOffset.objects.filter(meeting=soon, minutes_before=9 * 24 * 60).exists()


def test_a_default_reminder_already_past_is_listed_as_will_not_be_sent(client, soon, facilitator):
    """The default 14 days before a meeting 10 days away: listed, marked, and never sent."""
    client.force_login(facilitator.user)
    url = reverse("meeting_reminders", args=[soon.pk])
    offsets = {o["minutes"]: o for o in client.get(url).context["offsets"]}
    assert offsets[14 * 24 * 60]["will_not_be_sent"]
    assert not offsets[2 * 24 * 60]["will_not_be_sent"]
    text = page_text(client.get(url))
    assert text.count("Will not be sent: this time had already passed") == 1
    assert "Waiting" in text


def test_the_outbox_never_sends_a_past_offset_later(soon, facilitator, participant):
    """Even stored directly (set before the rule, or by an admin), a reminder due 17 days ago never goes out."""
    ReminderPlan.objects.create(meeting=soon, customised_at=soon.starts_at - 10 * DAY)
    ReminderOffset.objects.create(meeting=soon, minutes_before=27 * 24 * 60)
    ReminderOffset.objects.create(meeting=soon, minutes_before=24 * 60)
    for hours in range(0, 10 * 24, 6):
        reminders_scan(now=soon.starts_at - 10 * DAY + dt.timedelta(hours=hours))
    rows = Reminder.objects.filter(kind=Reminder.Kind.MEETING_REMINDER)
    assert set(rows.values_list("offset_minutes", flat=True)) == {24 * 60}
    assert {tuple(m.to) for m in mail.outbox} == {(facilitator.user.email,), (participant.user.email,)}


def test_a_past_reminder_that_went_out_says_so(client, soon, facilitator, participant):
    """Set in time and sent, a reminder whose time has passed is listed as sent, not as never to be sent."""
    ReminderPlan.objects.create(meeting=soon, customised_at=soon.starts_at - 20 * DAY)
    ReminderOffset.objects.create(meeting=soon, minutes_before=12 * 24 * 60)
    reminders_scan(now=soon.starts_at - 13 * DAY)  # made in time
    reminders_scan(now=soon.starts_at - 12 * DAY)  # and sent
    client.force_login(facilitator.user)
    [offset] = client.get(reverse("meeting_reminders", args=[soon.pk])).context["offsets"]
    assert (offset["passed"], offset["sent"], offset["will_not_be_sent"]) == (True, 2, False)
    text = page_text(client.get(reverse("meeting_reminders", args=[soon.pk])))
    assert "Sent to 2 members" in text
    assert "Will not be sent" not in text
