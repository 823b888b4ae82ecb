"""PostgreSQL unreachable for several seconds under a running room.

Daphne reaches the database through a TCP proxy the test cuts (every open
connection closed, new ones refused) and restores. Frames that need the
database meanwhile get an ``error`` frame; transactions cut mid-way roll back
whole, so no contribution is ever half-written; once the proxy is back the
same sockets carry on and retried contributions are stored once.
"""

import asyncio
import json
import time

import pytest

from .client import BROWSER_FINAL_CODES, LiveClient, settle
from .conftest import assert_room_consistent, last_seq_getter
from .processes import Daphne, PgProxy
from .test_asgi_kill import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
]


DOCUMENTED_CODES = {"bad_request", "forbidden", "too_long", "rate_limited", "session_closed", "not_found", "paused",
                    "conflict", "unavailable"}  # fmt: skip


@pytest.fixture
def proxied_daphne(tmp_path, settings):
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL: Daphne shares the test database through the proxy")
    proxy = PgProxy()
    server = Daphne(log_path=tmp_path / "daphne.log", database=proxy.database_url(), heartbeat=1)
    yield proxy, server
    server.stop()
    proxy.stop()


def test_outage_gives_errors_never_half_writes_and_the_room_recovers(open_room, proxied_daphne, capsys):
    """During a 5 s outage contributions are answered with documented error
    codes (a client that retries keeps them); afterwards every contribution is
    stored exactly once, seq has no gap, no event lacks its contribution or
    the reverse, and the clients carry on without reloading."""
    proxy, server = proxied_daphne
    session = open_room.session
    clients = [
        LiveClient(
            f"p{i}", open_room.cookies[p.pk], [server.url], session.pk, final_codes=(), retry_after=0.7, silence=15.0
        )
        for i, p in enumerate(open_room.people[:3])
    ]
    state = {}

    async def scenario():
        runners = [asyncio.create_task(c.run()) for c in clients]
        await wait_for(lambda: all(c.ready for c in clients), 30, "everyone in the room")

        async def person(client, count):
            for k in range(count):
                await client.write(f"{client.name}: point {k}")
                await asyncio.sleep(0.15)

        writers = [asyncio.create_task(person(c, 40)) for c in clients]
        await asyncio.sleep(1.0)
        proxy.cut()
        state["cut_at"] = time.time()
        await asyncio.sleep(5.0)
        proxy.restore()
        state["errors_during_outage"] = sum(len(c.errors) for c in clients)
        await asyncio.gather(*writers)
        await settle(clients, last_seq_getter(session), timeout=60)
        for c in clients:
            c.stopping.set()
        await asyncio.wait_for(asyncio.gather(*runners), 10)

    asyncio.run(scenario())
    # A refused contribution re-sent after newer ones went through is stored
    # after them: the room's order (seq) is then not the writing order.
    report = assert_room_consistent(session, clients, in_writing_order=False)
    errors = [e for c in clients for e in c.errors]
    assert errors, "no frame met the outage"
    assert {e["code"] for e in errors} <= DOCUMENTED_CODES
    # Refused contributions name their draft (errors for resume/heartbeat frames carry no client_id).
    written = {cid for c in clients for cid in c.written}
    assert any(e.get("client_id") in written for e in errors)
    state["error_messages"] = sorted({e["message"] for e in errors})
    # Recovered in place: at least one person never had to reconnect (the
    # client's silence limit is the browser's 15 s).
    assert any(c.hellos == 1 for c in clients), [c.drops for c in clients]
    state.update(refused_connections=proxy.refused, drops={c.name: c.drops for c in clients})
    state.pop("cut_at")
    with capsys.disabled():
        print("\nPostgreSQL outage:", json.dumps({**report, **state}))


async def _one_client(open_room, server) -> LiveClient:
    session = open_room.session
    client = LiveClient("p0", open_room.cookies[open_room.people[0].pk], [server.url], session.pk, silence=60)
    client.runner = asyncio.create_task(client.run())
    await wait_for(lambda: client.ready, 30, "the socket")
    return client


async def _stop(client: LiveClient) -> None:
    client.stopping.set()
    await asyncio.wait_for(client.runner, 10)


def test_a_contribution_refused_by_an_outage_is_kept_by_the_browser(open_room, proxied_daphne):
    """With the browser's own error policy, a contribution sent while the
    database is unreachable is neither stored nor given up: once the database
    is back, it is stored exactly once."""
    proxy, server = proxied_daphne

    async def scenario():
        client = await _one_client(open_room, server)
        proxy.cut()
        cid = await client.write("Said while the database was away")
        await wait_for(lambda: bool(client.errors), 15, "an answer")
        proxy.restore()
        await asyncio.sleep(3)
        await _stop(client)
        return client, cid

    client, cid = asyncio.run(scenario())
    assert client.errors[0]["code"] not in BROWSER_FINAL_CODES, client.errors[0]
    assert cid not in client.dropped and client.acks[cid]


def test_server_heartbeats_resume_after_an_outage(open_room, proxied_daphne):
    """A socket that lived through a 3 s outage (3 heartbeat periods) gets
    server heartbeats again within 3 s of the database coming back, unasked."""
    proxy, server = proxied_daphne

    async def scenario():
        client = await _one_client(open_room, server)
        proxy.cut()
        await asyncio.sleep(3)
        proxy.restore()
        await asyncio.sleep(0.5)
        before = client.heartbeats
        await asyncio.sleep(3)
        after = client.heartbeats
        await _stop(client)
        return before, after

    before, after = asyncio.run(scenario())
    assert after > before
