"""Property tests of the room's event log under concurrent writers on PostgreSQL.

Each writer is a thread with its own database connection calling the services
directly, as several ASGI processes would. Whatever the interleaving, the
room's seq runs 1..N with no gap or repeat, RoomState.last_seq is N, and every
event that names a contribution names one that exists (and each contribution
is announced exactly once).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from sessions import services
from sessions.models import Contribution, RoomState, SessionEvent
from sessions.protocol import RoomError
from tests.factories import DialogueSessionFactory, MeetingFactory, PhaseFactory

from .conftest import FUZZ

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


@pytest.fixture
def room(exchange, make_member):
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=60)
    facilitator = make_member("facilitator")
    services.session_open(session_id=session.pk, member=facilitator)
    return session, [facilitator, *[make_member("participant") for _ in range(3)]]


def assert_log_consistent(session) -> int:
    events = list(SessionEvent.objects.filter(session=session).order_by("seq"))
    n = len(events)
    assert [e.seq for e in events] == list(range(1, n + 1))
    assert RoomState.objects.get(session=session).last_seq == n
    contributions = set(Contribution.objects.filter(session=session).values_list("pk", flat=True))
    named = {e.contribution_id for e in events if e.contribution_id is not None}
    assert named <= contributions, "an event names a contribution that does not exist"
    added = Counter(e.contribution_id for e in events if e.name == "contribution_added")
    assert set(added) == contributions and set(added.values()) <= {1}
    return n


def run_threads(jobs) -> list[BaseException]:
    """Run each job in its own thread (own connection); return what they raised."""
    failures: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def wrap(job):
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return failures


def test_concurrent_contributors_get_contiguous_seqs(room):
    """Six writers, 15 contributions each, at once: 90 contributions, seq gap-free,
    each writer's own contributions in its own order."""
    session, people = room
    before = RoomState.objects.get(session=session).last_seq
    results: dict[int, list[int]] = {}

    def writer(i):
        def job():
            member = people[i % len(people)]
            seqs = results.setdefault(i, [])
            for k in range(15):
                ack = services.contribution_create(
                    session_id=session.pk, member=member, client_id=f"w{i}-{k}", text=f"writer {i} point {k}"
                )
                seqs.append(ack["seq"])

        return job

    assert run_threads([writer(i) for i in range(6)]) == []
    n = assert_log_consistent(session)
    assert n == before + 90
    assert sorted(s for seqs in results.values() for s in seqs) == sorted(
        SessionEvent.objects.filter(session=session, name="contribution_added").values_list("seq", flat=True)
    )
    assert all(seqs == sorted(seqs) for seqs in results.values())


ACTIONS = ["contribute", "contribute", "edit", "withdraw", "ack", "hand_raise", "hand_lower", "call_next", "resend"]


def _act(session, people, member_i: int, action: str, pick: int) -> None:
    """One room action by one person; refusals (RoomError) are part of the game."""
    member = people[member_i]
    mine = list(
        Contribution.objects.filter(session=session, author=member, withdrawn_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    anyone = list(Contribution.objects.filter(session=session, withdrawn_at__isnull=True).values_list("pk", flat=True))
    try:
        if action == "contribute":
            services.contribution_create(
                session_id=session.pk, member=member, client_id=str(uuid.uuid4()), text=f"p{pick}"
            )
        elif action == "resend":
            services.contribution_create(
                session_id=session.pk, member=member, client_id=f"same-{pick % 3}", text="again"
            )
        elif action == "edit" and mine:
            services.contribution_edit(
                session_id=session.pk, member=member, contribution_id=mine[pick % len(mine)], text=f"e{pick}"
            )
        elif action == "withdraw" and mine:
            services.contribution_withdraw(session_id=session.pk, member=member, contribution_id=mine[pick % len(mine)])
        elif action == "ack" and anyone:
            services.acknowledgement_create(
                session_id=session.pk, member=member, contribution_id=anyone[pick % len(anyone)]
            )
        elif action == "hand_raise":
            services.hand_raise(session_id=session.pk, member=member, kind="new_point")
        elif action == "hand_lower":
            services.hand_lower(session_id=session.pk, member=member)
        elif action == "call_next":
            services.queue_call_next(session_id=session.pk, member=people[0])
    except RoomError:
        pass


@given(
    plan=st.lists(
        st.lists(st.tuples(st.integers(0, 3), st.sampled_from(ACTIONS), st.integers(0, 50)), min_size=1, max_size=8),
        min_size=2,
        max_size=4,
    )
)
@FUZZ
def test_interleaved_room_actions_keep_the_log_contiguous(plan, room):
    """Random plans of contribute / edit / withdraw / acknowledge / raise, lower
    and call hands / resend a client_id, run by 2-4 threads at once: seq stays
    contiguous 1..N, every event's contribution exists, each contribution is
    announced once, and a client_id resent by anyone is stored once."""
    session, people = room

    def runner(steps):
        return lambda: [_act(session, people, *step) for step in steps]

    assert run_threads([runner(steps) for steps in plan]) == []
    assert_log_consistent(session)
    same = Counter(
        Contribution.objects.filter(session=session, client_id__startswith="same-").values_list("client_id", flat=True)
    )
    assert set(same.values()) <= {1}
