"""How a socket ends, and what a socket coming in at a bad moment is told.

A socket closed by the server, or whose client vanished mid-send, leaves the
room for good (the process's sockets, its groups, presence) and never stops
the process's heartbeat for the others. A close or a role change racing a
connect gives a hello of the room as it now is, or a 4401. The shared
presence store out of reach is answered ``unavailable`` (words kept and sent
again), never a refusal.
"""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from config.asgi import application
from participants.access import member_access_changed
from participants.models import Member, User
from sessions import presence, services, sockets
from sessions.consumers import CLOSE_ACCESS_CHANGED
from sessions.services import presence as presence_services

from .conftest import join, open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def send_after_close_raises(app):
    """As Uvicorn (and Daphne while closing) do: a send after the server's own close raises."""

    async def wrapped(scope, receive, send):
        closed = False

        async def guarded(message):
            nonlocal closed
            if closed:
                raise RuntimeError("Unexpected ASGI message 'websocket.send', after sending 'websocket.close'")
            if message["type"] == "websocket.close":
                closed = True
            await send(message)

        await app(scope, receive, guarded)

    return wrapped


async def _closed_code(client) -> int:
    while True:
        out = await client.communicator.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            return out["code"]


async def test_a_socket_closed_by_the_server_leaves_even_if_the_room_speaks_first(
    room, open_session, facilitator, participant, settings
):
    """The server closes a deactivated account's socket (4401); a contribution
    reaches that socket before its client answers the close. The consumer does
    not die on the refused send: it sends nothing more, and when the client's
    close comes it is out of the process's sockets and out of presence, while
    the others keep their heartbeats."""
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "HEARTBEAT_SECONDS": 0.2}
    other = await room(facilitator, open_session)
    ghost = await join(participant, open_session, app=send_after_close_raises(application))

    def deactivate():
        with transaction.atomic():
            User.objects.filter(pk=participant.user_id).update(is_active=False)
            member_access_changed(member_ids=[participant.pk])

    await sync_to_async(deactivate)()
    assert await _closed_code(ghost) == CLOSE_ACCESS_CHANGED
    await other.request({"type": "contribute", "client_id": "w1", "text": "Said after the close", "kind": "story"})
    await asyncio.sleep(0.3)
    assert not ghost.communicator.future.done() or ghost.communicator.future.exception() is None
    await ghost.communicator.send_input({"type": "websocket.disconnect", "code": CLOSE_ACCESS_CHANGED})
    await asyncio.sleep(0.2)
    assert sockets.count() == 1
    assert presence.store().member_ids(open_session.pk) == {facilitator.pk}
    beat = await other.recv_type("heartbeat", timeout=2)
    assert beat["last_seq"] >= 1


async def test_a_client_gone_mid_send_ends_the_socket_cleanly(room, open_session, facilitator, participant):
    """The tab closes while its words are being stored: the ack cannot be
    sent. The consumer ends like any other: out of the sockets and presence."""
    other = await room(facilitator, open_session)

    def vanishing(app):
        async def wrapped(scope, receive, send):
            async def flaky(message):
                if message["type"] == "websocket.send" and '"ack"' in message.get("text", ""):
                    raise OSError("client disconnected")
                await send(message)

            await app(scope, receive, flaky)

        return wrapped

    tab = await join(participant, open_session, app=vanishing(application))
    await tab.send({"type": "contribute", "client_id": "gone", "text": "Kept, though unacknowledged", "kind": "story"})
    await asyncio.sleep(0.3)
    await tab.communicator.send_input({"type": "websocket.disconnect", "code": 1006})
    await tab.communicator.wait(timeout=3)
    assert sockets.count() == 1
    assert presence.store().member_ids(open_session.pk) == {facilitator.pk}
    assert (await other.event("contribution_added"))["contribution"]["text"] == "Kept, though unacknowledged"


async def test_a_close_racing_a_connect_gives_the_closed_room(
    open_session, facilitator, participant, make_member, monkeypatch
):
    """The facilitator closes the session while a socket comes in (after it was
    resolved, before its hello is read): the hello is of the closed room — no
    words, the archive's address — never the open room's words."""
    speaker = await sync_to_async(make_member)("participant")
    await sync_to_async(services.contribution_create)(
        session_id=open_session.pk, member=speaker, client_id="s1", text="Words said while it was open"
    )
    real_join = presence_services._join

    def join_racing_a_close(*, session, member, channel_name):
        services.session_close(session_id=session.pk, member=facilitator)
        return real_join(session=session, member=member, channel_name=channel_name)

    monkeypatch.setattr(presence_services, "_join", join_racing_a_close)
    tab = await join(participant, open_session)
    assert tab.hello["session"]["state"] == "closed"
    assert tab.hello["session"]["archive_url"]
    assert tab.hello["state"]["contributions"] == []
    assert tab.hello["state"]["present"] == []  # nothing says who was there when
    await tab.close()


async def test_a_role_change_racing_a_connect_is_a_4401(open_session, facilitator, monkeypatch):
    """A facilitator demoted between being resolved and the hello is closed
    with 4401 (reconnect with the new rights), never handed the facilitator's
    hello, and is not left present."""
    real_join = presence_services._join

    def join_racing_a_demotion(*, session, member, channel_name):
        Member.objects.filter(pk=member.pk).update(exchange_role="participant")
        return real_join(session=session, member=member, channel_name=channel_name)

    monkeypatch.setattr(presence_services, "_join", join_racing_a_demotion)
    communicator, connected, _ = await open_socket(facilitator.user, open_session.pk)
    assert connected
    out = await communicator.receive_output(timeout=3)
    assert out == {"type": "websocket.close", "code": CLOSE_ACCESS_CHANGED}
    await communicator.wait(timeout=3)
    assert presence.store().member_ids(open_session.pk) == set()
    assert sockets.count() == 0


async def test_presence_out_of_reach_is_unavailable_and_the_words_are_kept(
    room, open_session, scribe, participant, monkeypatch
):
    """A scribe's capture while the presence store is out of reach is answered
    ``unavailable`` (the client keeps the words and sends them again), and
    nothing is stored; once it is back, the same capture goes in once."""
    await room(participant, open_session)
    desk = await room(scribe, open_session)
    store = presence.store()
    real = store.member_ids

    def out_of_reach(session_id):
        raise presence.PresenceUnavailable("Redis restarting")

    monkeypatch.setattr(store, "member_ids", out_of_reach)
    frame = {"type": "capture", "client_id": "cap-1", "speaker_member_id": participant.pk, "text": "Said aloud"}
    answer = await desk.request(frame)
    assert answer["type"] == "error" and answer["code"] == "unavailable"
    monkeypatch.setattr(store, "member_ids", real)
    answer = await desk.request(frame)
    assert answer["type"] == "ack" and answer["contribution_id"]


async def test_no_presence_frame_after_close(room, open_session, facilitator, participant):
    """After close nothing says who comes and goes: no presence frame."""
    fac = await room(facilitator, open_session)
    await fac.request({"type": "session_close"})
    await fac.drain(0.5)
    await room(participant, open_session)
    assert not [f for f in await fac.drain(0.6) if f["type"] == "presence"]
