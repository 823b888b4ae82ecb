"""The scan: which rows exist, when they are due, and that each is sent once."""

import datetime as dt
import re

import pytest
from django.core import mail

from exchanges.models import Meeting
from reminders.models import Reminder, SkipReason
from reminders.outbox import MAX_ATTEMPTS, reminders_claim, reminders_materialize, reminders_scan
from reminders.services import reminder_offset_add, reminder_offset_remove, reminder_plan_reset
from tests.factories import DialogueSessionFactory

from . import flaky_backend
from .conftest import NOW

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def meeting_rows(meeting, **filters):
    return Reminder.objects.filter(kind=Reminder.Kind.MEETING_REMINDER, meeting=meeting, **filters)


def test_default_offsets_in_person_are_14_and_2_days(make_meeting, participant, facilitator):
    """An in-person meeting gets two reminders per member: 14 days and 2 days before."""
    meeting = make_meeting(mode=Meeting.Mode.IN_PERSON)
    reminders_materialize(now=NOW)
    rows = meeting_rows(meeting)
    assert sorted(set(rows.values_list("offset_minutes", flat=True))) == [2 * 24 * 60, 14 * 24 * 60]
    assert rows.count() == 4  # two members × two offsets
    assert {r.due_at for r in rows} == {meeting.starts_at - 14 * DAY, meeting.starts_at - 2 * DAY}
    assert all(r.anchor_at == meeting.starts_at for r in rows)


@pytest.mark.parametrize("mode", [Meeting.Mode.ONLINE, Meeting.Mode.HYBRID])
def test_online_and_hybrid_meetings_add_a_two_hour_reminder(make_meeting, participant, mode):
    """Online and hybrid meetings also remind people 2 hours before."""
    meeting = make_meeting(mode=mode, link="https://video.example.org/room")
    reminders_materialize(now=NOW)
    assert sorted(meeting_rows(meeting).values_list("offset_minutes", flat=True)) == [120, 2880, 20160]


def test_materialize_is_idempotent(make_meeting, participant):
    """Running the materialise step again (every minute) makes no new rows."""
    make_meeting()
    first = reminders_materialize(now=NOW)
    second = reminders_materialize(now=NOW + dt.timedelta(minutes=1))
    assert first.created == 2
    assert second.created == 0
    assert Reminder.objects.count() == 2


def test_each_reminder_is_sent_once_at_its_time(make_meeting, participant):
    """Nothing is sent before due; at due time exactly one email; later scans send nothing more."""
    meeting = make_meeting()
    reminders_scan(now=NOW)
    assert mail.outbox == []
    due = meeting.starts_at - 14 * DAY
    reminders_scan(now=due - dt.timedelta(minutes=1))
    assert mail.outbox == []
    reminders_scan(now=due)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [participant.user.email]
    reminders_scan(now=due + dt.timedelta(minutes=1))
    reminders_scan(now=due + dt.timedelta(minutes=2))
    assert len(mail.outbox) == 1
    row = meeting_rows(meeting, offset_minutes=14 * 24 * 60).get()
    assert row.state == Reminder.State.SENT
    assert row.attempts == 1
    assert row.sent_at is not None


def test_custom_offsets_replace_the_defaults_and_carry_their_text(make_meeting, participant, facilitator):
    """A facilitator's plan replaces the defaults; removed offsets are skipped; custom text is in the email."""
    meeting = make_meeting()
    reminders_materialize(now=NOW)
    reminder_offset_add(
        actor=facilitator, meeting=meeting, minutes_before=3 * 24 * 60, custom_text="Bring your team's map.", now=NOW
    )
    reminder_offset_remove(actor=facilitator, meeting=meeting, minutes_before=14 * 24 * 60, now=NOW)
    result = reminders_materialize(now=NOW)
    assert result.skipped == 2  # the 14-day rows of both members
    pending = meeting_rows(meeting, state=Reminder.State.PENDING, member=participant)
    assert sorted(pending.values_list("offset_minutes", flat=True)) == [2 * 24 * 60, 3 * 24 * 60]
    reminders_scan(now=meeting.starts_at - 3 * DAY)
    bodies = [m.body for m in mail.outbox if m.to == [participant.user.email]]
    assert len(bodies) == 1
    assert "Bring your team's map." in bodies[0]
    assert "3 days" in bodies[0]


