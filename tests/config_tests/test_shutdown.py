"""SIGTERM stops a server process within 10 s, its room sockets closed with 1012.

Each test starts the real server (Daphne, and Uvicorn with the flags
docs/operations.md gives) as a child process on a free loopback port, on the
stack the suite runs on: the embedded default (SQLite, in-memory channel
layer) or PostgreSQL + Redis. A signed-in socket needs rows the server can
read: on PostgreSQL they are made in the test database (committed:
``django_db(transaction=True)``) and the server is pointed at it; on SQLite the server
gets a migrated file of its own, seeded once for the module by a child
process (pytest's in-memory database is out of another process's reach).

1012 ("service restart") tells the room client to reconnect, to another
process, and resume. Daphne sends it only through ``config.shutdown``.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from tests.factories import DialogueSessionFactory, MeetingFactory, MemberFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STOP_LIMIT = 10.0  # seconds from SIGTERM to exit
UVICORN_GRACEFUL_SHUTDOWN = "5"  # docs/operations.md
SERVICE_RESTART = 1012
FORBIDDEN = 4403

SERVERS = ["daphne", "uvicorn"]

# Run in a child process on the embedded default: a member of an exchange, a
# session of it and the member's session cookie, printed as JSON.
SEED = """
import json
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.test import Client
from tests.factories import DialogueSessionFactory, MeetingFactory, MemberFactory
member = MemberFactory(exchange_role="participant")
session = DialogueSessionFactory(meeting=MeetingFactory(exchange=member.exchange))
client = Client()
client.force_login(member.user)
print(json.dumps({"session": session.pk, "cookie": client.cookies["sessionid"].value}))
"""


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _base_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "CHANNELS_PREFIX", "CACHE_PREFIX", "SQLITE_PATH", "CELERY_BROKER_URL"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if _on_postgres():
        db = settings.DATABASES["default"]
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        # The test database: rows a test commits are the server's to read.
        env["DATABASE_URL"] = f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{db['NAME']}"
    if settings.REDIS_URL:
        prefix = f"cgstop{uuid.uuid4().hex[:8]}"
        env.update({"REDIS_URL": settings.REDIS_URL, "CHANNELS_PREFIX": prefix, "CACHE_PREFIX": prefix + "c"})
    return env


def _command(server: str, port: int) -> list[str]:
    if server == "daphne":
        return [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
    return [
        str(BIN / "uvicorn"),
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--timeout-graceful-shutdown",
        UVICORN_GRACEFUL_SHUTDOWN,
        "--log-level",
        "warning",
    ]


class Server:
    def __init__(self, server: str, env: dict[str, str], log_path: Path):
        self.port = _free_port()
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            _command(server, self.port),
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_serving(self, timeout: float = 40.0) -> None:
        """Until an HTTP request is answered: the server's loop runs (Daphne listens before it does)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"the server did not answer within {timeout} s:\n{self.log_tail()}")

    def ws_url(self, session_id: int) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/sessions/{session_id}/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def terminate(self) -> float:
        """SIGTERM; return the moment it was sent."""
        sent = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        return sent

    async def exited_within(self, sent: float, limit: float = STOP_LIMIT) -> float:
        while self.proc.poll() is None and time.monotonic() - sent < limit + 1:
            await asyncio.sleep(0.05)
        took = time.monotonic() - sent
        assert self.proc.poll() is not None, f"still running {took:.1f} s after SIGTERM:\n{self.log_tail()}"
        assert took <= limit, f"exited {took:.1f} s after SIGTERM:\n{self.log_tail()}"
        # 0: Daphne stopped; -SIGTERM: Uvicorn re-raises the signal once stopped. 1 is config.shutdown's watchdog.
        assert self.proc.returncode in (0, -signal.SIGTERM), f"exit status {self.proc.returncode}:\n{self.log_tail()}"
        return took

    def log_tail(self, chars: int = 4000) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def start_server(tmp_path):
    servers: list[Server] = []

    def start(server: str, env: dict[str, str] | None = None) -> Server:
        running = Server(server, env or _base_env(tmp_path), tmp_path / f"{server}-{len(servers)}.log")
        servers.append(running)
        running.wait_serving()
        return running

    yield start
    for running in servers:
        running.close()


@pytest.fixture(scope="module")
def sqlite_room(tmp_path_factory) -> tuple[dict[str, str], dict]:
    """A migrated SQLite file of the server's own, with a member, a session and the member's cookie."""
    folder = tmp_path_factory.mktemp("shutdown-db")
    env = _base_env(folder)
    env["SQLITE_PATH"] = str(folder / "db.sqlite3")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    seeded = subprocess.run(
        [*manage, "shell", "-c", SEED], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True, text=True
    )
    return env, json.loads(seeded.stdout.strip().splitlines()[-1])


@pytest.fixture
def room(request, tmp_path) -> tuple[dict[str, str], dict]:
    """(server env, {"session": id, "cookie": value}) for one signed-in member's room socket."""
    if not _on_postgres():
        return request.getfixturevalue("sqlite_room")
    member = MemberFactory(exchange_role="participant")
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=member.exchange))
    client = Client()
    client.force_login(member.user)
    return _base_env(tmp_path), {"session": session.pk, "cookie": client.cookies["sessionid"].value}


async def _open_room_socket(server: Server, seed: dict):
    from websockets.asyncio.client import connect

    ws = await connect(
        server.ws_url(seed["session"]),
        origin=server.origin,
        additional_headers={"Cookie": f"sessionid={seed['cookie']}"},
        open_timeout=20,
        ping_interval=None,
    )
    hello = json.loads(await asyncio.wait_for(ws.recv(), 20))
    assert hello["type"] == "hello", hello
    return ws


async def _close_code(ws, timeout: float) -> int | None:
    """Read until the server closes the socket; its close code (None if it only dropped the line)."""
    from websockets.exceptions import ConnectionClosed

    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(timeout):
            async for _ in ws:
                pass
    return ws.close_code


@pytest.mark.parametrize("server", SERVERS)
async def test_an_idle_server_stops_within_10_s(server, start_server):
    running = await sync_to_async(start_server)(server)
    await running.exited_within(running.terminate())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server", SERVERS)
async def test_an_open_room_socket_is_closed_with_1012_and_the_server_stops(server, start_server, room):
    env, seed = room
    running = await sync_to_async(start_server)(server, env)
    ws = await _open_room_socket(running, seed)
    sent = running.terminate()
    code = await _close_code(ws, STOP_LIMIT)
    assert code == SERVICE_RESTART, f"closed with {code}:\n{running.log_tail()}"
    await running.exited_within(sent)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server", SERVERS)
async def test_a_server_whose_sockets_closed_before_still_stops(server, start_server, room):
    """The reported hang: sockets opened and closed (a room socket, a refused one), then SIGTERM."""
    from websockets.asyncio.client import connect

    env, seed = room
    running = await sync_to_async(start_server)(server, env)
    ws = await _open_room_socket(running, seed)
    await ws.close()
    refused = await connect(running.ws_url(seed["session"]), origin=running.origin, open_timeout=20)
    assert await _close_code(refused, 10) == FORBIDDEN
    await asyncio.sleep(1.5)  # the closes are handled: nothing of those sockets is left running
    await running.exited_within(running.terminate())
