"""Database calls from long-lived sockets, on a connection kept open.

Channels' ``database_sync_to_async`` runs every call of a process's sockets
on one thread, and closes that thread's connection after each call unless
``CONN_MAX_AGE`` keeps it. The project keeps ``CONN_MAX_AGE = 0``, because
under ASGI each HTTP request runs on a thread of its own and a kept
connection would outlive it. The sockets' thread is different: it is one
thread for the life of the process, so opening a PostgreSQL connection per
call (several per socket's connect) is pure waste. ``socket_db`` keeps that
one thread's connection for ``LIVE_ROOM["DB_CONN_MAX_AGE"]`` seconds and
checks its health before reuse, the way ``CONN_MAX_AGE`` with
``CONN_HEALTH_CHECKS`` would; docs/benchmarks.md measures it against the
other choices.
"""

import time
from typing import Any

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import close_old_connections, connections


def _keep_open() -> None:
    """Give each connection this call opened the sockets' lifetime, with health checks."""
    max_age = settings.LIVE_ROOM["DB_CONN_MAX_AGE"]
    if not max_age:
        return
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is not None and getattr(conn, "_socket_kept", None) is not raw:
            conn.close_at = time.monotonic() + max_age
            conn.health_check_enabled = True  # type: ignore[attr-defined]  # set by connect(); not in the stubs
            conn._socket_kept = raw  # type: ignore[attr-defined]


class SocketDatabaseSyncToAsync(SyncToAsync):
    """``database_sync_to_async`` that keeps the sockets' thread's connection open."""

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _keep_open()
            close_old_connections()


socket_db = SocketDatabaseSyncToAsync
