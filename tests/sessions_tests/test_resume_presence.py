"""Nothing is lost across a reconnect, and presence counts people, not tabs."""

import pytest

from sessions import presence, sockets

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
        if "seq" in frame:
            seen[frame["seq"]] = frame
            last = max(last, frame["seq"])
    await me.close()

    for i in range(50):
        author = others[i % 2]
        ack = await author.request({"type": "contribute", "client_id": f"m{i}", "text": f"Point {i}", "kind": "story"})
        assert ack["type"] == "ack"

    back = await room(participant, open_session)
    await back.send({"type": "resume", "since": last})
    replayed = []
    while True:
        frame = await back.recv()
        if frame["type"] == "resumed":
            break
        if frame["type"] == "event":
            replayed.append(frame)
    done = frame["last_seq"]
    for frame in replayed:
        seen.setdefault(frame["seq"], frame)
    seqs = sorted(s for s in seen if s > last)
    assert seqs == list(range(last + 1, done + 1))
    texts = [seen[s]["contribution"]["text"] for s in seqs if seen[s]["event"] == "contribution_added"]
    assert texts == [f"Point {i}" for i in range(50)]
    # The replay itself is every missed event exactly once, in order.
    assert [f["seq"] for f in replayed] == list(range(last + 1, back.hello["last_seq"] + 1))
    assert done == back.hello["last_seq"]


async def test_after_hello_no_event_at_or_below_its_seq_arrives_unasked(
    room, open_session, participant, facilitator, settings, monkeypatch
):
    """Events committed before a socket's snapshot but broadcast after it joined
    the room are in its ``hello``: the socket never sends them, and every event
    after the hello arrives once, in order. A replay asked for mid-stream comes
    whole before any later live event."""
    from asgiref.sync import sync_to_async

    from sessions import services

    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "RATE_PER_10S": 1000}
    fac = await room(facilitator, open_session)
    # Hold back every broadcast of the next five events until the watcher is in.
    held = []
    real_send = services.contributions.events.transaction.on_commit

    def hold(func, *args, **kwargs):
        held.append(func)

    monkeypatch.setattr(services.contributions.events.transaction, "on_commit", hold)
    for i in range(5):
        await fac.request({"type": "contribute", "client_id": f"h{i}", "text": f"Early {i}", "kind": "story"})
    monkeypatch.setattr(services.contributions.events.transaction, "on_commit", real_send)
    watcher = await room(participant, open_session)
    n = watcher.hello["last_seq"]
    assert [c["text"] for c in watcher.hello["state"]["contributions"]] == [f"Early {i}" for i in range(5)]
    for send in held:  # the late broadcasts of events the hello already holds
        await sync_to_async(send)()
    for i in range(3):
        await fac.request({"type": "contribute", "client_id": f"l{i}", "text": f"Later {i}", "kind": "story"})
    events = [f for f in await watcher.drain(0.5) if f["type"] == "event"]
    assert [f["seq"] for f in events] == [n + 1, n + 2, n + 3]

    # A resume: the replay, then ``resumed``, then live events, in that order.
    await watcher.send({"type": "resume", "since": n})
    await fac.send({"type": "contribute", "client_id": "after", "text": "After the resume", "kind": "story"})
    frames = [f for f in await watcher.drain(0.8) if f["type"] in ("event", "resumed")]
    kinds = [(f["type"], f.get("seq")) for f in frames]
    resumed_at = kinds.index(("resumed", None))
    assert [seq for _, seq in kinds[:resumed_at]] == [n + 1, n + 2, n + 3]
    assert [seq for _, seq in kinds[resumed_at + 1 :]] in ([n + 4], [])
    if kinds[resumed_at + 1 :] == []:  # the live copy came before the replay finished: replayed, not twice
        assert frames[resumed_at]["last_seq"] == n + 4


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


async def _presence(client, timeout: float = 3) -> list[int]:
    """The member ids of the next ``presence`` frame the client receives."""
    frame = await client.recv_type("presence", timeout=timeout)
    assert "seq" not in frame  # presence is not history
    return [m["id"] for m in frame["present"]]


async def test_two_tabs_are_one_presence(room, open_session, participant, facilitator):
    """A second tab changes nobody's presence; the person leaves with the last tab.
    Arrivals and departures are unsequenced frames: the log records none."""
    logged = await sessions_event_count(open_session)
    fac = await room(facilitator, open_session)
    assert await _presence(fac) == [facilitator.pk]  # its own arrival
    tab1 = await room(participant, open_session)
    assert sorted(await _presence(fac)) == sorted([facilitator.pk, participant.pk])
    tab2 = await room(participant, open_session)
    assert [m["id"] for m in tab2.hello["state"]["present"]].count(participant.pk) == 1
    assert not [f for f in await fac.drain(0.6) if f["type"] == "presence"]

    await tab1.close()
    assert not [f for f in await fac.drain(0.6) if f["type"] == "presence"]
    await tab2.close()
    assert await _presence(fac) == [facilitator.pk]
    assert presence.store().member_ids(open_session.pk) == {facilitator.pk}
    assert await sessions_event_count(open_session) == logged


async def sessions_event_count(session) -> int:
    from sessions.models import SessionEvent

    return await SessionEvent.objects.filter(session=session).acount()


async def test_presence_of_a_dead_process_lapses(room, open_session, participant, facilitator, monkeypatch, settings):
    """A socket of a server that died unseen stops counting as presence once
    its entry lapses, and the room is told without anyone leaving."""
    from asgiref.sync import sync_to_async

    monkeypatch.setattr(presence, "STALE_SECONDS", 0.5)
    await sync_to_async(presence.store().join)(open_session.pk, participant.pk, "dead.process!abc")
    monkeypatch.setattr(presence, "STALE_SECONDS", 90)
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "HEARTBEAT_SECONDS": 0.2}
    monkeypatch.setattr(presence, "TOUCH_SECONDS", 0.4)
    fac = await room(facilitator, open_session)
    assert sorted(m["id"] for m in fac.hello["state"]["present"]) == sorted([facilitator.pk, participant.pk])
    # The touch period notices the lapsed entry and tells the room.
    for _ in range(10):
        ids = await _presence(fac, timeout=3)
        if ids == [facilitator.pk]:
            break
    assert ids == [facilitator.pk]
    assert presence.store().member_ids(open_session.pk) == {facilitator.pk}
    assert sockets.count() == 1  # the facilitator's one socket


async def test_room_wide_work_runs_in_the_sites_language_not_the_arrivals(
    room, open_session, participant, facilitator, monkeypatch, settings
):
    """A presence broadcast started by a Spanish reader's arrival is the room's,
    not hers: it runs in the site's language (tasks copy their creator's context)."""
    from asgiref.sync import sync_to_async
    from django.utils import translation

    from sessions import selectors

    settings.OFFERED_LANGUAGES = [("en", "English"), ("es", "Español")]
    participant.user.language = "es"
    await sync_to_async(participant.user.save)()
    seen: list[str] = []
    real = selectors.presence_frame

    def spy(**kwargs):
        seen.append(translation.get_language())
        return real(**kwargs)

    monkeypatch.setattr(selectors, "presence_frame", spy)
    fac = await room(facilitator, open_session)
    await _presence(fac)
    await room(participant, open_session)  # her socket's messages are handled in Spanish
    assert sorted(await _presence(fac)) == sorted([facilitator.pk, participant.pk])
    assert seen and set(seen) == {settings.LANGUAGE_CODE}
