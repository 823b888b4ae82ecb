"""Every live-room action × every role, over the real ASGI application,
against ``matrix.WS`` and ``matrix.CONNECT``.

For each action the room is first set up so that the action would succeed
(a contribution of one's own to edit, a round whose current turn one holds,
a waiting hand to call…), then the member connects and sends one valid frame.
Allowed: an ``ack`` (or ``resumed``/``heartbeat``). Refused: an ``error`` with
code ``forbidden``, and the room is exactly as it was.
"""

import uuid

import pytest
from asgiref.sync import sync_to_async

from sessions import services
from sessions.models import Contribution, QueueEntry, RoomState, SessionEvent, Theme
from sessions.protocol import FRAMES
from tests.sessions_tests.conftest import RoomClient, open_socket

from .matrix import CONNECT, FORBIDDEN, OK, WS
from .world import MEMBER_ROLES, build_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def _present(session, member, tag="setup"):
    services.presence_join(session_id=session.pk, member=member, channel_name=f"{tag}.{member.pk}.{uuid.uuid4().hex}")


def _other(world, actor):
    return world.members["participant" if actor.exchange_role != "participant" else "scribe"]


def _own_contribution(world, actor):
    result = services.contribution_create(
        session_id=world.open_session.pk, member=actor, client_id=uuid.uuid4().hex, text="My own words."
    )
    return result["contribution_id"]


def _round_held_by(world, actor):
    _present(world.open_session, actor)
    services.round_start(
        session_id=world.open_session.pk,
        member=world.members["facilitator"],
        order="arranged",
        member_ids=[actor.pk],
        include_facilitators=True,
    )


def _round_running(world, actor):
    other = _other(world, actor)
    _present(world.open_session, other)
    services.round_start(
        session_id=world.open_session.pk,
        member=world.members["facilitator"],
        order="arranged",
        member_ids=[other.pk],
        include_facilitators=True,
    )


def _hands(world, actor):
    ids = []
    for member in (world.members["participant"], world.members["scribe"]):
        ids.append(services.hand_raise(session_id=world.open_session.pk, member=member, kind="new_point")["entry_id"])
    return ids


def _theme(world):
    return Theme.objects.filter(exchange=world.exchange).order_by("pk").first().pk


def _setup(action: str, world, actor) -> tuple[object, dict]:
    """Prepare the room so ``action`` would succeed for ``actor``; return (session, frame)."""
    s = world.open_session
    fac = world.members["facilitator"]
    cid = uuid.uuid4().hex
    if action == "contribute":
        return s, {"type": action, "client_id": cid, "text": "We started walking the beat."}
    if action == "capture":
        speaker = _other(world, actor)
        _present(s, speaker)
        return s, {"type": action, "client_id": cid, "speaker_member_id": speaker.pk, "text": "Said aloud."}
    if action == "contribution_edit":
        return s, {"type": action, "contribution_id": _own_contribution(world, actor), "text": "Better words."}
    if action == "contribution_withdraw":
        return s, {"type": action, "contribution_id": _own_contribution(world, actor)}
    if action == "consent_set":
        return s, {"type": action, "contribution_id": _own_contribution(world, actor), "consent": "anonymous"}
    if action == "acknowledge":
        words = _own_contribution(world, _other(world, actor))
        return s, {"type": action, "contribution_id": words, "reflection": "I heard you."}
    if action == "hand_raise":
        return s, {"type": action, "kind": "new_point"}
    if action == "hand_lower":
        services.hand_raise(session_id=s.pk, member=actor, kind="new_point")
        return s, {"type": action}
    if action in ("turn_done", "turn_pass"):
        _round_held_by(world, actor)
        return s, {"type": action}
    if action == "note_save":
        return s, {"type": action, "text": "Private thoughts."}
    if action == "note_share":
        return s, {"type": action, "client_id": cid, "text": "The part I share.", "consent": "named"}
    if action == "pause_request":
        return s, {"type": action}
    if action == "commitment_set":
        last = s.phases.order_by("-order").first()
        services.phase_set(session_id=s.pk, member=fac, phase_id=last.pk)
        return s, {"type": action, "text": "Hold a listening session."}
    if action == "resume":
        return s, {"type": action, "since": 0}
    if action == "heartbeat":
        return s, {"type": action, "last_seq": 0}
    if action == "session_open":
        return world.session, {"type": action}
    if action in ("session_close", "phase_advance", "pause", "queue_clear", "reflection_end"):
        if action == "reflection_end":
            services.reflection_start(session_id=s.pk, member=fac, seconds=60)
        if action == "queue_clear":
            _hands(world, actor)
        return s, {"type": action}
    if action == "phase_set":
        return s, {"type": action, "phase_id": s.phases.order_by("-order").first().pk}
    if action == "resume_room":
        services.room_pause(session_id=s.pk, member=fac)
        return s, {"type": action}
    if action == "queue_call_next":
        _hands(world, actor)
        return s, {"type": action}
    if action == "queue_reorder":
        return s, {"type": action, "order": list(reversed(_hands(world, actor)))}
    if action == "round_start":
        _present(s, _other(world, actor))
        return s, {"type": action, "order": "random", "turn_seconds": 120}
    if action in ("turn_skip", "round_end"):
        _round_running(world, actor)
        return s, {"type": action}
    if action == "turn_extend":
        _round_running(world, actor)
        return s, {"type": action, "seconds": 60}
    if action == "reflection_start":
        return s, {"type": action, "seconds": 60}
    if action == "theme_create":
        return s, {"type": action, "name": "Youth voice"}
    if action == "theme_tag":
        return s, {
            "type": action,
            "contribution_id": _own_contribution(world, world.members["participant"]),
            "theme_id": _theme(world),
        }
    if action == "theme_untag":
        words = _own_contribution(world, world.members["participant"])
        services.theme_tag(session_id=s.pk, member=fac, contribution_id=words, theme_id=_theme(world))
        return s, {"type": action, "contribution_id": words, "theme_id": _theme(world)}
    if action == "signal_dismiss":
        other = _other(world, actor)
        signal = services.pause_request(session_id=s.pk, member=other)["signal_id"]
        return s, {"type": action, "signal_id": signal}
    raise AssertionError(f"no setup for {action}: add one")


