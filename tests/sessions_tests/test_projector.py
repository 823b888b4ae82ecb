"""The projector view (``?view=projector``): a shared screen that watches the
room without being in it and never shows anything private."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from participants.models import Attendance, Commitment
from sessions import permissions, presence, selectors, services
from sessions.models import Contribution, PauseSignal, ReflectionNote
from sessions.protocol import FRAMES

from .conftest import RoomClient, project

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

OFF_RECORD = "Off the record: what the chief said in the car"
NOTE = "My private worry about the youth council"


@pytest.fixture
async def projector():
    clients: list[RoomClient] = []

    async def _open(member, session) -> RoomClient:
        client = await project(member, session)
        clients.append(client)
        return client

    yield _open
    for client in clients:
        await client.close()


async def test_projector_is_not_presence_and_records_no_attendance(
    room, projector, live_session, facilitator, participant
):
    """Nobody is told the projector arrived or left; it is not in ``present``
    and the person signed in at it has not attended the meeting."""
    fac = await room(facilitator, live_session)
    screen = await projector(participant, live_session)
    assert [m["id"] for m in screen.hello["state"]["present"]] == [facilitator.pk]
    assert presence.store().member_ids(live_session.pk) == {facilitator.pk}
    assert not await Attendance.objects.filter(member=participant).aexists()
    await screen.close()
    frames = await fac.drain(0.6)
    assert [f for f in frames if f["type"] == "event"] == []
    # Presence frames (the facilitator's own arrival) never name the projector's person.
    assert all(participant.pk not in [m["id"] for m in f["present"]] for f in frames if f["type"] == "presence")
    # A second look by a newcomer: still only the facilitator is present.
    again = await room(facilitator, live_session)
    assert [m["id"] for m in again.hello["state"]["present"]] == [facilitator.pk]


async def test_projector_is_never_put_into_a_round(room, projector, open_session, facilitator, participant):
    """A go-around covers the people present; a projector signed in as a
    participant is not one of them, and cannot be captured as a speaker."""
    fac = await room(facilitator, open_session)
    await projector(participant, open_session)
    ack = await fac.request(
        {"type": "round_start", "order": "random", "turn_seconds": None, "include_facilitators": True}
    )
    assert ack["type"] == "ack"
    started = await fac.event("round_started")
    assert [t["member"]["id"] for t in started["round"]["turns"]] == [facilitator.pk]
    arranged = await fac.request({"type": "round_end"})
    assert arranged["type"] == "ack"
    refused = await fac.request(
        {
            "type": "round_start",
            "order": "arranged",
            "member_ids": [participant.pk],
            "turn_seconds": None,
            "include_facilitators": True,
        }
    )
    assert refused["type"] == "error"
    captured = await fac.request(
        {"type": "capture", "client_id": "c1", "speaker_member_id": participant.pk, "text": "Said aloud"}
    )
    assert captured["code"] == "not_found"


async def test_projector_hello_carries_only_public_state(room, projector, open_session, facilitator, participant):
    """Even signed in as a facilitator: no contribution text, note, commitment,
    pause signal, off-the-record words or list of who has not spoken."""
    await room(participant, open_session)
    now = timezone.now()
    await Contribution.objects.acreate(
        session=open_session, author=participant, kind="story", text=OFF_RECORD, consent="off_record", created_at=now
    )
    await ReflectionNote.objects.acreate(session=open_session, member=facilitator, text=NOTE, updated_at=now)
    await PauseSignal.objects.acreate(session=open_session, member=participant, created_at=now)
    await Commitment.objects.acreate(session=open_session, member=facilitator, text="Ride along with patrol")
    fac = await room(facilitator, open_session)
    await fac.request({"type": "hand_raise", "kind": "new_point"})
    await fac.request({"type": "reflection_start", "seconds": 120})

    hello = (await projector(facilitator, open_session)).hello
    assert set(hello) == {"type", "last_seq", "server_time", "session", "you", "state"}
    assert hello["you"] == {"view": "projector", "actions": ["heartbeat", "resume"]}
    assert set(hello["state"]) == {
        "server_time",
        "phases",
        "current_phase",
        "present",
        "queue",
        "queue_current",
        "round",
        "reflection",
    }
    assert hello["session"]["question"] == open_session.question
    assert hello["state"]["current_phase"]["title"] == "Opening round"
    assert {m["display_name"] for m in hello["state"]["present"]} == {
        participant.display_name,
        facilitator.display_name,
    }
    assert [e["member"]["id"] for e in hello["state"]["queue"]] == [facilitator.pk]
    assert hello["state"]["reflection"]["ends_at"]
    text = json.dumps(hello)
    for private in (OFF_RECORD, NOTE, "Ride along", "signals", "not_yet_spoken", "contributions", "commitment"):
        assert private not in text
    assert hello["last_seq"] == fac.hello["last_seq"] + 2


# A well-formed value for each required field, so the answer is about the role.
FIELDS = {
    "text": "Words",
    "kind": "new_point",
    "consent": "named",
    "order": "random",
    "seconds": 60,
    "name": "Youth voice",
}
FIELDS_BY_FRAME = {"queue_reorder": {"order": [1]}, "contribute": {"kind": "story"}, "capture": {"kind": "story"}}


def well_formed(frame_type: str) -> dict:
    frame = {"type": frame_type, "client_id": "p1"}
    for field, (_check, required) in FRAMES[frame_type].fields.items():
        if required and field != "client_id":
            frame[field] = FIELDS_BY_FRAME.get(frame_type, {}).get(field, FIELDS.get(field, 1))
    return frame


@pytest.mark.parametrize("frame_type", sorted(set(FRAMES) - permissions.PROJECTOR_ACTIONS))
async def test_projector_may_not_act(projector, open_session, facilitator, frame_type):
    """Every frame but resume and heartbeat is forbidden, even for a facilitator
    at the projector, and changes nothing."""
    screen = await projector(facilitator, open_session)
    answer = await screen.request(well_formed(frame_type))
    assert answer["type"] == "error" and answer["code"] == "forbidden" and answer["client_id"] == "p1"
    assert (await screen.drain()) == []


async def test_projector_resumes_and_heartbeats(room, projector, open_session, facilitator, participant):
    screen = await projector(participant, open_session)
    since = screen.hello["last_seq"]
    fac = await room(facilitator, open_session)
    await fac.request({"type": "phase_advance"})
    await screen.drain()
    await screen.send({"type": "resume", "since": since})
    replayed = []
    while True:
        frame = await screen.recv()
        if frame["type"] == "resumed":
            break
        replayed.append(frame)
    assert [f["event"] for f in replayed] == ["phase_changed"]
    assert frame["last_seq"] == since + 1
    await screen.send({"type": "heartbeat", "last_seq": since})
    beat = await screen.recv_type("heartbeat")
    assert beat["last_seq"] == since + 1


async def test_projector_events_carry_no_words_and_no_private_frames(
    room, projector, open_session, facilitator, participant
):
    """Events reach the projector with their seq but without contribution
    texts or "what I heard" lines, live and replayed; private notes and pause
    signals never reach it, though a facilitator is signed in at it."""
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    screen = await projector(facilitator, open_session)
    since = screen.hello["last_seq"]
    ack = await me.request(
        {"type": "contribute", "client_id": "w1", "text": OFF_RECORD, "kind": "story", "consent": "off_record"}
    )
    await fac.request({"type": "contribution_edit", "contribution_id": ack["contribution_id"], "text": "x"})
    await fac.request(
        {"type": "acknowledge", "contribution_id": ack["contribution_id"], "reflection": "Heard: the car ride"}
    )
    await me.request({"type": "pause_request"})
    await fac.request({"type": "note_save", "text": NOTE})
    await fac.request({"type": "reflection_start", "seconds": 60})
    live = await screen.drain(quiet=0.5)
    # The timer is not words: a reflection's end time reaches the screen.
    started = next(f for f in live if f.get("event") == "reflection_started")
    assert started["reflection"]["ends_at"]
    # Besides events, only who is present (names the room already sees).
    assert {f["type"] for f in live} <= {"event", "presence"}
    # Nor who said what: an event about a contribution reaches the screen bare,
    # so its id can never be joined to an author (anonymous words included).
    added = next(f for f in live if f.get("event") == "contribution_added")
    assert added == {k: added[k] for k in ("type", "seq", "event", "at")} | {"actor": None}
    assert "acknowledgement_added" in [f.get("event") for f in live]
    await screen.send({"type": "resume", "since": since})
    replayed = await screen.drain(quiet=0.5)
    for frames in (live, replayed):
        text = json.dumps(frames)
        for private in (OFF_RECORD, NOTE, "Heard: the car ride"):
            assert private not in text
        for frame in frames:
            if frame.get("event") in ("contribution_added", "contribution_edited", "acknowledgement_added"):
                assert "contribution" not in frame and "contribution_id" not in frame and frame["actor"] is None


async def test_projector_hello_reads_in_fixed_queries(open_session, facilitator, participant):
    """The public state costs the same few queries however busy the room is."""

    def count() -> int:
        services.presence_join(session_id=open_session.pk, member=participant, channel_name="x")
        for _ in range(3):
            services.hand_raise(session_id=open_session.pk, member=participant, kind="new_point")
        services.round_start(session_id=open_session.pk, member=facilitator, order="by_team", turn_seconds=None)
        with CaptureQueriesContext(connection) as queries:
            selectors.room_state_public(session=open_session)
        return len([q for q in queries.captured_queries if q["sql"].upper().startswith("SELECT")])

    assert await sync_to_async(count)() <= 7
