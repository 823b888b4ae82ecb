"""Seq allocation under concurrent writers, on PostgreSQL's row locks."""

import threading

import pytest
from django.db import connection

from sessions import services
from sessions.models import Contribution, RoomState, SessionEvent
from tests.factories import MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def _run_in_threads(targets) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(fn):
        def run():
            try:
                barrier.wait()
                fn()
            except BaseException as exc:  # collected and re-raised by the test
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.parametrize("writers, each", [(8, 15), (16, 5)])
def test_seq_is_gap_free_under_concurrent_writers(open_session, exchange, writers, each):
    """Whatever the interleaving, seqs run 1..N with no gap and no repeat."""
    members = [MemberFactory(exchange=exchange) for _ in range(writers)]
    start = RoomState.objects.get(session=open_session).last_seq

    def writer(member):
        def go():
            for i in range(each):
                services.contribution_create(
                    session_id=open_session.pk, member=member, client_id=f"{member.pk}-{i}", text=f"{i}"
                )
                if i % 5 == 0:
                    services.hand_raise(session_id=open_session.pk, member=member, kind="new_point")
                    services.hand_lower(session_id=open_session.pk, member=member)

        return go

    assert _run_in_threads([writer(m) for m in members]) == []
    seqs = list(SessionEvent.objects.filter(session=open_session).order_by("seq").values_list("seq", flat=True))
    last = RoomState.objects.get(session=open_session).last_seq
    assert seqs == list(range(1, last + 1))
    assert Contribution.objects.count() == writers * each
    assert last - start == writers * each + writers * 2 * len(range(0, each, 5))


def test_same_client_id_raced_stores_one(open_session, participant):
    """Several connections resending one client_id at once store it once."""
    results = []

    def send():
        results.append(
            services.contribution_create(
                session_id=open_session.pk, member=participant, client_id="raced", text="Only once"
            )
        )

    assert _run_in_threads([send] * 8) == []
    assert Contribution.objects.filter(client_id="raced").count() == 1
    assert len({(r["seq"], r["contribution_id"]) for r in results}) == 1
