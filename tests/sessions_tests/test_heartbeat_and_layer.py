"""Heartbeats read the room's last seq once per room per second, and the
Redis channel layer survives a quiet room."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from sessions import consumers


async def test_heartbeats_share_one_read_per_room_per_second(monkeypatch):
    """Many sockets of one room beating at once cost one database read; a
    second later the next beat reads again and sees the new seq."""
    reads = []

    def fake_last_seq(*, session_id):
        reads.append(session_id)
        return len(reads) * 10

    clock = [1000.0]
    monkeypatch.setattr(consumers.selectors, "room_last_seq", fake_last_seq)
    monkeypatch.setattr(consumers.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(consumers, "_LAST_SEQ_CACHE", {})
    monkeypatch.setattr(consumers, "database_sync_to_async", lambda f: _as_async(f))

    seen = [await consumers._room_last_seq(7) for _ in range(40)]
    assert seen == [10] * 40 and reads == [7]

    assert await consumers._room_last_seq(8) == 20  # another room reads for itself
    clock[0] += consumers.LAST_SEQ_CACHE_SECONDS
    assert await consumers._room_last_seq(7) == 30
    assert reads == [7, 8, 7]


def _as_async(func):
    async def call(**kwargs):
        return func(**kwargs)

    return call


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
