"""Who is in a live room right now: ephemeral, never history.

Presence is kept out of the event log (``docs/architecture.md``, "Presence is
not history"): no seq, no room lock, no replay, no database row. Each open
socket is an entry that lapses by itself ``STALE_SECONDS`` after its process
last touched it, so the people of a process that dies leave the room without
anyone saying goodbye. One person with several tabs is one member however
many entries they have.

With ``REDIS_URL`` the entries live in Redis, shared by every server process
(one sorted set per session, scored by expiry); the embedded default runs one
process and keeps them in memory. Both stores answer the same four questions,
so nothing above this module knows which one it has.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from django.conf import settings

# A process touches its sockets' entries this often; an entry not touched for
# STALE_SECONDS belongs to a process that is gone.
TOUCH_SECONDS = 30
STALE_SECONDS = 90

T = TypeVar("T")


class PresenceUnavailable(Exception):
    """The shared store could not be reached: try again (nothing was changed)."""


class Store(Protocol):
    def join(self, session_id: int, member_id: int, channel_name: str) -> bool: ...
    def leave(self, session_id: int, member_id: int, channel_name: str) -> bool: ...
    def touch(self, entries: Iterable[tuple[int, int, str]]) -> None: ...
    def member_ids(self, session_id: int) -> set[int]: ...
    def clear(self) -> None: ...


def _entry(member_id: int, channel_name: str) -> str:
    return f"{member_id}|{channel_name}"


def _member_of(entry: str | bytes) -> int:
    text = entry.decode() if isinstance(entry, bytes) else entry
    return int(text.split("|", 1)[0])


class MemoryStore:
    """One process's presence (the embedded default runs only one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # session id -> entry -> expiry (monotonic seconds)
        self._rooms: dict[int, dict[str, float]] = {}

    def _live(self, session_id: int, now: float) -> dict[str, float]:
        room = self._rooms.get(session_id, {})
        for entry in [e for e, expires in room.items() if expires <= now]:
            del room[entry]
        return room

    def join(self, session_id: int, member_id: int, channel_name: str) -> bool:
        now = time.monotonic()
        with self._lock:
            room = self._live(session_id, now)
            first = member_id not in {_member_of(e) for e in room}
            room[_entry(member_id, channel_name)] = now + STALE_SECONDS
            self._rooms[session_id] = room
            return first

    def leave(self, session_id: int, member_id: int, channel_name: str) -> bool:
        now = time.monotonic()
        with self._lock:
            removed = self._rooms.get(session_id, {}).pop(_entry(member_id, channel_name), None)
            room = self._live(session_id, now)
            return removed is not None and member_id not in {_member_of(e) for e in room}

    def touch(self, entries: Iterable[tuple[int, int, str]]) -> None:
        expires = time.monotonic() + STALE_SECONDS
        with self._lock:
            for session_id, member_id, channel_name in entries:
                # Put back an entry that lapsed while its socket lived on.
                self._rooms.setdefault(session_id, {})[_entry(member_id, channel_name)] = expires

    def member_ids(self, session_id: int) -> set[int]:
        with self._lock:
            return {_member_of(e) for e in self._live(session_id, time.monotonic())}

    def clear(self) -> None:
        with self._lock:
            self._rooms.clear()


def _reached(method: Callable[..., T]) -> Callable[..., T]:
    """Turn a Redis error into ``PresenceUnavailable``, which the room answers
    as ``unavailable`` (retry), never as a refusal that drops someone's words."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> T:
        import redis

        try:
            return method(*args, **kwargs)
        except redis.RedisError as error:
            raise PresenceUnavailable(str(error)) from error

    return call


class RedisStore:
    """Presence shared by every process through Redis.

    Each session is one sorted set of ``member|channel`` entries scored by
    the time they lapse; each call prunes what has lapsed in the same
    MULTI, so "first tab" and "last tab" are decided atomically across
    processes. The key itself expires when nobody touches the room.
    """

    def __init__(self, url: str, prefix: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._prefix = prefix

    def _key(self, session_id: int) -> str:
        return f"{self._prefix}:{session_id}"

    @_reached
    def join(self, session_id: int, member_id: int, channel_name: str) -> bool:
        key, now = self._key(session_id), time.time()
        pipe = self._redis.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zrange(key, 0, -1)
        pipe.zadd(key, {_entry(member_id, channel_name): now + STALE_SECONDS})
        pipe.pexpire(key, int(STALE_SECONDS * 1000))
        _, before, _, _ = pipe.execute()
        return member_id not in {_member_of(e) for e in before}

    @_reached
    def leave(self, session_id: int, member_id: int, channel_name: str) -> bool:
        key, now = self._key(session_id), time.time()
        pipe = self._redis.pipeline(transaction=True)
        pipe.zrem(key, _entry(member_id, channel_name))
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zrange(key, 0, -1)
        removed, _, after = pipe.execute()
        return bool(removed) and member_id not in {_member_of(e) for e in after}

    @_reached
    def touch(self, entries: Iterable[tuple[int, int, str]]) -> None:
        expires = time.time() + STALE_SECONDS
        pipe = self._redis.pipeline(transaction=False)
        keys = set()
        for session_id, member_id, channel_name in entries:
            key = self._key(session_id)
            keys.add(key)
            # Put back an entry that lapsed while its socket lived on (a
            # database or Redis outage longer than STALE_SECONDS).
            pipe.zadd(key, {_entry(member_id, channel_name): expires})
        for key in keys:
            pipe.pexpire(key, int(STALE_SECONDS * 1000))
        if keys:
            pipe.execute()

    @_reached
    def member_ids(self, session_id: int) -> set[int]:
        entries: list[bytes] = self._redis.zrangebyscore(self._key(session_id), time.time(), "+inf")  # type: ignore[assignment]
        return {_member_of(e) for e in entries}

    def clear(self) -> None:
        keys = list(self._redis.scan_iter(match=f"{self._prefix}:*", count=500))
        if keys:
            self._redis.delete(*keys)


_store: Store | None = None
_store_lock = threading.Lock()


def store() -> Store:
    """The process's presence store, chosen once from the settings."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                url = settings.REDIS_URL
                _store = RedisStore(url, settings.LIVE_ROOM["PRESENCE_PREFIX"]) if url else MemoryStore()
    return _store
