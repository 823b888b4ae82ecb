"""The live room's websocket: parse a frame, call a service, answer.

Nothing here decides what the room may do; ``sessions.services`` does, and
the database is the record. The socket only adds what belongs to one
connection: its rate limit, its heartbeat, and its place in the channel
groups (the room, the member's own tabs, and the facilitators).
"""

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from core.selectors import member_get
from participants.access import member_access_group
from participants.models import Member

from . import events, permissions, selectors, services, visibility
from .models import DialogueSession
from .protocol import FRAMES, ErrorCode, RoomError, decode, frame_client_id, validate
from .services import presence

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# The person's rights changed (a new role, a removal, a deleted account):
# the client reconnects at once and is let in only with the rights it has now.
CLOSE_ACCESS_CHANGED = 4401

# ``?view=projector``: a shared screen that watches the room without being in it.
PROJECTOR_VIEW = "projector"


def _view(scope: dict[str, Any]) -> str:
    """The view the socket asks for; anything but the projector is the ordinary room."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return PROJECTOR_VIEW if query.get("view", [""])[-1] == PROJECTOR_VIEW else "room"


def _resolve(session_id: int, user: Any) -> tuple[int | None, DialogueSession | None, Member | None]:
    """(close code, session, member): who is knocking, and may they come in."""
    session = DialogueSession.objects.select_related("meeting").filter(pk=session_id).first()
    if session is None:
        return CLOSE_NOT_FOUND, None, None
    member = member_get(user=user, exchange_id=session.meeting.exchange_id)
    if member is None:
        return CLOSE_FORBIDDEN, None, None
    return None, session, member


# session id -> (monotonic time read, last_seq): one read per room per second
# serves every socket of that room in this process, instead of one query per
# socket per heartbeat. Heartbeats only need to be recent, not instant: a
# client that learns of a missed event a second later still resumes.
_LAST_SEQ_CACHE: dict[int, tuple[float, int]] = {}
LAST_SEQ_CACHE_SECONDS = 1.0


async def _room_last_seq(session_id: int) -> int:
    now = time.monotonic()
    cached = _LAST_SEQ_CACHE.get(session_id)
    if cached is not None and now - cached[0] < LAST_SEQ_CACHE_SECONDS:
        return cached[1]
    last_seq: int = await database_sync_to_async(selectors.room_last_seq)(session_id=session_id)
    _LAST_SEQ_CACHE[session_id] = (now, last_seq)
    return last_seq


class TokenBucket:
    """``rate`` frames per 10 seconds, in bursts of up to ``rate``."""

    def __init__(self, rate: int):
        self.capacity = float(rate)
        self.tokens = float(rate)
        self.per_second = rate / 10.0
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RoomConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels ships no types: the base is Any
    session: DialogueSession | None = None
    member: Member | None = None
    joined = False
    projector = False
    heartbeat_task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        # Accept first so the close code reaches the client (a refused
        # handshake carries none).
        await self.accept()
        self.my_groups: list[str] = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        code, session, member = await database_sync_to_async(_resolve)(
            self.scope["url_route"]["kwargs"]["session_id"], user
        )
        if code is not None:
            await self.close(code=code)
            return
        self.session, self.member = session, member
        # The groups below follow this role; a socket whose role changes is closed.
        self.connected_role = member.exchange_role
        self.projector = _view(self.scope) == PROJECTOR_VIEW
        self.bucket = TokenBucket(settings.LIVE_ROOM["RATE_PER_10S"])
        # Join the groups before reading the state, so nothing after the
        # state's last_seq can slip by unheard. A projector hears the room's
        # events only: never a member's private frames or the facilitators'
        # signals, whoever is signed in at the shared screen.
        self.my_groups = [events.room_group(session.pk), member_access_group(member.pk)]
        if not self.projector:
            self.my_groups.append(events.member_group(session.pk, member.pk))
            if permissions.runs_room(member):
                self.my_groups.append(events.facilitators_group(session.pk))
        for group in self.my_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        if self.projector:
            # Not presence, not attendance, never a turn in a go-around.
            hello = await database_sync_to_async(selectors.room_state_public)(session=session)
        else:
            await database_sync_to_async(services.presence_join)(
                session_id=session.pk, member=member, channel_name=self.channel_name
            )
            self.joined = True
            hello = await database_sync_to_async(selectors.room_state_for_member)(session=session, member=member)
        await self._send(hello)
        self.heartbeat_task = asyncio.create_task(self._heartbeat_loop())

    async def disconnect(self, code: int) -> None:
        if self.heartbeat_task is not None:
            self.heartbeat_task.cancel()
        for group in getattr(self, "my_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.joined:
            self.joined = False
            try:
                await database_sync_to_async(services.presence_leave)(channel_name=self.channel_name)
            except Exception:
                logger.warning("Could not record leaving the room", exc_info=True)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.member is None:
            return
        raw: dict[str, Any] | None = None
        try:
            if text_data is None:
                if bytes_data is not None and len(bytes_data) > settings.LIVE_ROOM["MAX_FRAME_BYTES"]:
                    raise RoomError(ErrorCode.TOO_LONG, "The frame is too large.")
                raise RoomError(ErrorCode.BAD_REQUEST, "Frames are JSON text.")
            raw = decode(text_data)
            if raw.get("type") != "heartbeat" and not self.bucket.take():
                raise RoomError(ErrorCode.RATE_LIMITED, "Too many messages; wait a moment and send again.")
            frame = validate(raw)
            await self._dispatch(frame)
        except RoomError as error:
            await self._error(error, frame_client_id(raw))
        except DatabaseError:
            # The records could not be reached (an outage, a failover): the
            # transaction rolled back, so nothing changed. Say so with a code
            # the client retries, so words typed now are kept and sent again.
            logger.warning("Live room frame met a database error", exc_info=True)
            await self._error(
                RoomError(ErrorCode.UNAVAILABLE, "The room's records are out of reach for a moment; try again."),
                frame_client_id(raw),
            )
        except Exception:
            logger.exception("Live room frame failed")
            await self._error(
                RoomError(ErrorCode.BAD_REQUEST, "That could not be done; nothing was changed."), frame_client_id(raw)
            )

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        # Only a socket let in dispatches (``receive`` returns early otherwise).
        assert self.session is not None and self.member is not None
        kind = frame["type"]
        if not permissions.can(self.member, kind, projector=self.projector):
            if self.projector:
                raise RoomError(ErrorCode.FORBIDDEN, "The projector view only watches the room.")
            raise RoomError(ErrorCode.FORBIDDEN, "Your role in this exchange may not do that.")
        if kind == "heartbeat":
            await self._heartbeat()
            return
        if kind == "resume":
            await self._replay(frame["since"])
            return
        spec = FRAMES[kind]
        # Only the frames answered above have no service.
        assert spec.service is not None
        service = getattr(services, spec.service)
        result = await database_sync_to_async(service)(
            session_id=self.session.pk, member=self.member, **spec.service_kwargs(frame)
        )
        ack = {"type": "ack", "action": kind, **result}
        if "client_id" in frame:
            ack["client_id"] = frame["client_id"]
        await self._send(ack)

    async def _replay(self, since: int) -> None:
        """Send every room event after ``since``, in order, then ``resumed``.

        Each is rendered for this socket from the room as it stands now
        (``selectors.replay_frames``): a withdrawn text, an earlier revision
        or a name hidden since never goes out again, nor any words after close.
        """
        assert self.session is not None and self.member is not None
        last = since
        while True:
            frames, last = await database_sync_to_async(selectors.replay_frames)(
                session_id=self.session.pk, since=last, viewer_id=self.member.pk, projector=self.projector
            )
            for frame in frames:
                await self._send(frame)
            if len(frames) < selectors.REPLAY_PAGE:
                break
        last_seq = await database_sync_to_async(selectors.room_last_seq)(session_id=self.session.pk)
        await self._send({"type": "resumed", "last_seq": max(last, last_seq)})

    async def _heartbeat(self) -> None:
        assert self.session is not None
        last_seq = await _room_last_seq(self.session.pk)
        await self._send({"type": "heartbeat", "last_seq": last_seq, "server_time": timezone.now().isoformat()})

    async def _heartbeat_loop(self) -> None:
        # Started by ``connect`` once the socket is let in.
        assert self.member is not None
        period = settings.LIVE_ROOM["HEARTBEAT_SECONDS"]
        since_touch = 0.0
        while True:
            try:
                await asyncio.sleep(period)
                since_touch += period
                if since_touch >= presence.PRESENCE_TOUCH_SECONDS:
                    since_touch = 0.0
                    # The channel layer may have dropped a rights change: look again.
                    role = await database_sync_to_async(services.presence_touch)(
                        channel_name=self.channel_name if self.joined else None, member_id=self.member.pk
                    )
                    if role != self.connected_role:
                        await self.close(code=CLOSE_ACCESS_CHANGED)
                        return
                await self._heartbeat()
            except asyncio.CancelledError:
                return
            except Exception:
                # One failed beat (the database away for a moment) must not
                # silence the socket for good: clients would all reconnect at
                # once and presence would lapse. Log it and beat again.
                logger.warning("Live room heartbeat failed; trying again", exc_info=True)

    async def room_frame(self, message: dict[str, Any]) -> None:
        """A private frame from a service (the member's own tabs, or the facilitators)."""
        await self._send(message["frame"])

    async def room_event(self, message: dict[str, Any]) -> None:
        """A room event, already rendered per audience: pick this socket's encoding."""
        # Only a socket let in has joined the room's group.
        assert self.member is not None
        await self.send(
            text_data=visibility.pick(
                message["encoded"], author_id=message["author_id"], viewer_id=self.member.pk, projector=self.projector
            )
        )

    async def member_access_changed(self, message: dict[str, Any]) -> None:
        """This person's rights changed: close, so the client reconnects with the new ones."""
        await self.close(code=CLOSE_ACCESS_CHANGED)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def _error(self, error: RoomError, client_id: str | None) -> None:
        frame = {"type": "error", "code": error.code, "message": error.message}
        if client_id is not None:
            frame["client_id"] = client_id
        await self._send(frame)