def room_snapshot(session) -> tuple:
    room = RoomState.objects.filter(session=session).first() or RoomState(session=session)
    return (
        room.last_seq,
        room.paused,
        room.current_phase_id,
        SessionEvent.objects.count(),
        list(Contribution.objects.order_by("pk").values()),
        list(QueueEntry.objects.order_by("pk").values()),
    )


def test_every_action_has_a_row():
    """A new frame type cannot skip the matrix."""
    assert sorted(set(FRAMES) - set(WS)) == [], "add these actions to tests/permissions/matrix.py"
    assert sorted(set(WS) - set(FRAMES)) == [], "these rows name actions the protocol no longer has"
    for action, row in WS.items():
        assert set(row) == set(MEMBER_ROLES), action


@pytest.mark.parametrize("role", sorted(CONNECT))
async def test_connect_refused(role):
    """Anonymous, outsiders and staff are closed with 4403 and leave no trace in the room."""
    world = await sync_to_async(build_world)()
    before = await sync_to_async(room_snapshot)(world.open_session)
    communicator, connected, code = await open_socket(world.user(role), world.open_session.pk)
    try:
        if connected:
            output = await communicator.receive_output(timeout=3)
            assert output == {"type": "websocket.close", "code": CONNECT[role]}
        else:
            assert code == CONNECT[role]
    finally:
        await communicator.disconnect()
    assert await sync_to_async(room_snapshot)(world.open_session) == before


@pytest.mark.parametrize(("action", "role"), [(a, r) for a in sorted(WS) for r in MEMBER_ROLES])
async def test_ws_matrix(action, role):
    """The answer to each action matches the table; a refusal changes nothing."""
    world = await sync_to_async(build_world)()
    actor = world.members[role]
    session, frame = await sync_to_async(_setup)(action, world, actor)
    communicator, connected, _ = await open_socket(actor.user, session.pk)
    assert connected
    client = RoomClient(communicator)
    try:
        client.hello = await client.recv_type("hello")
        assert (action in client.hello["you"]["actions"]) == (WS[action][role] == OK)
        await client.drain(quiet=0.1)
        before = await sync_to_async(room_snapshot)(session)
        await client.send(frame)
        expected = WS[action][role]
        while True:
            answer = await client.recv(heartbeats=action == "heartbeat")
            if answer["type"] in ("ack", "error", "resumed") or (
                action == "heartbeat" and answer["type"] == "heartbeat"
            ):
                break
        if expected == FORBIDDEN:
            assert (answer["type"], answer.get("code")) == ("error", "forbidden"), answer
            assert await sync_to_async(room_snapshot)(session) == before
        else:
            assert answer["type"] in ("ack", "resumed", "heartbeat"), answer
    finally:
        await client.close()
