"""Fixtures for the fault suite: an open room with people in it, their
session cookies, and checks of what the database and each client hold."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async

from sessions import services
from sessions.models import Contribution, RoomState, SessionEvent
from tests.factories import DialogueSessionFactory, MeetingFactory, PhaseFactory
from tests.sessions_tests.conftest import session_cookie

from .client import LiveClient


@dataclass
class Room:
    session: object
    facilitator: object
    people: list  # participants
    cookies: dict  # member pk -> session cookie value


@pytest.fixture
def open_room(exchange, make_member) -> Room:
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=60)
    facilitator = make_member("facilitator")
    services.session_open(session_id=session.pk, member=facilitator)
    people = [make_member("participant") for _ in range(4)]
    return Room(
        session=session,
        facilitator=facilitator,
        people=people,
        cookies={m.pk: session_cookie(m.user) for m in [facilitator, *people]},
    )


def last_seq_getter(session):
    @sync_to_async
    def get() -> int:
        from django.db import connection

        try:
            return RoomState.objects.get(session=session).last_seq
        finally:
            connection.close()  # the worker thread's; teardown drops the database

    return get


def assert_room_consistent(session, clients: list[LiveClient], *, in_writing_order: bool = True) -> dict:
    """The invariants every fault must keep; returns a few numbers for the report.

    * seq runs 1..N with no gap or repeat and RoomState.last_seq is N;
    * no half-written contribution: each has exactly one ``contribution_added``
      event naming it, and each such event names a stored contribution;
    * every contribution a person wrote (and did not have refused for good) is
      stored exactly once, under its client_id; every ack for it names that
      stored contribution and its event; a person's contributions are stored
      in the order they were written (``in_writing_order``: not when a client
      re-sends a refused one after newer ones went through);
    * nothing else was stored;
    * every client applied every event 1..(its last seq) exactly once, in
      order, equal to the stored ones, up to the last event (leaving the
      room is not an event: presence is not history).
    """
    events = list(SessionEvent.objects.filter(session=session).order_by("seq"))
    n = len(events)
    assert [e.seq for e in events] == list(range(1, n + 1))
    assert RoomState.objects.get(session=session).last_seq == n

    contributions = {c.pk: c for c in Contribution.objects.filter(session=session)}
    added = [e for e in events if e.name == "contribution_added"]
    per_contribution = Counter(e.contribution_id for e in added)
    assert set(per_contribution) == set(contributions), "event without contribution or contribution without event"
    assert max(per_contribution.values(), default=1) == 1, "a contribution announced twice"
    for e in added:
        assert e.payload["contribution"]["id"] == e.contribution_id
    event_of = {e.contribution_id: e for e in added}

    by_client_id = Counter(c.client_id for c in contributions.values())
    expected = []
    for client in clients:
        kept = [cid for cid in client.written if cid not in client.dropped]
        expected += kept
        seqs = []
        for cid in kept:
            assert by_client_id[cid] == 1, f"{client.name}: {cid} stored {by_client_id[cid]} times"
            stored = next(c for c in contributions.values() if c.client_id == cid)
            seq = event_of[stored.pk].seq
            seqs.append(seq)
            for ack in client.acks[cid]:
                assert (ack["type"], ack["seq"], ack["contribution_id"]) == ("ack", seq, stored.pk), (client.name, ack)
        if in_writing_order:
            assert seqs == sorted(seqs), f"{client.name}'s contributions stored out of order"
        for cid in client.dropped:
            assert by_client_id[cid] <= 1
    assert sorted(expected) == sorted(c.client_id for c in contributions.values() if c.client_id in set(expected))
    assert len(contributions) == len(expected) + sum(1 for c in clients for cid in c.dropped if by_client_id[cid]), (
        "a contribution nobody wrote"
    )

    # Clients stop listening when they leave, and leaving records nothing.
    last_contribution = max((e.seq for e in added), default=0)
    assert [e.seq for e in events if e.seq > min(c.last_seq for c in clients)] == []
    for client in clients:
        assert client.last_seq >= last_contribution, client.name
        assert sorted(client.events) == list(range(1, client.last_seq + 1)), client.name
        for e in events[: client.last_seq]:
            frame = client.events[e.seq]
            assert (frame["event"], frame["actor"]) == (e.name, e.actor_id), (client.name, e.seq)
            if e.name == "contribution_added":
                assert frame["contribution"]["id"] == e.contribution_id
    return {
        "events": n,
        "contributions": len(contributions),
        "acked": sum(1 for c in clients for cid in c.written if c.acks[cid]),
        "reacked": sum(1 for c in clients for cid in c.written if len(c.acks[cid]) > 1),
        "dropped": sum(len(c.dropped) for c in clients),
        "reconnects": {c.name: c.hellos - 1 for c in clients},
        "resumes": {c.name: dict(c.resume_reasons) for c in clients},
        "error_codes": dict(Counter(e["code"] for c in clients for e in c.errors)),
    }