def test_re_adding_a_removed_offset_revives_its_rows(make_meeting, participant, facilitator):
    """Removing then restoring an offset sends that reminder once, not zero or two times."""
    meeting = make_meeting()
    reminders_materialize(now=NOW)
    reminder_offset_remove(actor=facilitator, meeting=meeting, minutes_before=2 * 24 * 60, now=NOW)
    reminders_materialize(now=NOW)
    assert meeting_rows(meeting, offset_minutes=2880, state=Reminder.State.SKIPPED).count() == 2
    reminder_plan_reset(actor=facilitator, meeting=meeting)
    reminders_materialize(now=NOW)
    assert meeting_rows(meeting, offset_minutes=2880, state=Reminder.State.PENDING).count() == 2
    reminders_scan(now=meeting.starts_at - 14 * DAY)
    mail.outbox.clear()
    reminders_scan(now=meeting.starts_at - 2 * DAY)
    assert len([m for m in mail.outbox if m.to == [participant.user.email]]) == 1


def test_a_plan_with_no_offsets_sends_nothing(make_meeting, participant, facilitator):
    """A facilitator can turn a meeting's reminders off by removing them all."""
    meeting = make_meeting()
    reminder_offset_remove(actor=facilitator, meeting=meeting, minutes_before=14 * 24 * 60, now=NOW)
    reminder_offset_remove(actor=facilitator, meeting=meeting, minutes_before=2 * 24 * 60, now=NOW)
    reminders_scan(now=meeting.starts_at - 2 * DAY)
    assert mail.outbox == []


def test_participant_cannot_change_offsets(make_meeting, participant):
    """Only facilitators and conveners edit a meeting's reminders."""
    from django.core.exceptions import PermissionDenied

    meeting = make_meeting()
    with pytest.raises(PermissionDenied):
        reminder_offset_add(actor=participant, meeting=meeting, minutes_before=60, now=NOW)


def test_moved_meeting_skips_old_rows_and_sends_at_the_new_times(make_meeting, participant):
    """After a meeting moves, the old rows are skipped and never sent; new rows are due at the new times."""
    meeting = make_meeting()
    old_start = meeting.starts_at
    reminders_materialize(now=NOW)
    new_start = old_start + 7 * DAY
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=new_start, ends_at=new_start + 6 * HOUR)
    result = reminders_materialize(now=NOW + HOUR)
    assert result.skipped == 2
    old = meeting_rows(meeting, anchor_at=old_start)
    assert set(old.values_list("state", "skip_reason")) == {(Reminder.State.SKIPPED, SkipReason.MOVED)}
    new = meeting_rows(meeting, anchor_at=new_start)
    assert {r.due_at for r in new} == {new_start - 14 * DAY, new_start - 2 * DAY}
    # Scanning at every old and new due time sends exactly the two new ones.
    for t in sorted([old_start - 14 * DAY, old_start - 2 * DAY, new_start - 14 * DAY, new_start - 2 * DAY]):
        reminders_scan(now=t)
    assert len(mail.outbox) == 2
    assert set(meeting_rows(meeting, anchor_at=new_start).values_list("state", flat=True)) == {Reminder.State.SENT}


def test_a_move_between_claim_and_send_is_caught(make_meeting, participant):
    """A row claimed just before the meeting moved is skipped at the moment of sending."""
    from reminders.outbox import reminder_send

    meeting = make_meeting()
    due = meeting.starts_at - 14 * DAY
    reminders_materialize(now=NOW)
    claimed = reminders_claim(now=due)
    assert len(claimed) == 1
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=meeting.starts_at + DAY, ends_at=meeting.ends_at + DAY)
    pk, claimed_at = claimed[0]
    assert reminder_send(reminder_id=pk, claimed_at=claimed_at, now=due) == Reminder.State.SKIPPED
    assert mail.outbox == []


