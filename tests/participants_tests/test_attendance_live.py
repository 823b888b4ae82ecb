"""Attendance recorded when members are present in a session's open live room."""

import pytest

from participants.models import Attendance, SessionAttendance
from participants.services import attendance_record_live
from tests.factories import DialogueSessionFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def _open_session(exchange, **kwargs):
    return DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange), state="open", **kwargs)


def test_being_present_records_the_session_and_the_meeting_once(participant):
    """Being in the room twice (a reconnect, a second tab) leaves one session row and one LIVE meeting row."""
    session = _open_session(participant.exchange)
    attendance_record_live(member_ids=[participant.pk], session=session)
    attendance_record_live(member_ids=[participant.pk, participant.pk], session=session)
    assert list(SessionAttendance.objects.values_list("member_id", "session_id")) == [(participant.pk, session.pk)]
    row = Attendance.objects.get()
    assert (row.member_id, row.meeting_id, row.source) == (participant.pk, session.meeting_id, Attendance.Source.LIVE)


def test_a_second_session_of_the_same_meeting_adds_a_session_row_only(participant):
    """Each session attended is its own fact; the meeting is attended once."""
    first = _open_session(participant.exchange)
    second = DialogueSessionFactory(meeting=first.meeting, state="open", title="Afternoon session")
    attendance_record_live(member_ids=[participant.pk], session=first)
    attendance_record_live(member_ids=[participant.pk], session=second)
    assert set(SessionAttendance.objects.values_list("session_id", flat=True)) == {first.pk, second.pk}
    assert Attendance.objects.filter(member=participant, meeting=first.meeting).count() == 1


def test_being_present_never_downgrades_a_facilitator_mark(participant, facilitator):
    """A facilitator's mark stays MARKED when the member later joins live; the session is still recorded."""
    session = _open_session(participant.exchange)
    Attendance.objects.create(
        member=participant, meeting=session.meeting, source=Attendance.Source.MARKED, recorded_by=facilitator.user
    )
    attendance_record_live(member_ids=[participant.pk], session=session)
    row = Attendance.objects.get(member=participant, meeting=session.meeting)
    assert (row.source, row.recorded_by) == (Attendance.Source.MARKED, facilitator.user)
    assert SessionAttendance.objects.filter(member=participant, session=session).exists()


def test_members_of_another_exchange_are_not_recorded(participant, outsider):
    """Someone from another exchange is never recorded at this exchange's session or meeting."""
    session = _open_session(participant.exchange)
    attendance_record_live(member_ids=[outsider.pk], session=session)
    assert not Attendance.objects.exists()
    assert not SessionAttendance.objects.exists()
    attendance_record_live(member_ids=[outsider.pk, participant.pk], session=session)
    assert list(Attendance.objects.values_list("member_id", flat=True)) == [participant.pk]
    assert list(SessionAttendance.objects.values_list("member_id", flat=True)) == [participant.pk]
