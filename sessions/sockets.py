"""This process's open room sockets, and the work done once for all of them.

A process holds many sockets of a few rooms. What would otherwise cost a
query or a Redis call per socket is done here once per room or once per
process and handed to each socket:

* the heartbeat: one read of every room's ``last_seq`` per period;
* keeping presence alive: one Redis pipeline per touch period;
* looking again at each person's rights (the channel layer may have dropped
  a change): one query per touch period;
* telling the room who is here: arrivals and departures within a moment are
  coalesced into one unsequenced ``presence`` frame per room, and entries of a
  process that died are noticed when they lapse.

``close_all`` closes every socket (server shutdown: code 1012, "come back to
another process").
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation

from core.db import socket_db

from . import events, presence, selectors

logger = logging.getLogger(__name__)


class RoomSocket(Protocol):
    session_id: int
    member_id: int
    channel_name: str
    # Marked present (a projector watches without being in the room).
    joined: bool
    connected_role: str

    async def beat(self, last_seq: int) -> None: ...
    async def rights_changed(self) -> None: ...
    async def shut(self, code: int) -> None: ...


_sockets: dict[int, set[RoomSocket]] = {}
_ticker: asyncio.Task[None] | None = None
_presence_pending: set[int] = set()
# The presence broadcasts in flight (a task nobody holds may be collected mid-way).
_presence_tasks: set[asyncio.Task[None]] = set()
# Member ids this process last told each room were present.
_presence_told: dict[int, set[int]] = {}
# session id -> (monotonic time read, last_seq), refreshed by the ticker.
_last_seq: dict[int, tuple[float, int]] = {}
LAST_SEQ_CACHE_SECONDS = 1.0


def _in_site_language(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., Coroutine[Any, Any, None]]:
    """Room-wide work runs in the site's language, not in the person's whose message started it.

    A task copies the context it is created in, and the consumer handles each
    message inside ``translation.override`` of its socket's person: without
    this, the ticker or a presence broadcast would carry one person's language
    into every room it serves. They send codes, not sentences, today.
    """

    @functools.wraps(fn)
    async def wrapped(*args: Any, **kwargs: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            await fn(*args, **kwargs)

    return wrapped


def register(socket: RoomSocket) -> None:
    """Count a socket that is let in (after its ``hello`` went out)."""
    global _ticker
    _sockets.setdefault(socket.session_id, set()).add(socket)
    loop = asyncio.get_running_loop()
    if _ticker is None or _ticker.done() or _ticker.get_loop() is not loop:
        _ticker = loop.create_task(_tick())


def unregister(socket: RoomSocket) -> None:
    global _ticker
    room = _sockets.get(socket.session_id)
    if room is not None:
        room.discard(socket)
        if not room:
            del _sockets[socket.session_id]
            _last_seq.pop(socket.session_id, None)
    if not _sockets and _ticker is not None:
        _ticker.cancel()
        _ticker = None


def count() -> int:
    return sum(len(room) for room in _sockets.values())


def forget_all() -> None:
    """Drop every socket and the ticker (tests: each runs its own event loop,
    and a socket it left open must not be beaten from the next)."""
    global _ticker
    if _ticker is not None:
        _ticker.cancel()
        _ticker = None
    _sockets.clear()
    _presence_pending.clear()
    _presence_told.clear()
    _last_seq.clear()


async def close_all(code: int) -> None:
    """Close every room socket of this process with ``code``, all at once.

    Each close frame goes out without waiting for another socket's; a socket
    that cannot be closed (already gone) is skipped, never raised.
    """
    results = await asyncio.gather(
        *(socket.shut(code) for room in list(_sockets.values()) for socket in list(room)), return_exceptions=True
    )
    failed = sum(1 for r in results if isinstance(r, BaseException))
    if failed:
        logger.warning("Could not close %s room sockets", failed)


# A process's sockets leaving at once (a shutdown, a network drop) would each
# open Redis connections for their group discards; redis-py's pool is bounded
# (100), so they take turns.
LAYER_CONCURRENCY = 32
_layer_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def layer_slot() -> asyncio.Semaphore:
    """A turn at the channel layer for a socket's leaving, per event loop."""
    loop = asyncio.get_running_loop()
    slot = _layer_slots.get(loop)
    if slot is None:
        for old in [other for other in _layer_slots if other.is_closed()]:
            del _layer_slots[old]
        slot = _layer_slots[loop] = asyncio.Semaphore(LAYER_CONCURRENCY)
    return slot


