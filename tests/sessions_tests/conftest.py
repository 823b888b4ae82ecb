"""Fixtures for the live room: sessions, and signed-in websocket clients over
the real ASGI application (origin check, cookie auth, URL router)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from sessions import services
from tests.factories import MeetingFactory, session_with_agenda


@pytest.fixture
def live_session(exchange):
    """A scheduled session of the exchange with a three-phase agenda."""
    return session_with_agenda(MeetingFactory(exchange=exchange))


@pytest.fixture
def open_session(live_session, facilitator):
    services.session_open(session_id=live_session.pk, member=facilitator)
    live_session.refresh_from_db()
    return live_session


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class RoomClient:
    """One browser tab in the room."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.communicator = communicator
        self.hello: dict | None = None
        self.closed = False

    async def send(self, frame) -> None:
        if isinstance(frame, str):
            await self.communicator.send_to(text_data=frame)
        else:
            await self.communicator.send_to(text_data=json.dumps(frame))

    async def recv(self, timeout: float = 3, heartbeats: bool = False) -> dict:
        while True:
            # A timeout in receive_from would cancel the application; wait
            # without touching it instead.
            if await self.communicator.receive_nothing(timeout=timeout, interval=0.005):
                raise TimeoutError
            frame = json.loads(await self.communicator.receive_from())
            if heartbeats or frame["type"] != "heartbeat":
                return frame

    async def recv_type(self, frame_type: str, timeout: float = 3) -> dict:
        """The next frame of a type, skipping others (events of earlier actions)."""
        while True:
            frame = await self.recv(timeout=timeout, heartbeats=frame_type == "heartbeat")
            if frame["type"] == frame_type:
                return frame

    async def request(self, frame: dict, timeout: float = 3) -> dict:
        """Send a frame and return its ack or error."""
        await self.send(frame)
        while True:
            answer = await self.recv(timeout=timeout)
            if answer["type"] in ("ack", "error"):
                return answer

    async def event(self, name: str, timeout: float = 3) -> dict:
        while True:
            frame = await self.recv(timeout=timeout)
            if frame["type"] == "event" and frame["event"] == name:
                return frame

    async def replay(self, since: int) -> list[dict]:
        """Send ``resume`` and return what comes before ``resumed`` (kept in ``self.resumed``)."""
        await self.send({"type": "resume", "since": since})
        frames = []
        while (frame := await self.recv())["type"] != "resumed":
            frames.append(frame)
        self.resumed = frame
        return frames

    async def drain(self, quiet: float = 0.2) -> list[dict]:
        frames = []
        while True:
            try:
                frames.append(await self.recv(timeout=quiet))
            except TimeoutError:
                return frames

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.communicator.disconnect()


async def open_socket(user, session_id: int, app=application) -> tuple[WebsocketCommunicator, bool, int | None]:
    """Open a socket to a room as ``user`` (None: signed out), through ``app``
    (the site's application, or one wrapped to act like a given server)."""
    headers = [(b"origin", b"http://testserver")]
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(app, f"/ws/sessions/{session_id}/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def project(member, session) -> RoomClient:
    """Open the projector's socket, signed in as ``member``, and read its hello."""
    cookie = await sync_to_async(session_cookie)(member.user)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/sessions/{session.pk}/?view=projector",
        headers=[(b"origin", b"http://testserver"), (b"cookie", f"sessionid={cookie}".encode())],
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    client = RoomClient(communicator)
    client.hello = await client.recv_type("hello")
    return client


async def join(member, session, app=application) -> RoomClient:
    """Connect a member's tab and read its hello."""
    communicator, connected, _ = await open_socket(member.user, session.pk, app)
    assert connected
    client = RoomClient(communicator)
    client.hello = await client.recv_type("hello")
    return client


@pytest.fixture
async def room():
    """Join members to a session; every tab still open is closed at the end."""
    clients: list[RoomClient] = []

    async def _join(member, session) -> RoomClient:
        client = await join(member, session)
        clients.append(client)
        return client

    yield _join
    for client in clients:
        try:
            await client.close()
        except Exception:
            pass
