"""Heartbeats read the room's last seq once per room per second, and the
Redis channel layer survives a quiet room."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from sessions import sockets


async def test_heartbeats_share_one_read_per_room_per_second(monkeypatch):
    """A client's heartbeats from many sockets of one room cost one database
    read; a second later the next reads again and sees the new seq."""
    reads = []

    def fake_last_seq(*, session_id):
        reads.append(session_id)
        return len(reads) * 10

    clock = [1000.0]
    monkeypatch.setattr(sockets.selectors, "room_last_seq", fake_last_seq)
    monkeypatch.setattr(sockets.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(sockets, "_last_seq", {})
    monkeypatch.setattr(sockets, "socket_db", lambda f: _as_async(f))

    seen = [await sockets.room_last_seq(7) for _ in range(40)]
    assert seen == [10] * 40 and reads == [7]

    assert await sockets.room_last_seq(8) == 20  # another room reads for itself
    clock[0] += sockets.LAST_SEQ_CACHE_SECONDS
    assert await sockets.room_last_seq(7) == 30
    assert reads == [7, 8, 7]


def _as_async(func):
    async def call(**kwargs):
        return func(**kwargs)

    return call


@pytest.mark.django_db(transaction=True)
async def test_one_heartbeat_for_every_socket_of_the_process_costs_one_query(
    room, open_session, exchange, participant, facilitator, monkeypatch
):
    """The process beats all its sockets at once: one query reads every room's
    last seq, whatever the number of sockets, and each socket hears its own room's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    calls = []
    real = sockets.selectors.room_last_seqs

    def counted(*, session_ids):
        calls.append(sorted(session_ids))
        with CaptureQueriesContext(connection) as queries:
            result = real(session_ids=session_ids)
        calls.append(len(queries.captured_queries))
        return result

    from asgiref.sync import sync_to_async

    from tests.factories import MeetingFactory, session_with_agenda

    other = await sync_to_async(lambda: session_with_agenda(MeetingFactory(exchange=exchange)))()
    clients = [await room(m, s) for m in (participant, facilitator) for s in (open_session, other)]
    for client in clients:
        await client.drain(0.4)
    monkeypatch.setattr(sockets.selectors, "room_last_seqs", counted)
    await sockets._beat_all()
    assert calls == [sorted([open_session.pk, other.pk]), 1]
    for client in clients:
        beat = await client.recv_type("heartbeat")
        assert beat["last_seq"] == client.hello["last_seq"]


@pytest.mark.redis
@pytest.mark.slow
async def test_redis_layer_waits_through_a_quiet_spell_longer_than_five_seconds():
    """A consumer in a silent room blocks on the layer for longer than redis-py's
    default read timeout; the wait must end with a message, not a TimeoutError
    that would close every socket of a quiet room."""
    layer = get_channel_layer()
    channel = await layer.new_channel()

    async def send_later():
        await asyncio.sleep(7)
        await layer.send(channel, {"type": "room.frame", "frame": {"type": "ping"}})

    sender = asyncio.create_task(send_later())
    message = await asyncio.wait_for(layer.receive(channel), timeout=20)
    await sender
    assert message["frame"] == {"type": "ping"}
    await layer.flush()
