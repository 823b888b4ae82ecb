"""Real parts for the end-to-end tests: an SMTP server that collects what it
receives, and a Celery worker subprocess pointed at the test's database."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    stored_at: float  # when the server had the whole message (before it answered)
    acked_at: float | None  # when it answered 250 to the client
    rcpt: list[str]
    message: email.message.EmailMessage


@dataclass
class Collector:
    """Keeps every message; ``delay`` holds the 250 answer back, like a slow mail server."""

    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        item = Received(
            stored_at=time.time(),
            acked_at=None,
            rcpt=list(envelope.rcpt_tos),
            message=email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default),
        )
        self.received.append(item)
        if self.delay:
            await asyncio.sleep(self.delay)
        item.acked_at = time.time()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float) -> bool:
        end = time.time() + timeout
        while time.time() < end:
            if len(self.received) >= count:
                return True
            time.sleep(0.05)
        return False


class SMTPServer:
    def __init__(self, delay: float = 0.0):
        self.port = free_port()
        self.collector = Collector(delay=delay)
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def database_url() -> str:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        raise RuntimeError("The worker subprocess needs a database it can share: PostgreSQL.")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """``celery worker -P solo`` on its own queue, so no other worker takes our tasks."""

    def __init__(self, *, smtp_port: int, queue: str, lease_seconds: int = 600, log_path: Path):
        self.queue = queue
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": database_url(),
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
                "REMINDER_LEASE_SECONDS": str(lease_seconds),
                "VAR_DIR": str(settings.VAR_DIR),
                "LOG_LEVEL": "INFO",
            }
        )
        if settings.REDIS_URL:
            env["REDIS_URL"] = settings.REDIS_URL
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "-P",
                "solo",
                "--concurrency=1",
                "-l",
                "info",
                "-Q",
                queue,
                "-n",
                f"{queue}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, exactly like a machine dying."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def new_queue() -> str:
    return f"cg-e-test-{uuid.uuid4().hex[:10]}"


def enqueue_scan(queue: str) -> None:
    from config.celery import app  # noqa: F401 - binds the shared task to the project's app
    from reminders.tasks import send_due_reminders

    send_due_reminders.apply_async(queue=queue)
