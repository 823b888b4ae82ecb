"""Refusals by role: a refused action answers ``forbidden`` and changes nothing."""

import pytest
from asgiref.sync import sync_to_async

from sessions import permissions, selectors, services
from sessions.models import Contribution, QueueEntry, RoomState, SessionEvent
from tests.factories import DialogueSessionFactory, MeetingFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

FACILITATOR_FRAMES = [
    {"type": "session_close"},
    {"type": "phase_advance"},
    {"type": "phase_set", "phase_id": 1},
    {"type": "pause"},
    {"type": "resume_room"},
    {"type": "queue_call_next"},
    {"type": "queue_reorder", "order": [1]},
    {"type": "queue_clear"},
    {"type": "round_start", "order": "random"},
    {"type": "turn_skip"},
    {"type": "turn_extend", "seconds": 30},
    {"type": "round_end"},
    {"type": "reflection_start", "seconds": 60},
    {"type": "reflection_end"},
    {"type": "theme_create", "name": "Hope"},
    {"type": "theme_tag", "contribution_id": 1, "theme_id": 1},
    {"type": "theme_untag", "contribution_id": 1, "theme_id": 1},
    {"type": "signal_dismiss", "signal_id": 1},
    {"type": "session_open"},
]


async def snapshot(session):
    room = await RoomState.objects.aget(session=session)
    return (
        room.last_seq,
        room.paused,
        room.current_phase_id,
        await SessionEvent.objects.acount(),
        await Contribution.objects.acount(),
        await QueueEntry.objects.acount(),
    )


@pytest.mark.parametrize("role", ["participant", "scribe"])
async def test_only_facilitators_run_the_room(room, open_session, make_member, role):
    member = await sync_to_async(make_member)(role)
    client = await room(member, open_session)
    before = await snapshot(open_session)
    for frame in FACILITATOR_FRAMES:
        error = await client.request({**frame, "client_id": frame["type"]})
        assert (error["type"], error["code"], error["client_id"]) == ("error", "forbidden", frame["type"]), frame
    assert await snapshot(open_session) == before


async def test_participant_may_not_capture(room, open_session, participant, facilitator):
    client = await room(participant, open_session)
    before = await snapshot(open_session)
    error = await client.request(
        {"type": "capture", "client_id": "c", "speaker_member_id": facilitator.pk, "text": "Words"}
    )
    assert error["code"] == "forbidden"
    assert await snapshot(open_session) == before


async def test_convener_runs_the_room(room, live_session, convener):
    client = await room(convener, live_session)
    assert (await client.request({"type": "session_open"}))["type"] == "ack"
    assert (await client.request({"type": "pause"}))["type"] == "ack"


def test_services_refuse_a_member_of_another_exchange(open_session, outsider):
    from sessions.protocol import RoomError

    with pytest.raises(RoomError) as refused:
        services.contribution_create(session_id=open_session.pk, member=outsider, client_id="x", text="hi")
    assert refused.value.code == "forbidden"


def test_role_tables():
    assert "capture" in permissions.SCRIBE_ACTIONS and "capture" not in permissions.PARTICIPANT_ACTIONS
    assert permissions.SCRIBE_ACTIONS < permissions.FACILITATOR_ACTIONS


def test_hello_is_built_in_a_fixed_number_of_queries(open_session, facilitator, participant):
    """However much the room holds, the state takes the same few queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n, start):
        for i in range(start, start + n):
            services.presence_join(session_id=open_session.pk, member=participant, channel_name=f"c{i}")
            r = services.contribution_create(
                session_id=open_session.pk, member=participant, client_id=f"k{i}", text=f"Point {i}"
            )
            services.acknowledgement_create(
                session_id=open_session.pk, member=facilitator, contribution_id=r["contribution_id"]
            )

    def count():
        session, member = selectors.session_get_for_user(session_id=open_session.pk, user=facilitator.user)
        with CaptureQueriesContext(connection) as queries:
            state = selectors.room_state_for_member(session=session, member=member)
        return len(queries), state

    add(1, 0)
    services.hand_raise(session_id=open_session.pk, member=participant, kind="new_point")
    services.round_start(session_id=open_session.pk, member=facilitator, order="by_team")
    services.pause_request(session_id=open_session.pk, member=participant)
    small, _ = count()
    add(30, 1)
    large, state = count()
    assert small == large <= 17
    assert len(state["state"]["contributions"]) == 31
    assert state["state"]["contributions"][0]["acks"] == 1
    assert len(state["state"]["signals"]) == 1


def test_session_get_for_user(open_session, participant, outsider, stranger):
    from django.http import Http404

    session, member = selectors.session_get_for_user(session_id=open_session.pk, user=participant.user)
    assert (session.pk, member.pk) == (open_session.pk, participant.pk)
    for user in (outsider.user, stranger):
        with pytest.raises(Http404):
            selectors.session_get_for_user(session_id=open_session.pk, user=user)
    with pytest.raises(Http404):
        selectors.session_get_for_user(session_id=999999, user=participant.user)


def test_sessions_are_separate_rooms(open_session, participant, facilitator):
    """Each session numbers its own events from 1."""
    other = DialogueSessionFactory(meeting=MeetingFactory(exchange=open_session.meeting.exchange))
    services.session_open(session_id=other.pk, member=facilitator)
    assert RoomState.objects.get(session=other).last_seq == 1