def test_cancelled_meeting_sends_nothing(make_meeting, participant):
    """Cancelling a meeting retires its reminders; none is ever sent."""
    meeting = make_meeting(mode=Meeting.Mode.ONLINE)
    reminders_materialize(now=NOW)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    for t in (meeting.starts_at - 14 * DAY, meeting.starts_at - 2 * DAY, meeting.starts_at - 2 * HOUR):
        reminders_scan(now=t)
    assert mail.outbox == []
    assert set(meeting_rows(meeting).values_list("state", "skip_reason")) == {
        (Reminder.State.SKIPPED, SkipReason.CANCELLED)
    }


def test_reminders_made_too_late_are_not_sent(make_meeting, participant):
    """A meeting scheduled 3 days ahead gets its 2-day reminder but not a belated 14-day one."""
    meeting = make_meeting(starts_at=NOW + 3 * DAY)
    reminders_scan(now=NOW)
    assert mail.outbox == []
    assert list(meeting_rows(meeting).values_list("offset_minutes", flat=True)) == [2880]


def test_rows_made_on_time_are_sent_late_after_an_outage(make_meeting, participant):
    """If no scan ran for hours (worker down), due rows still go out, once."""
    meeting = make_meeting()
    reminders_materialize(now=NOW)
    reminders_scan(now=meeting.starts_at - 2 * DAY + 5 * HOUR)
    # Both the 14-day and the 2-day reminder were due and made in time.
    assert len(mail.outbox) == 2


def test_nothing_is_sent_after_the_meeting_started(make_meeting, participant):
    """A reminder still pending when the meeting begins is skipped."""
    meeting = make_meeting()
    reminders_materialize(now=NOW)
    reminders_scan(now=meeting.starts_at + HOUR)
    assert mail.outbox == []
    assert not meeting_rows(meeting, state=Reminder.State.PENDING).exists()


def test_unsubscribed_member_is_skipped_at_once(make_meeting, participant):
    """Turning reminders off takes effect even for rows already made."""
    from reminders.services import member_reminders_set

    meeting = make_meeting()
    reminders_materialize(now=NOW)
    member_reminders_set(member=participant, enabled=False)
    reminders_scan(now=meeting.starts_at - 14 * DAY)
    assert mail.outbox == []
    assert set(meeting_rows(meeting).values_list("state", flat=True)) == {Reminder.State.SKIPPED}


def test_smtp_errors_are_retried_with_back_off(settings, make_meeting, participant):
    """A refused message is tried again later (exponential back-off), then sent once."""
    settings.EMAIL_BACKEND = "tests.reminders_tests.flaky_backend.FlakyBackend"
    flaky_backend.state.update(failures_left=2, calls=0)
    meeting = make_meeting()
    due = meeting.starts_at - 14 * DAY
    reminders_scan(now=due)
    row = meeting_rows(meeting, offset_minutes=20160).get()
    assert row.state == Reminder.State.PENDING
    assert row.attempts == 1
    assert "SMTPException" in row.last_error
    assert row.next_attempt_at == due + dt.timedelta(minutes=1)
    reminders_scan(now=due + dt.timedelta(seconds=30))  # not yet
    assert flaky_backend.state["calls"] == 1
    reminders_scan(now=due + dt.timedelta(minutes=1))
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at) == (Reminder.State.PENDING, 2, due + dt.timedelta(minutes=3))
    reminders_scan(now=due + dt.timedelta(minutes=3))
    row.refresh_from_db()
    assert row.state == Reminder.State.SENT
    assert row.attempts == 3
    assert len(mail.outbox) == 1
    reminders_scan(now=due + dt.timedelta(minutes=30))
    assert len(mail.outbox) == 1


