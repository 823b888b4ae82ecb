"""Fixtures for fuzzing the live room: a populated room, a room of another
exchange (and another session of ours) whose ids the fuzzer borrows, and a
hypothesis settings profile sized for a 2-core machine."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings

from sessions import services
from sessions.models import Phase, Theme
from tests.factories import ExchangeFactory, MeetingFactory, MemberFactory, session_with_agenda

from .harness import Harness

# One profile for every fuzz suite: FUZZ_EXAMPLES scales it (CI may raise it);
# deadline off because a frame's round trip includes database work on a
# shared machine; the fixtures are deliberately shared by all examples of a
# test (one room, one socket), which is what the health check warns about.
settings.register_profile(
    "cg-fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("cg-fuzz")


def cid() -> str:
    return str(uuid.uuid4())


@dataclass
class Side:
    """One exchange's view: a session and the ids that live in it."""

    session: object
    facilitator: object
    participant: object
    other: object  # a second participant
    scribe: object
    phase_ids: list[int]
    theme_ids: list[int]
    contribution_ids: list[int]  # [participant's, other's, facilitator's]
    entry_id: int  # the other participant's waiting hand
    signal_id: int  # the other participant's open pause request
    client_ids: list[str]


def _populate(exchange, make) -> Side:
    session = session_with_agenda(MeetingFactory(exchange=exchange))
    facilitator, participant, other, scribe = (
        make("facilitator"),
        make("participant"),
        make("participant"),
        make("scribe"),
    )
    services.session_open(session_id=session.pk, member=facilitator)
    client_ids, contribution_ids = [], []
    for author in (participant, other, facilitator):
        client_id = cid()
        result = services.contribution_create(
            session_id=session.pk, member=author, client_id=client_id, text=f"Words of {author.display_name}"
        )
        client_ids.append(client_id)
        contribution_ids.append(result["contribution_id"])
    entry = services.hand_raise(session_id=session.pk, member=other, kind="new_point")
    signal = services.pause_request(session_id=session.pk, member=other)
    return Side(
        session=session,
        facilitator=facilitator,
        participant=participant,
        other=other,
        scribe=scribe,
        phase_ids=list(Phase.objects.filter(session=session).order_by("order").values_list("pk", flat=True)),
        theme_ids=list(Theme.objects.filter(exchange=exchange).values_list("pk", flat=True)),
        contribution_ids=contribution_ids,
        entry_id=entry["entry_id"],
        signal_id=signal["signal_id"],
        client_ids=client_ids,
    )


@pytest.fixture
def fuzz_settings(settings):
    """No rate limit to trip over and no unasked heartbeats between answers.

    The in-memory channel layer even when REDIS_URL is set: the fuzzer drives
    the consumer (one process), and the Redis layer's connections and locks
    belong to the event loop that first used them, which each test replaces.
    Broadcast across processes over Redis is the fault suite's business."""
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "RATE_PER_10S": 1_000_000, "HEARTBEAT_SECONDS": 3600}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return settings


@pytest.fixture
def ours(exchange, make_member, fuzz_settings) -> Side:
    return _populate(exchange, make_member)


@pytest.fixture
def theirs(db) -> Side:
    """A room of another exchange, with the same kinds of rows as ours."""
    other_exchange = ExchangeFactory()
    return _populate(other_exchange, lambda role: MemberFactory(exchange=other_exchange, exchange_role=role))


@pytest.fixture
def sibling(exchange, make_member, ours) -> Side:
    """Another session of our own exchange (same people may be in both)."""
    return _populate(exchange, make_member)


@pytest.fixture
def harness():
    h = Harness()
    yield h
    h.close()
