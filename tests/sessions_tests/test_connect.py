"""Connecting to a live room: who is let in, and what they are told first."""

import pytest

from participants.models import Attendance, SessionAttendance
from sessions import presence

from .conftest import open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]


async def test_member_gets_hello_with_full_state(room, live_session, participant):
    """A member is accepted and told the room's state and the seq it reflects."""
    client = await room(participant, live_session)
    hello = client.hello
    assert hello["type"] == "hello"
    assert hello["session"]["id"] == live_session.pk
    assert hello["session"]["state"] == "scheduled"
    assert hello["you"]["member_id"] == participant.pk
    assert "contribute" in hello["you"]["actions"] and "session_open" not in hello["you"]["actions"]
    assert [m["id"] for m in hello["state"]["present"]] == [participant.pk]
    assert hello["last_seq"] == 0  # arriving is not an event of the room's history
    assert [p["title"] for p in hello["state"]["phases"]] == ["Opening round", "Stories", "Closing"]
    assert hello["state"]["not_yet_spoken"] is None
    assert hello["state"]["signals"] == []


async def test_anonymous_is_closed_4403(live_session):
    communicator, connected, _ = await open_socket(None, live_session.pk)
    assert connected
    assert (await communicator.receive_output(timeout=3))["code"] == 4403


async def test_outsider_is_closed_4403(live_session, outsider):
    """A member of another exchange is refused and nothing is recorded."""
    communicator, connected, _ = await open_socket(outsider.user, live_session.pk)
    assert (await communicator.receive_output(timeout=3))["code"] == 4403
    assert presence.store().member_ids(live_session.pk) == set()


async def test_unknown_session_is_closed_4404(participant):
    communicator, connected, _ = await open_socket(participant.user, 999999)
    assert (await communicator.receive_output(timeout=3))["code"] == 4404


async def test_bad_origin_is_refused(live_session, participant):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    communicator = WebsocketCommunicator(
        application, f"/ws/sessions/{live_session.pk}/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect(timeout=3)
    assert not connected


async def test_joining_an_open_session_records_attendance(room, open_session, participant):
    """Being present while the session is open is attending it: the meeting and the session."""
    await room(participant, open_session)
    assert await Attendance.objects.filter(member=participant, meeting_id=open_session.meeting_id).aexists()
    assert await SessionAttendance.objects.filter(member=participant, session=open_session).aexists()


async def test_joining_a_scheduled_session_records_no_attendance(room, live_session, participant):
    """Opening the room of a session that has not started is not attending it:
    nobody can give themselves "was there" (and the archive access it brings)."""
    await room(participant, live_session)
    assert not await Attendance.objects.filter(member=participant).aexists()
    assert not await SessionAttendance.objects.filter(member=participant).aexists()


async def test_people_waiting_when_the_room_opens_attend(room, live_session, participant, facilitator):
    """Whoever is in the room when the facilitator opens it is in the session."""
    await room(participant, live_session)
    fac = await room(facilitator, live_session)
    await fac.request({"type": "session_open"})
    assert await SessionAttendance.objects.filter(member=participant, session=live_session).aexists()


async def test_joining_a_closed_session_records_no_attendance(room, open_session, participant, facilitator):
    fac = await room(facilitator, open_session)
    await fac.request({"type": "session_close"})
    await room(participant, open_session)
    assert not await SessionAttendance.objects.filter(member=participant).aexists()
