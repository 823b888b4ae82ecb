"""Two server processes, one room: the Redis channel layer carries events
between them and both sets of clients see one gap-free seq stream."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from .conftest import session_cookie

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(120),
]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def two_servers(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CHANNELS_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    ports = [_free_port(), _free_port()]
    daphne = str(Path(sys.executable).with_name("daphne"))
    procs = [
        subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 30
        for port in ports:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("daphne did not start") from None
                    time.sleep(0.2)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


class Tab:
    def __init__(self, ws):
        self.ws = ws
        self.events: dict[int, dict] = {}
        self.acks: list[dict] = []
        self.hello = None

    async def pump(self, until, timeout=15):
        deadline = time.monotonic() + timeout
        while not until():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                frame = json.loads(await asyncio.wait_for(self.ws.recv(), remaining))
            except TimeoutError:
                return
            if frame["type"] == "hello":
                self.hello = frame
            elif frame["type"] == "event":
                self.events.setdefault(frame["seq"], frame)
            elif frame["type"] == "ack":
                self.acks.append(frame)


async def test_two_daphne_processes_share_one_room(two_servers, open_session, participant, make_member):
    from websockets.asyncio.client import connect

    other = await sync_to_async(make_member)("participant")
    tabs = []
    for member, port in ((participant, two_servers[0]), (other, two_servers[1])):
        cookie = await sync_to_async(session_cookie)(member.user)
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/sessions/{open_session.pk}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={cookie}"},
        )
        tab = Tab(ws)
        await tab.pump(lambda tab=tab: tab.hello is not None)
        assert tab.hello is not None
        tabs.append(tab)

    per_tab = 20
    for i in range(per_tab):
        for n, tab in enumerate(tabs):
            await tab.ws.send(
                json.dumps(
                    {"type": "contribute", "client_id": f"{n}-{i}", "text": f"tab {n} point {i}", "kind": "story"}
                )
            )
    for tab in tabs:
        await tab.pump(lambda tab=tab: len(tab.acks) == per_tab)
        assert len(tab.acks) == per_tab
    final = max(a["seq"] for tab in tabs for a in tab.acks)
    for tab in tabs:
        await tab.pump(lambda tab=tab: final in tab.events)
        start = tab.hello["last_seq"] + 1
        live = sorted(s for s in tab.events if s >= start)
        # Events written through the other process arrived live, over Redis.
        assert sum(1 for s in live if tab.events[s]["actor"] != tab.hello["you"]["member_id"]) >= per_tab // 2
        if live != list(range(start, final + 1)):  # the layer dropped some: resume fills them
            await tab.ws.send(json.dumps({"type": "resume", "since": start - 1}))
            await tab.pump(lambda tab=tab, start=start: all(s in tab.events for s in range(start, final + 1)))
    first = min(tab.hello["last_seq"] for tab in tabs) + 1
    streams = [[(s, tab.events[s]["event"]) for s in range(first, final + 1) if s in tab.events] for tab in tabs]
    # The later tab missed nothing after its own hello; compare the common range.
    common = max(tab.hello["last_seq"] for tab in tabs) + 1
    assert [e for e in streams[0] if e[0] >= common] == [e for e in streams[1] if e[0] >= common]
    assert [s for s, _ in streams[1] if s >= common] == list(range(common, final + 1))
    texts = sorted(
        tabs[0].events[s]["contribution"]["text"]
        for s in range(common, final + 1)
        if tabs[0].events[s]["event"] == "contribution_added"
    )
    assert len(texts) == 2 * per_tab
    for tab in tabs:
        await tab.ws.close()
