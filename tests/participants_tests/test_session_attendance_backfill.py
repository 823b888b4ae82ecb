"""Sessions run before per-session attendance: presence is read back from the event log."""

import importlib
import itertools

import pytest
from django.apps import apps

from participants.models import SessionAttendance
from sessions import services
from tests.factories import DialogueSessionFactory, MeetingFactory

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("participants.migrations.0003_session_attendance_from_the_event_log").backfill
_channels = itertools.count()


def _join(session, member) -> str:
    channel = f"test.backfill.{next(_channels)}"
    services.presence_join(session_id=session.pk, member=member, channel_name=channel)
    return channel


def test_the_event_log_gives_back_who_was_in_each_session(exchange, facilitator, make_member):
    """Present at the open, or joining while open, counts; joining a scheduled
    or closed room, or leaving before the open, does not."""
    live_session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    waited = make_member("participant", display_name="Waited for the open")
    left_early = make_member("participant", display_name="Left before the open")
    joined_later = make_member("participant", display_name="Joined while open")
    after_close = make_member("participant", display_name="Came after the close")
    _join(live_session, waited)
    services.presence_leave(channel_name=_join(live_session, left_early))
    services.session_open(session_id=live_session.pk, member=facilitator)
    _join(live_session, joined_later)
    services.session_close(session_id=live_session.pk, member=facilitator)
    _join(live_session, after_close)
    recorded = set(SessionAttendance.objects.values_list("member_id", "session_id"))
    assert recorded == {(waited.pk, live_session.pk), (joined_later.pk, live_session.pk)}

    SessionAttendance.objects.all().delete()
    backfill(apps, None)
    assert set(SessionAttendance.objects.values_list("member_id", "session_id")) == recorded
