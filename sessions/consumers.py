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

from asgiref.sync import async_to_sync, sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from core.db import socket_db
from core.middleware import language_choose
from participants.access import member_access_group
from participants.models import Member

from . import events, permissions, selectors, services, sockets, visibility
from .models import DialogueSession
from .presence import PresenceUnavailable
from .protocol import FRAMES, ErrorCode, RoomError, decode, frame_client_id, validate
from .services.presence import REFUSED_CHANGED, REFUSED_FORBIDDEN, REFUSED_NOT_FOUND

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# The person's rights changed (a new role, a removal, a deleted account):
# the client reconnects at once and is let in only with the rights it has now.
CLOSE_ACCESS_CHANGED = 4401
# The room could not be entered (the records out of reach): reconnect with back-off.
CLOSE_INTERNAL_ERROR = 1011

# ``?view=projector``: a shared screen that watches the room without being in it.
PROJECTOR_VIEW = "projector"

_REFUSED = {
    REFUSED_NOT_FOUND: CLOSE_NOT_FOUND,
    REFUSED_FORBIDDEN: CLOSE_FORBIDDEN,
    REFUSED_CHANGED: CLOSE_ACCESS_CHANGED,
}


def _view(scope: dict[str, Any]) -> str:
    """The view the socket asks for; anything but the projector is the ordinary room."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return PROJECTOR_VIEW if query.get("view", [""])[-1] == PROJECTOR_VIEW else "room"


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
    registered = False
    replaying = False
    # The socket is closing (or its client is gone): nothing more is sent.
    closing = False
    # Every event up to this seq has gone out in the ``hello``'s snapshot or a
    # replay: a live copy at or below it is never sent.
    floor = 0

    # What ``sessions.sockets`` reads of a socket it holds.
    session_id = 0
    member_id = 0
    connected_role = ""
    # The socket's person's language (``_language``), chosen on its first message.
    language: str | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # However the consumer ends (a disconnect, an error in a handler, a
        # cancelled task at shutdown), it leaves the room: out of the
        # process's sockets, its groups and presence.
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._leave()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Handle one message, without Channels' per-message connection sweep.

        Channels runs ``close_old_connections`` on the database thread before
        every message a consumer handles: one trip to that one thread per
        socket per room event, so an event heard by 1,200 sockets queued 1,200
        trips behind the room's writes and every delivery waited for them.
        This consumer touches the database only through ``socket_db``, which
        does that sweep around each of its own calls.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        # Every text this socket's person is sent (an error's ``message``, the
        # hello) in their language (docs/languages.md), read once per socket.
        with translation.override(self._language()):
            await handler(message)

    def _language(self) -> str:
        language = getattr(self, "language", None)
        if language is None:
            headers = dict(self.scope.get("headers") or [])
            language = self.language = language_choose(
                user=self.scope.get("user"),
                cookie=(self.scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME),
                accept=headers.get(b"accept-language", b"").decode("latin-1"),
            )
        return language

    async def connect(self) -> None:
        # Accept first so the close code reaches the client (a refused
        # handshake carries none).
        await self.accept()
        self.my_groups: list[str] = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.projector = _view(self.scope) == PROJECTOR_VIEW
        try:
            entry = await socket_db(services.room_enter)(
                session_id=self.scope["url_route"]["kwargs"]["session_id"],
                user=user,
                channel_name=self.channel_name,
                projector=self.projector,
                subscribe=self._subscribe,
            )
        except Exception:
            # The records or Redis out of reach: leave what was joined; the
            # client reconnects with back-off.
            logger.warning("Could not let a socket into the room", exc_info=True)
            self.joined = not self.projector and self.member_id != 0
            await self._leave()
            await self.close(code=CLOSE_INTERNAL_ERROR)
            return
        if entry.refused is not None:
            await self._leave()
            await self.close(code=_REFUSED[entry.refused])
            return
        assert entry.session is not None and entry.member is not None and entry.hello is not None
        self.session, self.member = entry.session, entry.member
        self.session_id, self.member_id = entry.session.pk, entry.member.pk
        # The groups follow this role; a socket whose role changes is closed.
        self.connected_role = entry.member.exchange_role
        self.joined = not self.projector
        self.bucket = TokenBucket(settings.LIVE_ROOM["RATE_PER_10S"])
        self.floor = int(entry.hello["last_seq"])
        await self._send(entry.hello)
        sockets.register(self)
        self.registered = True
        if entry.arrived:
            sockets.presence_changed(self.session_id)

    def _subscribe(self, session: DialogueSession, member: Member) -> None:
        """Join this socket's groups; called by ``room_enter`` before it reads the
        ``hello``, so nothing after the snapshot can slip by unheard.

        A projector hears the room's events only: never a member's private
        frames or the facilitators' signals, whoever is signed in at the
        shared screen.
        """
        self.session_id, self.member_id = session.pk, member.pk
        groups = [events.room_group(session.pk), member_access_group(member.pk)]
        if not self.projector:
            groups.append(events.member_group(session.pk, member.pk))
            if permissions.runs_room(member):
                groups.append(events.facilitators_group(session.pk))
        self.my_groups.extend(groups)
        # One trip to the event loop for all of them: this runs on the one
        # database thread, which waits meanwhile.
        async_to_sync(self._join_groups)(groups)

    async def _join_groups(self, groups: list[str]) -> None:
        await asyncio.gather(*(self.channel_layer.group_add(group, self.channel_name) for group in groups))

    async def disconnect(self, code: int) -> None:
        self.closing = True
        await self._leave()

    async def _leave(self) -> None:
        """Out of the process's sockets, the channel groups and presence; once."""
        if self.registered:
            self.registered = False
            sockets.unregister(self)
        groups, self.my_groups = getattr(self, "my_groups", []), []
        if groups:
            try:
                async with sockets.layer_slot():
                    for group in groups:
                        await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.warning("Could not leave the room's groups", exc_info=True)
        if self.joined:
            self.joined = False
            try:
                left = await sync_to_async(services.presence_leave, thread_sensitive=False)(
                    session_id=self.session_id, member_id=self.member_id, channel_name=self.channel_name
                )
            except Exception:
                logger.warning("Could not record leaving the room", exc_info=True)
            else:
                if left:
                    sockets.presence_changed(self.session_id)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.member is None:
            return
        raw: dict[str, Any] | None = None
        try:
            if text_data is None:
                if bytes_data is not None and len(bytes_data) > settings.LIVE_ROOM["MAX_FRAME_BYTES"]:
                    raise RoomError(ErrorCode.TOO_LONG, gettext_lazy("The frame is too large."))
                raise RoomError(ErrorCode.BAD_REQUEST, gettext_lazy("Frames are JSON text."))
            raw = decode(text_data)
            if raw.get("type") != "heartbeat" and not self.bucket.take():
                raise RoomError(
                    ErrorCode.RATE_LIMITED, gettext_lazy("Too many messages; wait a moment and send again.")
                )
            frame = validate(raw)
            await self._dispatch(frame)
        except RoomError as error:
            await self._error(error, frame_client_id(raw))
        except (DatabaseError, PresenceUnavailable):
            # The records could not be reached (an outage, a failover): the
            # transaction rolled back, so nothing changed. Say so with a code
            # the client retries, so words typed now are kept and sent again.
            logger.warning("Live room frame met a database error", exc_info=True)
            await self._error(
                RoomError(
                    ErrorCode.UNAVAILABLE, gettext_lazy("The room's records are out of reach for a moment; try again.")
                ),
                frame_client_id(raw),
            )
        except Exception:
            logger.exception("Live room frame failed")
            await self._error(
                RoomError(ErrorCode.BAD_REQUEST, gettext_lazy("That could not be done; nothing was changed.")),
                frame_client_id(raw),
            )

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        # Only a socket let in dispatches (``receive`` returns early otherwise).
        assert self.session is not None and self.member is not None
        kind = frame["type"]
        if not permissions.can(self.member, kind, projector=self.projector):
            if self.projector:
                raise RoomError(ErrorCode.FORBIDDEN, gettext_lazy("The projector view only watches the room."))
            raise RoomError(ErrorCode.FORBIDDEN, gettext_lazy("Your role in this exchange may not do that."))
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
        result = await socket_db(service)(session_id=self.session.pk, member=self.member, **spec.service_kwargs(frame))
        ack = {"type": "ack", "action": kind, **result}
        if "client_id" in frame:
            ack["client_id"] = frame["client_id"]
        await self._send(ack)

    async def _replay(self, since: int) -> None:
        """Send every room event after ``since``, in order, then ``resumed``.

        Each is rendered for this socket from the room as it stands now
        (``selectors.replay_frames``): a withdrawn text, an earlier revision
        or a name hidden since never goes out again, nor any words after close.
        Live events that arrive meanwhile wait in the socket's channel (a
        consumer handles one message at a time) and follow the replay; those
        it already sent are dropped by ``room_event``. A replay is the one
        way an event at or below the ``hello``'s seq reaches a socket: only
        when the client asks for it.
        """
        assert self.session is not None and self.member is not None
        last = since
        self.replaying = True
        try:
            while True:
                frames, last = await socket_db(selectors.replay_frames)(
                    session_id=self.session.pk, since=last, viewer_id=self.member.pk, projector=self.projector
                )
                for frame in frames:
                    await self._send(frame)
                if frames:
                    self.floor = max(self.floor, frames[-1]["seq"])
                if len(frames) < selectors.REPLAY_PAGE:
                    break
            last_seq = await socket_db(selectors.room_last_seq)(session_id=self.session.pk)
        finally:
            self.replaying = False
        await self._send({"type": "resumed", "last_seq": max(last, last_seq)})

    async def _heartbeat(self) -> None:
        await self.beat(await sockets.room_last_seq(self.session_id))

    # --- Called by ``sessions.sockets`` for every socket of the process ---------

    async def beat(self, last_seq: int) -> None:
        # A heartbeat in the middle of a replay would make the client ask again.
        if self.replaying or self.closing:
            return
        await self._send({"type": "heartbeat", "last_seq": last_seq, "server_time": timezone.now().isoformat()})

    async def rights_changed(self) -> None:
        await self.close(code=CLOSE_ACCESS_CHANGED)

    async def shut(self, code: int) -> None:
        await self.close(code=code)

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        # After its close frame a socket sends nothing (both servers refuse it).
        if self.closing:
            return
        self.closing = True
        try:
            await super().close(code=code, reason=reason)
        except Exception:
            logger.info("A room socket was gone before its close", exc_info=True)

    # --- Channel-layer messages ----------------------------------------------------

    async def room_frame(self, message: dict[str, Any]) -> None:
        """A private frame from a service (the member's own tabs, or the facilitators)."""
        if self.member is None or self.closing:
            return
        await self._send(message["frame"])

    async def room_presence(self, message: dict[str, Any]) -> None:
        """Who is in the room now: unsequenced, shaped by ``selectors.presence_frame``
        and encoded once for every socket."""
        if self.member is None or self.closing:
            return
        await self._send_text(message["text"])

    async def room_event(self, message: dict[str, Any]) -> None:
        """A room event, already rendered per audience: pick this socket's encoding."""
        if self.member is None or self.closing:
            return
        # Already sent in the hello's snapshot or a replay. Live events are
        # not counted: one may overtake another from a second process, and
        # the later must not hide the earlier.
        if message.get("seq", self.floor + 1) <= self.floor:
            return
        await self._send_text(
            visibility.pick(
                message["encoded"], author_id=message["author_id"], viewer_id=self.member.pk, projector=self.projector
            )
        )

    async def member_access_changed(self, message: dict[str, Any]) -> None:
        """This person's rights changed: close, so the client reconnects with the new ones."""
        await self.close(code=CLOSE_ACCESS_CHANGED)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self._send_text(json.dumps(frame, separators=(",", ":")))

    async def _send_text(self, text: str) -> None:
        """Send, unless closing; a client already gone marks the socket closing
        instead of failing the handler (which would end the consumer unheard)."""
        if self.closing:
            return
        try:
            await self.send(text_data=text)
        except Exception:
            self.closing = True
            logger.info("A room socket's client was gone", exc_info=True)

    async def _error(self, error: RoomError, client_id: str | None) -> None:
        frame = {"type": "error", "code": error.code, "message": error.message}
        if client_id is not None:
            frame["client_id"] = client_id
        await self._send(frame)
