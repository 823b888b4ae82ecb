"""Fixtures for the scheduling pages: a meeting, a session in it, and form data."""

import datetime as dt
import zoneinfo

import pytest

from tests.factories import DialogueSessionFactory, MeetingFactory, PhaseFactory

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def meeting(exchange):
    """Meeting 1, 7 March 2030, 09:00–17:00 in New York."""
    return MeetingFactory(
        exchange=exchange,
        number=1,
        title="Opening meeting",
        time_zone="America/New_York",
        starts_at=dt.datetime(2030, 3, 7, 9, 0, tzinfo=NEW_YORK),
        ends_at=dt.datetime(2030, 3, 7, 17, 0, tzinfo=NEW_YORK),
    )


@pytest.fixture
def session(meeting):
    """A morning session, 09:00–12:00, with a two-phase agenda."""
    session = DialogueSessionFactory(
        meeting=meeting,
        title="Morning session",
        planned_start=meeting.starts_at,
        planned_end=meeting.starts_at + dt.timedelta(hours=3),
    )
    PhaseFactory(session=session, order=1, title="Welcome", planned_minutes=20)
    PhaseFactory(session=session, order=2, title="Go-around", planned_minutes=90)
    return session


@pytest.fixture
def meeting_data():
    def make(**overrides):
        data = {
            "number": "2",
            "title": "Second meeting",
            "time_zone": "America/New_York",
            "starts_local": "2030-06-10T09:00",
            "ends_local": "2030-06-10T17:00",
            "mode": "in_person",
            "place": "Town Hall, 5 Elm Street",
            "link": "",
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def session_data():
    def make(phases=(), **overrides):
        data = {
            "title": "Afternoon session",
            "question": "What is one thing you have tried to improve trust?",
            "guiding_prompts": "What have you tried?\nWhy?\n\nHow is it working?",
            "starts_local": "2030-03-07T13:00",
            "ends_local": "2030-03-07T16:00",
            "attribution_default": "named",
        }
        rows = list(phases) + [("", "")] * 3
        data.update(
            {
                "phases-TOTAL_FORMS": str(len(rows)),
                "phases-INITIAL_FORMS": "0",
                "phases-MIN_NUM_FORMS": "0",
                "phases-MAX_NUM_FORMS": "30",
            }
        )
        for i, (title, minutes) in enumerate(rows):
            data[f"phases-{i}-title"] = title
            data[f"phases-{i}-planned_minutes"] = str(minutes)
        data.update(overrides)
        return data

    return make
