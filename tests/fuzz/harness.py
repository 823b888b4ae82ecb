"""Driving the live room from a plain (sync) test, one frame at a time.

Hypothesis runs its examples synchronously, so the sockets live on an event
loop the test owns: ``Harness.run`` steps it for one frame and its answer,
and between frames the test reads the database with the ordinary ORM.

The sockets go through the real ASGI application (origin check, cookie auth,
URL router) by way of the live room tests' helpers in ``tests.sessions_tests.conftest``.
"""

from __future__ import annotations

import asyncio
import json
import logging

from django.apps import apps

from tests.sessions_tests.conftest import RoomClient, open_socket

# Every error code docs/protocol.md §2 documents.
DOCUMENTED_CODES = {
    "bad_request",
    "forbidden",
    "too_long",
    "rate_limited",
    "session_closed",
    "not_found",
    "paused",
    "conflict",
}

# Rows whose change is not a change to the room: a socket's liveness stamp.
_VOLATILE: set[tuple[str, str]] = set()


def snapshot() -> dict:
    """Every row of the live room's tables and of what a room action may touch
    elsewhere (commitments, attendance), as plain tuples: equal snapshots mean nothing changed."""
    data = {}
    models = [
        *apps.get_app_config("dialogue_sessions").get_models(),
        apps.get_model("participants", "Commitment"),
        apps.get_model("participants", "Attendance"),
    ]
    for model in models:
        label = model._meta.label
        fields = [f.attname for f in model._meta.concrete_fields if (label, f.attname) not in _VOLATILE]
        data[label] = list(model.objects.order_by("pk").values_list(*fields))
    return data


def diff(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ, with the first differing row, for messages."""
    out = []
    for label in before:
        if before[label] != after[label]:
            gone = [r for r in before[label] if r not in after[label]][:1]
            new = [r for r in after[label] if r not in before[label]][:1]
            out.append(f"{label}: -{gone} +{new}")
    return out


class ServerErrors(logging.Handler):
    """Collects ERROR records (``logger.exception`` in the consumer: a frame
    that blew up inside the server instead of being refused by a check)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def take(self) -> list[str]:
        out = [f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage() for r in self.records]
        self.records.clear()
        return out

    LOGGERS = ("sessions", "django", "channels", "daphne", "asyncio")

    def __enter__(self):
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc):
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)


class Harness:
    """An event loop owned by a sync test, and the room sockets on it."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.clients: list[RoomClient] = []
        self.errors = ServerErrors().__enter__()

    def run(self, coro, timeout: float = 30):
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def join(self, member, session) -> RoomClient:
        async def _join():
            communicator, connected, code = await open_socket(member.user, session.pk)
            assert connected, code
            client = RoomClient(communicator)
            client.hello = await client.recv_type("hello")
            await client.drain(0.05)
            return client

        client = self.run(_join())
        self.clients.append(client)
        return client

    def answer(self, client: RoomClient, frame, *, binary: bool = False, timeout: float = 5) -> tuple[dict, list[dict]]:
        """Send one frame; return its answer (ack, error, heartbeat or resumed)
        and the events that came before it."""

        async def _answer():
            # send_input, not send_to: send_to refuses empty frames, which a
            # real client can send.
            if binary:
                message = {"type": "websocket.receive", "bytes": frame}
            else:
                message = {"type": "websocket.receive", "text": frame if isinstance(frame, str) else json.dumps(frame)}
            await client.communicator.send_input(message)
            seen = []
            while True:
                got = await client.recv(timeout=timeout, heartbeats=True)
                if got["type"] in ("ack", "error", "heartbeat", "resumed"):
                    return got, seen
                seen.append(got)

        return self.run(_answer())

    def assert_open(self, client: RoomClient) -> None:
        """The socket is still up: a client heartbeat is answered."""
        answer, _ = self.answer(client, {"type": "heartbeat"})
        assert answer["type"] == "heartbeat", answer

    def close(self) -> None:
        for client in self.clients:
            try:
                self.run(client.close(), timeout=5)
            except Exception:
                pass
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()
        self.errors.__exit__(None, None, None)
