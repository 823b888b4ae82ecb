"""Rights follow the person, not the socket.

A socket is let in with the rights its person had at connect; a role change,
a removal or a deleted account must take them away within seconds (the
socket is closed with 4401 and the client reconnects with what it has now),
and every room action re-checks the role under the room lock in case the
message closing the socket was lost.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from participants import services as people
from participants.models import Member
from sessions.consumers import CLOSE_ACCESS_CHANGED, CLOSE_FORBIDDEN
from sessions.models import DialogueSession

from .conftest import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def _closed_with(communicator: WebsocketCommunicator, timeout: float = 3) -> int:
    """Read until the socket is closed; its close code."""
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code")


async def test_a_demoted_facilitator_is_disconnected_and_returns_as_a_participant(
    room, open_session, facilitator, make_member
):
    convener = await sync_to_async(make_member)("convener")
    tab = await room(facilitator, open_session)
    assert "session_close" in tab.hello["you"]["actions"]
    await sync_to_async(people.member_update)(
        actor=convener,
        member=facilitator,
        team=facilitator.team,
        stakeholder_role=facilitator.stakeholder_role,
        exchange_role="participant",
    )
    assert await _closed_with(tab.communicator) == CLOSE_ACCESS_CHANGED
    tab.closed = True
    again = await room(facilitator, open_session)
    assert "session_close" not in again.hello["you"]["actions"]
    refused = await again.request({"type": "session_close"})
    assert refused["code"] == "forbidden"
    assert (await DialogueSession.objects.aget(pk=open_session.pk)).state == "open"


async def test_an_open_socket_cannot_act_on_a_role_it_no_longer_has(room, open_session, facilitator, participant):
    """Even if the message closing it was lost, the socket's next action is
    checked against the role as it is now: closing would erase off-the-record words."""
    tab = await room(facilitator, open_session)
    await Member.objects.filter(pk=facilitator.pk).aupdate(exchange_role="participant")
    for frame in ({"type": "session_close"}, {"type": "pause"}, {"type": "queue_clear"}):
        answer = await tab.request(frame)
        assert answer["type"] == "error" and answer["code"] == "forbidden", frame
    assert (await DialogueSession.objects.aget(pk=open_session.pk)).state == "open"


async def test_a_deleted_account_stops_hearing_the_room(room, open_session, participant, make_member):
    """Once the person's account is gone their socket is closed, and it cannot come back."""
    other = await room(await sync_to_async(make_member)("participant"), open_session)
    tab = await room(participant, open_session)
    user = participant.user

    def delete():
        from django.db import transaction

        from participants.access import member_access_changed

        with transaction.atomic():
            member_access_changed(member_ids=[participant.pk])
            Member.objects.filter(pk=participant.pk).delete()

    await sync_to_async(delete)()
    assert await _closed_with(tab.communicator) == CLOSE_ACCESS_CHANGED
    tab.closed = True
    await other.request({"type": "contribute", "client_id": "after", "text": "Words after you left", "kind": "story"})
    communicator, connected, _ = await open_socket(user, open_session.pk)
    code = await _closed_with(communicator)
    assert code == CLOSE_FORBIDDEN
    await communicator.disconnect()


async def test_a_lost_rights_message_is_caught_by_the_socket_itself(
    room, open_session, facilitator, settings, monkeypatch
):
    """The channel layer is at-most-once: a socket looks at its person's role
    again while it lives and closes itself when it changed."""
    from sessions import presence

    monkeypatch.setattr(presence, "TOUCH_SECONDS", 0)
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "HEARTBEAT_SECONDS": 0.2}
    tab = await room(facilitator, open_session)
    await Member.objects.filter(pk=facilitator.pk).aupdate(exchange_role="participant")
    assert await _closed_with(tab.communicator, timeout=5) == CLOSE_ACCESS_CHANGED
    tab.closed = True


async def test_a_removed_member_gets_no_private_frames(room, open_session, facilitator, participant):
    """A demoted facilitator's socket leaves the facilitators' group with the close:
    a later "I need a pause" does not reach it."""
    tab = await room(facilitator, open_session)
    me = await room(participant, open_session)

    def demote():
        from django.db import transaction

        from participants.access import member_access_changed

        with transaction.atomic():
            Member.objects.filter(pk=facilitator.pk).update(exchange_role="participant")
            member_access_changed(member_ids=[facilitator.pk])

    await sync_to_async(demote)()
    assert await _closed_with(tab.communicator) == CLOSE_ACCESS_CHANGED
    tab.closed = True
    await me.request({"type": "pause_request"})
    again = await room(facilitator, open_session)
    frames = await again.drain(quiet=0.3)
    assert "pause_request" not in json.dumps(frames) and again.hello["state"]["signals"] == []
