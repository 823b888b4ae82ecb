"""The reminder scan at size: 10,000 members × 4 meetings, mail to a local SMTP sink.

Each run uses a fresh database (``cg_bench_reminders``, cloned from a migrated
template), makes one exchange with ``members`` people and ``meetings``
meetings whose 2-day reminders fell due five minutes ago, then runs
what ``reminders_scan`` runs (materialise once, then claim a batch and send
each row) until nothing is left or the time budget ends. Mail goes over SMTP to
``bench/smtp_sink.py``. Reported: rows materialised and how long that took,
messages per second, queries per message.

    python -m bench.reminders_scan --members 10000 --meetings 4 --seconds 120
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import time
from pathlib import Path

from bench import common

DB = "cg_bench_reminders"
TEMPLATE = "cg_bench_reminders_tpl"
SMTP_PORT = 8139


def fresh_database() -> None:
    if common.psql(f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE}'") != "1":
        common.ensure_database(TEMPLATE)
    common.psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    common.psql(f'CREATE DATABASE "{DB}" TEMPLATE "{TEMPLATE}"')


def build(members: int, meetings: int, now: dt.datetime) -> None:
    from django.contrib.auth.hashers import make_password

    from exchanges.models import Exchange, Meeting, Team
    from participants.models import Member, User

    exchange = Exchange.objects.create(
        title="Reminder bench", convening_organisation="Bench", time_zone="America/New_York", status="active"
    )
    team = Team.objects.create(exchange=exchange, community_name="Bench town", state_region="OH", locale_type="urban")
    password = make_password(None)
    User.objects.bulk_create(
        [User(email=f"rem-{i}@bench.localhost", password=password) for i in range(members)], batch_size=2000
    )
    users = list(User.objects.filter(email__startswith="rem-").order_by("pk"))
    Member.objects.bulk_create(
        [
            Member(exchange=exchange, user=u, team=team, display_name=f"Reminded {i}", time_zone="America/Chicago")
            for i, u in enumerate(users)
        ],
        batch_size=2000,
    )
    starts = now + dt.timedelta(days=2) - dt.timedelta(minutes=5)  # the 2-day reminder is due
    for n in range(1, meetings + 1):
        Meeting.objects.create(
            exchange=exchange,
            number=n,
            title=f"Meeting {n}",
            time_zone="America/New_York",
            starts_at=starts + dt.timedelta(minutes=n),
            ends_at=starts + dt.timedelta(minutes=n, hours=3),
            place="Dayton, OH",
        )


class Queries:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run(members: int, meetings: int, seconds: float, profile: str | None = None) -> dict:
    fresh_database()
    count_file = Path(common.VAR_DIR) / "smtp-count"
    count_file.unlink(missing_ok=True)
    sink = subprocess.Popen(
        [common.PYTHON, "-m", "bench.smtp_sink", "--port", str(SMTP_PORT), "--count-file", str(count_file)],
        cwd=common.ROOT,
        env=common.bench_env(db=DB),
    )
    try:
        common.wait_port(SMTP_PORT)
        common.django_setup(
            db=DB, extra={"EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}", "SITE_URL": "http://127.0.0.1:8120"}
        )
        from django.db import connection
        from django.utils import timezone

        from reminders.models import Reminder
        from reminders.outbox import reminder_send, reminders_claim, reminders_materialize

        result = {"members": members, "meetings": meetings, "cap_s": seconds, "loadavg_before": common.loadavg()}
        now = timezone.now()
        t = time.perf_counter()
        build(members, meetings, now)
        result["build_s"] = round(time.perf_counter() - t, 1)

        q = Queries()
        with connection.execute_wrapper(q):
            t = time.perf_counter()
            materialized = reminders_materialize()
            result["materialize_s"] = round(time.perf_counter() - t, 2)
            result["materialize_queries"] = q.count
        result["rows_due"] = Reminder.objects.filter(state="pending", due_at__lte=timezone.now()).count()
        result["rows_created"] = materialized.created

        q = Queries()
        outcomes: dict[str, int] = {}
        scans = 0
        t = time.perf_counter()
        deadline = t + seconds
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        with connection.execute_wrapper(q):
            # The body of ``reminders_scan`` after its materialise step: claim a
            # batch, send each, until nothing is due or the time is up.
            while time.perf_counter() < deadline:
                claimed = reminders_claim(now=timezone.now())
                scans += 1
                if not claimed:
                    break
                for pk, claimed_at in claimed:
                    state = reminder_send(reminder_id=pk, claimed_at=claimed_at, now=timezone.now())
                    outcomes[state] = outcomes.get(state, 0) + 1
        elapsed = time.perf_counter() - t
        if profiler is not None:
            profiler.stop()
            Path(profile).write_text(profiler.output_text(unicode=False, color=False, show_all=False))
            result["profile"] = profile
        sent = outcomes.get("sent", 0)
        time.sleep(1)
        result.update(
            {
                "claims": scans,
                "scan_seconds": round(elapsed, 1),
                "outcomes": outcomes,
                "sent": sent,
                "received_by_sink": int(count_file.read_text() or 0) if count_file.exists() else None,
                "messages_per_s": round(sent / elapsed, 1) if elapsed else None,
                "queries": q.count,
                "queries_per_message": round(q.count / sent, 2) if sent else None,
                "left_pending": Reminder.objects.filter(state="pending").count(),
                "loadavg_after": common.loadavg(),
            }
        )
        return result
    finally:
        sink.terminate()
        sink.wait(10)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=10000)
    p.add_argument("--meetings", type=int, default=4)
    p.add_argument("--seconds", type=float, default=120, help="time budget for sending")
    p.add_argument("--profile", help="pyinstrument HTML/text profile of the sending loop to this file")
    p.add_argument("--json")
    a = p.parse_args()
    out = run(a.members, a.meetings, a.seconds, a.profile)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))
