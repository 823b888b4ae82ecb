"""Nothing is lost across a reconnect, and presence counts people, not tabs."""

import pytest

from sessions.models import RoomConnection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]


async def test_reconnect_and_resume_holds_every_event_once_in_order(
    room, open_session, participant, make_member, settings
):
    """A client drops; others contribute 50 times; it reconnects, resumes from
    its last seq, and then holds every event exactly once, in order."""
    from asgiref.sync import sync_to_async

    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "RATE_PER_10S": 1000}
    others = [await room(await sync_to_async(make_member)(), open_session) for _ in range(2)]
    me = await room(participant, open_session)
    seen: dict[int, dict] = {}
    last = me.hello["last_seq"]
    for frame in await me.drain():
        if frame["type"] == "event":
            seen[frame["seq"]] = frame
            last = max(last, frame["seq"])
    await me.close()

    for i in range(50):
        author = others[i % 2]
        ack = await author.request({"type": "contribute", "client_id": f"m{i}", "text": f"Point {i}", "kind": "story"})
        assert ack["type"] == "ack"

    back = await room(participant, open_session)
    for frame in await back.drain(0.3):  # the live echo of its own arrival
        seen.setdefault(frame["seq"], frame)
    await back.send({"type": "resume", "since": last})
    replayed = []
    while True:
        frame = await back.recv()
        if frame["type"] == "resumed":
            break
        if frame["type"] == "event":
            replayed.append(frame)
    done = frame["last_seq"]
    # Live broadcasts may interleave with the replay: de-duplicate by seq.
    for frame in replayed:
        seen.setdefault(frame["seq"], frame)
    seqs = sorted(s for s in seen if s > last)
    assert seqs == list(range(last + 1, done + 1))
    texts = [seen[s]["contribution"]["text"] for s in seqs if seen[s]["event"] == "contribution_added"]
    assert texts == [f"Point {i}" for i in range(50)]
    # The replay itself is every missed event exactly once, in order.
    assert [f["seq"] for f in replayed] == list(range(last + 1, back.hello["last_seq"] + 1))
    assert done == back.hello["last_seq"]


async def test_heartbeat_reports_last_seq(room, open_session, participant, settings):
    me = await room(participant, open_session)
    await me.send({"type": "heartbeat", "last_seq": 0})
    beat = await me.recv_type("heartbeat")
    assert beat["last_seq"] == me.hello["last_seq"] and beat["server_time"]


async def test_server_sends_heartbeats(room, open_session, participant, settings):
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "HEARTBEAT_SECONDS": 0.2}
    me = await room(participant, open_session)
    beat = await me.recv_type("heartbeat", timeout=2)
    assert beat["last_seq"] == me.hello["last_seq"]


async def test_two_tabs_are_one_presence(room, open_session, participant, facilitator):
    """A second tab adds no presence event; the person leaves with the last tab."""
    fac = await room(facilitator, open_session)
    tab1 = await room(participant, open_session)
    joined = await fac.event("presence_joined")
    if joined["member"]["id"] == facilitator.pk:  # the echo of its own arrival
        joined = await fac.event("presence_joined")
    assert joined["member"]["id"] == participant.pk
    tab2 = await room(participant, open_session)
    assert [m["id"] for m in tab2.hello["state"]["present"]].count(participant.pk) == 1
    assert await RoomConnection.objects.filter(member=participant).acount() == 2

    await tab1.close()
    frames = await fac.drain(0.5)
    assert not [f for f in frames if f["type"] == "event" and f["event"].startswith("presence_")]
    await tab2.close()
    left = await fac.event("presence_left")
    assert left["member_id"] == participant.pk
    assert not await RoomConnection.objects.filter(member=participant).aexists()


async def test_stale_connections_are_swept(room, open_session, participant, facilitator):
    """A connection of a server that died unseen stops counting as presence."""
    import datetime as dt

    from django.utils import timezone

    await RoomConnection.objects.acreate(
        channel_name="dead.process!abc",
        session=open_session,
        member=participant,
        connected_at=timezone.now() - dt.timedelta(hours=1),
        seen_at=timezone.now() - dt.timedelta(hours=1),
    )
    fac = await room(facilitator, open_session)
    assert participant.pk not in [m["id"] for m in fac.hello["state"]["present"]]
    assert not await RoomConnection.objects.filter(channel_name="dead.process!abc").aexists()
