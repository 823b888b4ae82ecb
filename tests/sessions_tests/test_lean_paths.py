"""The two paths every person takes most, kept lean: contributing, and a socket's connect.

Contributing is one transaction with a fixed number of statements however
busy the room is, each event is rendered once per audience and handed to the
channel layer once. A socket's connect is one trip to the database thread
(member, session, presence and the ``hello``), with a fixed number of queries.
"""

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions import consumers, events, services, visibility

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

# Lock the session, read the member again (role, name, team), lock the room's
# state, look for the client_id, store the contribution, advance last_seq,
# store the event.
CONTRIBUTE_STATEMENTS = 7


def _statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]


def _contribute(session, member, client_id: str) -> tuple[list[str], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        services.contribution_create(session_id=session.pk, member=member, client_id=client_id, text="Words " * 30)
    control = [q["sql"] for q in queries.captured_queries if q["sql"].upper().startswith(TRANSACTION_CONTROL)]
    return _statements(queries), control


def test_contributing_is_one_transaction_of_fixed_statements(open_session, participant, make_member):
    """The same few statements in an empty room and in a room of 200 words, no savepoint."""
    first, control = _contribute(open_session, participant, "first")
    assert len(first) == CONTRIBUTE_STATEMENTS, first
    assert not [sql for sql in control if sql.upper().startswith(("SAVEPOINT", "RELEASE"))]
    others = [make_member() for _ in range(5)]
    for i in range(200):
        services.contribution_create(session_id=open_session.pk, member=others[i % 5], client_id=f"c{i}", text="x")
    later, _ = _contribute(open_session, participant, "later")
    assert len(later) == CONTRIBUTE_STATEMENTS, later
    # Resending the same client_id stores nothing and reads less.
    again, _ = _contribute(open_session, participant, "later")
    assert len(again) < CONTRIBUTE_STATEMENTS
    assert not [sql for sql in again if sql.upper().startswith(("INSERT", "UPDATE"))]


def test_each_event_is_rendered_once_per_audience_and_broadcast_once(open_session, participant, monkeypatch):
    """An anonymous contribution has three audiences (the room, its author, the
    projector): at most three renderings, one message to the room's group."""
    rendered, sent = [], []
    real_render = visibility.render_event

    def counting_render(frame, **kwargs):
        rendered.append(kwargs["audience"])
        return real_render(frame, **kwargs)

    def capture(group, message):
        sent.append((group, message))

    monkeypatch.setattr(visibility, "render_event", counting_render)

    class Layer:
        async def group_send(self, group, message):
            capture(group, message)

    monkeypatch.setattr(events, "get_channel_layer", lambda: Layer())
    services.contribution_create(
        session_id=open_session.pk, member=participant, client_id="anon", text="Said once", consent="anonymous"
    )
    assert sorted(a.value for a in rendered) == sorted({a.value for a in rendered})
    assert len(rendered) <= 3
    assert [group for group, _ in sent] == [events.room_group(open_session.pk)]
    message = sent[0][1]
    assert message["type"] == "room.event" and message["seq"] >= 1
    assert set(message["encoded"]) <= {"room", "author", "projector"}


async def test_a_connect_is_one_trip_to_the_database_thread(open_session, participant, monkeypatch):
    """Member, session, presence and the hello come from one call on the
    database thread, whose query count does not grow with the room; a
    reconnect records no attendance again."""
    from tests.factories import MemberFactory

    from .conftest import join

    trips, counts = [], []
    real = consumers.socket_db

    def counting_db(func):
        wrapped = real(func)

        async def call(*args, **kwargs):
            trips.append(func.__name__)
            return await wrapped(*args, **kwargs)

        return call

    real_enter = services.room_enter

    def counted_enter(**kwargs):
        with CaptureQueriesContext(connection) as queries:
            entry = real_enter(**kwargs)
        counts.append(len(_statements(queries)))
        return entry

    monkeypatch.setattr(consumers, "socket_db", counting_db)
    monkeypatch.setattr(consumers.services, "room_enter", counted_enter)
    client = await join(participant, open_session)
    assert trips == ["counted_enter"]
    await client.close()
    # Attendance is recorded on the first connect only (three statements).
    client = await join(participant, open_session)
    await client.close()
    assert counts[0] == counts[1] + 3, counts

    def fill():
        other = MemberFactory(exchange=open_session.meeting.exchange)
        for i in range(50):
            services.contribution_create(session_id=open_session.pk, member=other, client_id=f"f{i}", text="x")

    await sync_to_async(fill)()
    client = await join(participant, open_session)
    await client.close()
    assert counts[1] == counts[2], counts
    assert counts[1] <= 16, counts  # 15 on SQLite; PostgreSQL adds the snapshot's isolation level