def test_a_message_refused_every_time_ends_failed(settings, make_meeting, participant):
    """After MAX_ATTEMPTS refusals a row is failed, keeps its last error, and is not tried again."""
    settings.EMAIL_BACKEND = "tests.reminders_tests.flaky_backend.FlakyBackend"
    flaky_backend.state.update(failures_left=1000, calls=0)
    meeting = make_meeting()
    t = meeting.starts_at - 14 * DAY
    for _ in range(MAX_ATTEMPTS + 3):
        reminders_scan(now=t)
        t += dt.timedelta(hours=2)
    row = meeting_rows(meeting, offset_minutes=20160).get()
    assert row.state == Reminder.State.FAILED
    assert row.attempts == MAX_ATTEMPTS
    assert "451" in row.last_error
    assert flaky_backend.state["calls"] == MAX_ATTEMPTS


def test_claims_do_not_overlap_and_stale_claims_are_retaken(settings, make_meeting, make_member):
    """Two claimers never get the same row; a row left in sending past the lease is claimed again."""
    settings.REMINDER_LEASE_SECONDS = 600
    for _ in range(5):
        make_member()
    meeting = make_meeting()
    due = meeting.starts_at - 14 * DAY
    reminders_materialize(now=NOW)
    first = reminders_claim(now=due, limit=3)
    second = reminders_claim(now=due, limit=10)
    assert len(first) == 3 and len(second) == 2
    assert not {pk for pk, _ in first} & {pk for pk, _ in second}
    assert reminders_claim(now=due + dt.timedelta(minutes=9)) == []
    retaken = reminders_claim(now=due + dt.timedelta(minutes=11))
    assert {pk for pk, _ in retaken} == {pk for pk, _ in first + second}


def test_the_worker_that_lost_its_claim_does_not_mark(make_meeting, participant):
    """A slow worker whose lease ran out cannot overwrite the new claimer's outcome."""
    from reminders.outbox import reminder_send

    meeting = make_meeting()
    due = meeting.starts_at - 14 * DAY
    reminders_materialize(now=NOW)
    [(pk, old_claim)] = reminders_claim(now=due)
    [(_, new_claim)] = reminders_claim(now=due + dt.timedelta(minutes=11))
    assert reminder_send(reminder_id=pk, claimed_at=old_claim, now=due) == "lost"
    assert reminder_send(reminder_id=pk, claimed_at=new_claim, now=due) == Reminder.State.SENT
    assert len(mail.outbox) == 1


def test_session_questions_are_in_the_reminder_as_preparation(make_meeting, participant):
    """The reminder lists each session's question and prompts."""
    meeting = make_meeting()
    DialogueSessionFactory(meeting=meeting, question="What does safety mean on your street?")
    reminders_scan(now=meeting.starts_at - 14 * DAY)
    [message] = mail.outbox
    assert "What does safety mean on your street?" in message.body
    assert "What are you learning?" in message.body
    html = message.alternatives[0][0]
    assert "What does safety mean on your street?" in html


def test_the_beat_task_runs_the_scan(make_meeting, participant):
    """reminders.tasks.send_due_reminders (what beat enqueues) sends what is due and reports it."""
    from reminders.tasks import send_due_reminders

    meeting = make_meeting(starts_at=NOW + 2 * DAY - dt.timedelta(minutes=1))
    # The task reads the real clock: make the reminder due by it.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=dt.datetime.now(dt.UTC) + 2 * DAY - dt.timedelta(minutes=1),
        ends_at=dt.datetime.now(dt.UTC) + 2 * DAY + HOUR,
    )
    assert send_due_reminders() == {"sent": 1}
    assert send_due_reminders() == {}
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_send_each_message_once(make_meeting, make_member):
    """Four scans racing on PostgreSQL (skip_locked claims) deliver each of 40 messages exactly once."""
    import threading
    from collections import Counter

    from django.db import connection

    for _ in range(20):
        make_member()
    meeting = make_meeting()
    reminders_materialize(now=NOW)
    due = meeting.starts_at - 2 * DAY
    errors = []

    def scan():
        try:
            reminders_scan(now=due)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = Counter((m.to[0], re.search(r"meets in (\d+ days)", m.body).group(1)) for m in mail.outbox)
    assert len(counts) == 40
    assert set(counts.values()) == {1}
    assert set(Reminder.objects.values_list("state", flat=True)) == {Reminder.State.SENT}
