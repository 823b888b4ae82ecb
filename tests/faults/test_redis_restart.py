"""The channel layer's Redis restarted in the middle of a session.

Two Daphne processes broadcast through a redis-server of the test's own; it
is SIGKILLed and started again empty (no persistence: every group membership
is gone). The database is the record, so nothing stored is lost; clients
notice what they missed by the heartbeat's ``last_seq``, a seq gap, or a
dropped socket, and resume.
"""

import asyncio
import json

import pytest

from .client import LiveClient, settle
from .conftest import assert_room_consistent, last_seq_getter
from .processes import Daphne, RedisServer, prefix
from .test_asgi_kill import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
]


def test_redis_restart_loses_nothing_and_clients_resync(open_room, tmp_path, capsys):
    """Contributions written before, during and after the outage are each stored
    once; every client detects what it missed and ends with every event 1..N
    exactly once, in order."""
    redis = RedisServer(tmp_path / "redis.log")
    redis.start()
    layer_prefix = prefix()
    a = Daphne(log_path=tmp_path / "a.log", redis_url=redis.url, prefix=layer_prefix, heartbeat=2, wait=False)
    b = Daphne(log_path=tmp_path / "b.log", redis_url=redis.url, prefix=layer_prefix, heartbeat=2, wait=False)
    session = open_room.session
    clients = [
        LiveClient(f"p{i}", open_room.cookies[p.pk], [a.url, b.url] if i < 2 else [b.url, a.url], session.pk,
                   silence=8.0)
        for i, p in enumerate(open_room.people)
    ]  # fmt: skip
    state = {}

    async def live_delivery(writer: LiveClient, others: list[LiveClient]) -> dict:
        """Write one contribution and see who applies it within 0.6 s (less than
        a heartbeat period, so only a live broadcast can bring it that fast)."""
        cid = await writer.write(f"{writer.name}: marker")
        await wait_for(lambda: bool(writer.acks[cid]), 10, "the marker's ack")
        seq = writer.acks[cid][0]["seq"]
        await asyncio.sleep(0.6)
        return {c.name: seq in c.events for c in others}

    async def scenario():
        runners = [asyncio.create_task(c.run()) for c in clients]
        await wait_for(lambda: all(c.ready for c in clients), 30, "everyone in the room")
        await settle(clients, last_seq_getter(session), timeout=30)
        state["live_before"] = await live_delivery(clients[0], clients[1:])

        async def person(client, count):
            for k in range(count):
                await client.write(f"{client.name}: point {k}")
                await asyncio.sleep(0.1)

        writers = [asyncio.create_task(person(c, 40)) for c in clients]
        await asyncio.sleep(1.0)
        await asyncio.to_thread(redis.kill)
        await asyncio.sleep(2.0)
        await asyncio.to_thread(redis.start)
        await asyncio.gather(*writers)
        await settle(clients, last_seq_getter(session), timeout=60)
        state["live_after"] = await live_delivery(clients[0], clients[1:])
        await settle(clients, last_seq_getter(session), timeout=30)
        for c in clients:
            c.stopping.set()
        await asyncio.wait_for(asyncio.gather(*runners), 10)

    try:
        a.ready()
        b.ready()
        asyncio.run(scenario())
    finally:
        a.stop()
        b.stop()
        redis.stop()

    report = assert_room_consistent(session, clients)
    assert all(state["live_before"].values()), state
    # Each client found out it had missed events: by heartbeat, seq gap or reconnect.
    for c in clients:
        assert c.resume_reasons["heartbeat"] + c.resume_reasons["seq gap"] + c.hellos - 1 > 0, c.name
    assert all(not c.dropped for c in clients), [c.errors for c in clients]
    with capsys.disabled():
        print("\nRedis restart:", json.dumps({**report, **state, "drops": {c.name: c.drops for c in clients}}))