async def room_last_seq(session_id: int) -> int:
    """The room's last seq, read at most once a second per room for every socket."""
    now = time.monotonic()
    cached = _last_seq.get(session_id)
    if cached is not None and now - cached[0] < LAST_SEQ_CACHE_SECONDS:
        return cached[1]
    last_seq: int = await socket_db(selectors.room_last_seq)(session_id=session_id)
    _last_seq[session_id] = (now, last_seq)
    return last_seq


# --- Who is here ------------------------------------------------------------------


def presence_changed(session_id: int) -> None:
    """Someone arrived or left: tell the room shortly, once for all who did meanwhile."""
    if session_id in _presence_pending:
        return
    _presence_pending.add(session_id)
    loop = asyncio.get_running_loop()

    def start() -> None:
        task = loop.create_task(_send_presence(session_id))
        _presence_tasks.add(task)
        task.add_done_callback(_presence_tasks.discard)

    loop.call_later(settings.LIVE_ROOM["PRESENCE_COALESCE_SECONDS"], start)


@_in_site_language
async def _send_presence(session_id: int) -> None:
    _presence_pending.discard(session_id)
    try:
        frame, member_ids = await socket_db(selectors.presence_frame)(session_id=session_id)
        _presence_told[session_id] = member_ids
        if frame is None:
            return
        layer = get_channel_layer()
        if layer is not None:
            text = json.dumps(frame, separators=(",", ":"))
            await layer.group_send(events.room_group(session_id), {"type": "room.presence", "text": text})
    except Exception:
        # Presence is a hint: the next change or touch period tells the room again.
        logger.warning("Could not tell room %s who is present", session_id, exc_info=True)


# --- The ticker -----------------------------------------------------------------------


@_in_site_language
async def _tick() -> None:
    """Beat every period and touch every ``TOUCH_SECONDS``; each step on its
    own, so a failing one (the database or Redis away for a moment) never
    stops the others, nor itself the next time."""
    period = settings.LIVE_ROOM["HEARTBEAT_SECONDS"]
    since_touch = 0.0
    while _sockets:
        try:
            await asyncio.sleep(period)
        except asyncio.CancelledError:
            return
        since_touch += period
        steps = [_beat_all]
        if since_touch >= presence.TOUCH_SECONDS:
            since_touch = 0.0
            steps += [_touch_all, _recheck_rights, _notice_lapsed]
        for step in steps:
            try:
                await step()
            except asyncio.CancelledError:
                return
            except Exception:
                logger.warning("Live room %s failed; trying again next time", step.__name__, exc_info=True)


def _held() -> list[RoomSocket]:
    return [s for room in list(_sockets.values()) for s in room]


async def _each(sockets: list[RoomSocket], call: Callable[[RoomSocket], Awaitable[None]]) -> None:
    """``call`` on every socket; one that fails (gone meanwhile) is let go, the rest go on."""
    for socket in sockets:
        try:
            await call(socket)
        except Exception:
            logger.info("A room socket failed and is let go", exc_info=True)
            unregister(socket)


async def _beat_all() -> None:
    rooms = list(_sockets)
    seqs = await socket_db(selectors.room_last_seqs)(session_ids=rooms)
    now = time.monotonic()
    for session_id in rooms:
        last_seq = seqs.get(session_id, 0)
        _last_seq[session_id] = (now, last_seq)
        await _each(list(_sockets.get(session_id, ())), functools.partial(_beat, last_seq=last_seq))


def _beat(socket: RoomSocket, *, last_seq: int) -> Awaitable[None]:
    return socket.beat(last_seq)


async def _touch_all() -> None:
    await sync_to_async(presence.store().touch, thread_sensitive=False)(
        [(s.session_id, s.member_id, s.channel_name) for s in _held() if s.joined]
    )


async def _recheck_rights() -> None:
    sockets = _held()
    roles = await socket_db(selectors.member_roles)(member_ids={s.member_id for s in sockets})
    await _each([s for s in sockets if roles.get(s.member_id) != s.connected_role], lambda s: s.rights_changed())


async def _notice_lapsed() -> None:
    """Entries of a process that died lapse in the store without a goodbye: tell the room."""
    store = presence.store()
    for session_id in list(_sockets):
        here = await sync_to_async(store.member_ids, thread_sensitive=False)(session_id)
        if here != _presence_told.get(session_id):
            presence_changed(session_id)
