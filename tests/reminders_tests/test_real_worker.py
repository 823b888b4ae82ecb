"""End to end with real parts: a Celery worker process, the Redis broker, PostgreSQL
and an SMTP server; and what happens when the worker is killed mid-batch."""

import datetime as dt
import json
import re
import time
import zoneinfo
from collections import Counter

import pytest
from django.utils import timezone

from reminders.models import Reminder
from reminders.outbox import reminders_materialize
from tests.factories import DialogueSessionFactory, MeetingFactory

from .processes import SMTPServer, Worker, enqueue_scan, new_queue

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")


def due_meeting(exchange):
    """An in-person meeting whose 2-day reminder fell due two minutes ago (real clock)."""
    starts = (timezone.now() + dt.timedelta(days=2) - dt.timedelta(minutes=2)).replace(microsecond=0)
    meeting = MeetingFactory(
        exchange=exchange, starts_at=starts, ends_at=starts + dt.timedelta(hours=5), time_zone="America/New_York"
    )
    DialogueSessionFactory(meeting=meeting, question="Who is missing from the table, and why?")
    return meeting


def ics_lines(payload: str) -> list[str]:
    """Minimal independent iCalendar reading: unfold (RFC 5545 §3.1), split lines."""
    return re.sub(r"\r?\n[ \t]", "", payload).splitlines()


def _settings_are_shared():
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_sends_a_due_reminder_over_smtp(exchange, make_member, tmp_path):
    """send_due_reminders.delay() on the Redis broker → a real worker → SMTP: one message,
    with the recipient's local time and an .ics an independent parser reads correctly."""
    if not _settings_are_shared():
        pytest.skip("the worker subprocess needs the test database on PostgreSQL")
    member = make_member(time_zone="Europe/London")
    meeting = due_meeting(exchange)
    queue = new_queue()
    with SMTPServer() as smtp:
        worker = Worker(smtp_port=smtp.port, queue=queue, log_path=tmp_path / "worker.log")
        try:
            enqueue_scan(queue)
            assert smtp.collector.wait_for(1, timeout=90), (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(1.5)  # a second scan would have had time to double-send
            enqueue_scan(queue)
            time.sleep(2)
        finally:
            worker.stop()
    assert len(smtp.collector.received) == 1
    received = smtp.collector.received[0]
    assert received.rcpt == [member.user.email]
    message = received.message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",)).get_content()
    local = meeting.starts_at.astimezone(LONDON)
    assert local.strftime("%H:%M") + " –" in text
    assert f"({'Europe/London'})" in text
    assert "Who is missing from the table, and why?" in text
    [calendar] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    lines = ics_lines(calendar.get_payload(decode=True).decode("utf-8"))
    expected = meeting.starts_at.astimezone(NEW_YORK).strftime("%Y%m%dT%H%M%S")
    assert f"DTSTART;TZID=America/New_York:{expected}" in lines
    assert f"UID:meeting-{meeting.pk}@common-ground" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:America/New_York" in lines
    row = Reminder.objects.get(member=member, state=Reminder.State.SENT)
    assert row.attempts == 1


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_then_restarted_sends_everything_at_most_once_more(
    exchange, make_member, tmp_path, capsys
):
    """SIGKILL while the mail server is answering: after a restart and the lease, every
    due message is sent, and only the one in flight at the kill can arrive twice."""
    lease = 10
    people = [make_member(time_zone="Europe/London") for _ in range(8)]
    due_meeting(exchange)
    reminders_materialize()
    assert Reminder.objects.filter(state=Reminder.State.PENDING, due_at__lte=timezone.now()).count() == 8
    queue = new_queue()
    with SMTPServer(delay=0.7) as smtp:
        first = Worker(smtp_port=smtp.port, queue=queue, lease_seconds=lease, log_path=tmp_path / "worker1.log")
        try:
            enqueue_scan(queue)
            assert smtp.collector.wait_for(3, timeout=90), (tmp_path / "worker1.log").read_text()[-3000:]
            first.kill()
            killed_at = time.time()
        finally:
            first.stop()
        at_kill = Counter(Reminder.objects.values_list("state", flat=True))
        received_before_restart = len(smtp.collector.received)
        assert at_kill[Reminder.State.SENDING] >= 1  # claimed rows left behind by the dead worker

        second = Worker(smtp_port=smtp.port, queue=queue, lease_seconds=lease, log_path=tmp_path / "worker2.log")
        try:
            enqueue_scan(queue)  # within the lease: must not take the dead worker's rows
            time.sleep(2)
            assert len(smtp.collector.received) == received_before_restart
            time.sleep(max(0.0, killed_at + lease + 0.5 - time.time()))
            enqueue_scan(queue)
            deadline = time.time() + 90
            while time.time() < deadline and Reminder.objects.exclude(state=Reminder.State.SENT).exists():
                time.sleep(0.2)
            time.sleep(1)
        finally:
            second.stop()

    per_person = Counter(r.rcpt[0] for r in smtp.collector.received)
    assert set(per_person) == {m.user.email for m in people}
    duplicates = sum(n - 1 for n in per_person.values())
    assert duplicates <= 1
    assert set(Reminder.objects.values_list("state", flat=True)) == {Reminder.State.SENT}

    # The window: from the mail server accepting a message to the row being marked sent.
    sent_at = {
        r.member.user.email: r.sent_at.timestamp()
        for r in Reminder.objects.select_related("member__user").filter(state=Reminder.State.SENT)
    }
    last_copy = {r.rcpt[0]: r for r in smtp.collector.received}  # the copy whose 250 the worker saw
    gaps = [sent_at[email] - r.acked_at for email, r in last_copy.items()]
    measurement = {
        "messages": 8,
        "received": len(smtp.collector.received),
        "duplicates": duplicates,
        "states_at_kill": dict(at_kill),
        "accept_to_mark_ms_max": round(max(gaps) * 1000, 1),
        "accept_to_mark_ms_median": round(sorted(gaps)[len(gaps) // 2] * 1000, 1),
        "lease_seconds": lease,
    }
    with capsys.disabled():
        print("\nCrash measurement:", json.dumps(measurement))
    assert max(gaps) < 2.0
