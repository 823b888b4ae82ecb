"""Sessions run before per-session attendance: presence is read back from the event log.

Those sessions' logs recorded each arrival and departure as ``presence_joined``
and ``presence_left`` events (presence has since left the log); the helpers
below write them as they were written then.
"""

import importlib
import itertools

import pytest
from django.apps import apps
from django.db import transaction

from participants.models import Member, SessionAttendance
from sessions import events, services
from tests.factories import DialogueSessionFactory, MeetingFactory

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("participants.migrations.0003_session_attendance_from_the_event_log").backfill
_channels = itertools.count()


def _logged(session, name: str, payload: dict) -> None:
    with transaction.atomic():
        locked, room = events.lock_room(session_id=session.pk)
        events.record(session=locked, room=room, name=name, payload=payload, actor=None)


def _join(session, member) -> tuple[Member, str]:
    channel = f"test.backfill.{next(_channels)}"
    services.presence_join(session_id=session.pk, member=member, channel_name=channel)
    _logged(session, "presence_joined", {"member": {"id": member.pk}})
    return member, channel


def _leave(session, joined: tuple[Member, str]) -> None:
    member, channel = joined
    services.presence_leave(session_id=session.pk, member_id=member.pk, channel_name=channel)
    _logged(session, "presence_left", {"member_id": member.pk})


def test_the_event_log_gives_back_who_was_in_each_session(exchange, facilitator, make_member):
    """Present at the open, or joining while open, counts; joining a scheduled
    or closed room, or leaving before the open, does not."""
    live_session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    waited = make_member("participant", display_name="Waited for the open")
    left_early = make_member("participant", display_name="Left before the open")
    joined_later = make_member("participant", display_name="Joined while open")
    after_close = make_member("participant", display_name="Came after the close")
    _join(live_session, waited)
    _leave(live_session, _join(live_session, left_early))
    services.session_open(session_id=live_session.pk, member=facilitator)
    _join(live_session, joined_later)
    services.session_close(session_id=live_session.pk, member=facilitator)
    _join(live_session, after_close)
    recorded = set(SessionAttendance.objects.values_list("member_id", "session_id"))
    assert recorded == {(waited.pk, live_session.pk), (joined_later.pk, live_session.pk)}

    SessionAttendance.objects.all().delete()
    backfill(apps, None)
    assert set(SessionAttendance.objects.values_list("member_id", "session_id")) == recorded
