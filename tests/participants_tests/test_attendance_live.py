"""Attendance recorded when a member joins a live session."""

import pytest

from participants.models import Attendance
from participants.services import attendance_record_live
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_joining_live_records_attendance_once(participant):
    """Joining a live session twice leaves one LIVE attendance row."""
    meeting = MeetingFactory(exchange=participant.exchange)
    first = attendance_record_live(member=participant, meeting=meeting)
    second = attendance_record_live(member=participant, meeting=meeting)
    assert first.pk == second.pk
    assert first.source == Attendance.Source.LIVE
    assert Attendance.objects.filter(member=participant, meeting=meeting).count() == 1


def test_joining_live_never_downgrades_a_facilitator_mark(participant, facilitator):
    """A facilitator's mark stays MARKED when the member later joins live."""
    meeting = MeetingFactory(exchange=participant.exchange)
    Attendance.objects.create(
        member=participant, meeting=meeting, source=Attendance.Source.MARKED, recorded_by=facilitator.user
    )
    row = attendance_record_live(member=participant, meeting=meeting)
    assert row.source == Attendance.Source.MARKED
    assert Attendance.objects.get(member=participant, meeting=meeting).source == Attendance.Source.MARKED


def test_joining_live_refuses_a_meeting_of_another_exchange(participant, outsider):
    """A member cannot be recorded at another exchange's meeting."""
    meeting = MeetingFactory(exchange=outsider.exchange)
    with pytest.raises(ValueError):
        attendance_record_live(member=participant, meeting=meeting)
    assert not Attendance.objects.exists()
