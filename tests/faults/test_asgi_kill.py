"""An ASGI process SIGKILLed in the middle of a session.

Two Daphne processes share a Redis channel layer (a redis-server of the
test's own) and the test's PostgreSQL database. Four people write
contributions steadily, two through each process; one process is killed with
SIGKILL. Its people's sockets drop; their clients reconnect to the survivor,
resume from the last seq they applied and re-send their unacknowledged
contributions with the same client_ids.
"""

import asyncio
import json
import time

import pytest

from .client import LiveClient, settle
from .conftest import assert_room_consistent, last_seq_getter
from .processes import Daphne, RedisServer, prefix

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
]


async def wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_process_loses_no_contribution_and_stores_none_twice(open_room, tmp_path, capsys):
    """Every contribution written is stored exactly once, acked ones under the
    seq their ack named, each person's in writing order; resent ones (acked by
    the dead process or not) are stored once; every client ends holding every
    event 1..N exactly once, in order."""
    redis = RedisServer(tmp_path / "redis.log")
    redis.start()
    layer_prefix = prefix()
    doomed = Daphne(log_path=tmp_path / "a.log", redis_url=redis.url, prefix=layer_prefix, wait=False)
    survivor = Daphne(log_path=tmp_path / "b.log", redis_url=redis.url, prefix=layer_prefix, wait=False)
    session = open_room.session
    clients = [
        LiveClient(
            f"p{i}",
            open_room.cookies[person.pk],
            [doomed.url, survivor.url] if i % 2 == 0 else [survivor.url, doomed.url],
            session.pk,
        )
        for i, person in enumerate(open_room.people)
    ]
    state = {}

    async def scenario():
        runners = [asyncio.create_task(c.run()) for c in clients]
        await wait_for(lambda: all(c.ready for c in clients), 30, "everyone in the room")

        async def person(client, count):
            for k in range(count):
                await client.write(f"{client.name}: point {k}")
                await asyncio.sleep(0.06)

        writers = [asyncio.create_task(person(c, 30)) for c in clients]
        await asyncio.sleep(0.8)
        state["acked_before_kill"] = sum(1 for c in clients for cid in c.written if c.acks[cid])
        state["outbox_at_kill"] = {c.name: len(c.outbox) for c in clients}
        await asyncio.to_thread(doomed.kill)
        state["killed_at"] = time.time()
        await asyncio.gather(*writers)
        await settle(clients, last_seq_getter(session), timeout=60)
        for c in clients:
            c.stopping.set()
        await asyncio.wait_for(asyncio.gather(*runners), 10)

    try:
        doomed.ready()
        survivor.ready()
        asyncio.run(scenario())
    finally:
        doomed.stop()
        survivor.stop()
        redis.stop()

    report = assert_room_consistent(session, clients)
    # The fault really happened mid-session: contributions were acked before
    # the kill and the doomed process's people reconnected (to the survivor).
    assert state["acked_before_kill"] > 0
    assert all(c.hellos >= 2 for c in clients[0::2])
    assert all(not c.dropped and not c.errors for c in clients), [c.errors for c in clients]
    # Stored by the dead process, acked only after the reconnect (its ack was lost):
    # the retry with the same client_id found it and acked it with the same seq.
    from sessions.models import Contribution

    created = {c.client_id: c.created_at.timestamp() for c in Contribution.objects.filter(session=session)}
    state["stored_by_dead_acked_by_survivor"] = sum(
        1
        for c in clients[0::2]
        for cid in c.written
        if created[cid] < state["killed_at"] and c.acks[cid][0]["_at"] > state["killed_at"]
    )
    state.pop("killed_at")
    with capsys.disabled():
        print("\nASGI kill:", json.dumps({**report, **state}))
