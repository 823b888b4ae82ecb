"""Stopping a server process within seconds of SIGTERM, its websockets closed with 1012.

1012 ("service restart") tells a room client to reconnect, to another process,
and resume from its last seq. What each server does on SIGTERM by itself:

* **Uvicorn** stops listening, closes every websocket with 1012 and waits for
  the application, for at most ``--timeout-graceful-shutdown`` seconds (without
  the flag it waits for ever: one consumer stuck in the Redis channel layer
  keeps the process alive). Nothing here is needed; docs/operations.md gives
  the flags.
* **Daphne** cancels every application task (no consumer's ``disconnect``
  runs), waits for the cancelled tasks without a bound, and drops the TCP
  connections without a close frame (clients see 1006). If a websocket
  handshake happened in the last second it does not even cancel them (its
  ``kill_all_applications`` fails with a ``KeyError``) and the interpreter may
  crash finalizing the tasks left pending. Twisted keeps its own SIGTERM handler
  after the reactor has stopped, so a process that anything keeps alive past
  that point (a worker thread that never returns) ignores every later SIGTERM
  until it is killed. And an application cannot send 1012 at all: autobahn
  refuses any close code but 1000 and 3000-4999 from the application.

So, under Daphne only, ``install`` takes SIGTERM and SIGINT over once the
reactor runs. On the first signal it stops listening, closes every room socket
with 1012 (``sessions.sockets.close_all``, and any other accepted websocket
through ``track_websockets``), waits up to ``SHUTDOWN_GRACE_SECONDS`` for the
socket applications to finish (their ``disconnect`` runs as usual), cancels
what is left and stops the reactor. Whatever still runs
``SHUTDOWN_GRACE_SECONDS + 4`` seconds after the signal is ended by a watchdog
(exit status 1). A second signal ends the process at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

logger = logging.getLogger(__name__)

SERVICE_RESTART = 1012
# The watchdog ends the process this long after the grace period.
HARD_MARGIN_SECONDS = 4.0
# Daphne forgets an upgraded handshake's HTTP request only on its next
# once-a-second sweep; stopping the reactor before then trips its KeyError.
DAPHNE_SWEEP_SECONDS = 1.2

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Socket:
    __slots__ = ("send", "task", "accepted", "closed")

    def __init__(self, send: Send, task: asyncio.Task[Any] | None):
        self.send = send
        self.task = task
        self.accepted = False
        self.closed = False


_open: set[_Socket] = set()
_last_started = 0.0
_stopping = False


def track_websockets(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: know this process's websockets, so shutdown can close them and wait for them."""

    async def tracked(scope: Scope, receive: Receive, send: Send) -> None:
        global _last_started
        _last_started = time.monotonic()
        if _stopping:
            # An in-flight handshake to a stopping process: refuse it (the client retries elsewhere).
            await receive()
            await send({"type": "websocket.close", "code": SERVICE_RESTART})
            return
        entry = _Socket(send, asyncio.current_task())

        async def tracked_send(message: Message) -> None:
            if message["type"] == "websocket.accept":
                entry.accepted = True
            elif message["type"] == "websocket.close":
                entry.closed = True
            await send(message)

        _open.add(entry)
        try:
            await app(scope, receive, tracked_send)
        finally:
            _open.discard(entry)

    return tracked


def install() -> None:
    """Under Daphne, take SIGTERM and SIGINT over once the reactor runs (see the module's docstring)."""
    if "daphne.server" not in sys.modules:
        return
    from twisted.internet import reactor

    _allow_service_restart_close()
    reactor.callWhenRunning(_take_signals, reactor)


def _allow_service_restart_close() -> None:
    """Let an application close a Daphne websocket with 1012.

    autobahn's ``sendClose`` raises for any code but 1000 and 3000-4999, so
    Daphne's ``serverClose`` fails for 1012 (a code IANA registers for servers);
    its ``sendCloseFrame`` sends any code.
    """
    from daphne.ws_protocol import WebSocketProtocol  # type: ignore[import-untyped]

    if getattr(WebSocketProtocol.serverClose, "allows_service_restart", False):
        return
    original = WebSocketProtocol.serverClose

    def serverClose(self: Any, code: int | None = None) -> None:
        if code == SERVICE_RESTART:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            original(self, code)

    serverClose.allows_service_restart = True  # type: ignore[attr-defined]
    WebSocketProtocol.serverClose = serverClose


def _take_signals(reactor: Any) -> None:
    # Only where Twisted installed its handlers: not under runserver's reloader,
    # where the server runs in another thread and Django handles the signals.
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        if getattr(signal.getsignal(signum), "__self__", None) is reactor:
            signal.signal(signum, lambda signum, frame: _on_signal(reactor, signum))


def _on_signal(reactor: Any, signum: int) -> None:
    global _stopping
    if _stopping:
        logger.warning("Second signal %s: stopping at once", signum)
        os._exit(1)
    _stopping = True
    grace = _grace_seconds()
    deadline = grace + HARD_MARGIN_SECONDS
    threading.Thread(target=_watchdog, args=(deadline,), name="shutdown-watchdog", daemon=True).start()
    # And should even that thread not run: the default action of SIGALRM ends the process.
    signal.alarm(int(deadline) + 1)
    reactor.callFromThread(_start_stopping, reactor, grace)


_stopper: asyncio.Task[None] | None = None


def _start_stopping(reactor: Any, grace: float) -> None:
    global _stopper
    _stopper = asyncio.get_running_loop().create_task(_stop(reactor, grace))


def _grace_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "SHUTDOWN_GRACE_SECONDS", 5.0))


def _watchdog(seconds: float) -> None:
    time.sleep(seconds)
    sys.stderr.write(f"Server process still running {seconds:g} s after the signal to stop: ending it.\n")
    sys.stderr.flush()
    os._exit(1)


async def _stop(reactor: Any, grace: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    logger.info("Stopping: closing %d websockets with %d", len(_open), SERVICE_RESTART)
    try:
        _stop_listening(reactor)
        try:
            # The room's own registry: each consumer closes itself and may skip
            # what a departure does in a room that stays open.
            from sessions.sockets import close_all
        except ImportError:
            pass
        else:
            try:
                await asyncio.wait_for(close_all(SERVICE_RESTART), timeout=max(0.1, deadline - loop.time()))
            except Exception:
                logger.warning("Could not close the room sockets; closing every websocket here", exc_info=True)
        for entry in list(_open):
            if entry.accepted and not entry.closed:
                entry.closed = True
                try:
                    await entry.send({"type": "websocket.close", "code": SERVICE_RESTART})
                except Exception:
                    logger.debug("Could not close a websocket", exc_info=True)
        while loop.time() < deadline and (_open or time.monotonic() - _last_started < DAPHNE_SWEEP_SECONDS):
            await asyncio.sleep(0.05)
        left = [entry.task for entry in _open if entry.task is not None and not entry.task.done()]
        if left:
            logger.warning("%d websocket applications did not finish in %g s: cancelling them", len(left), grace)
            for task in left:
                task.cancel()
            await asyncio.wait(left, timeout=1.0)
    except Exception:
        logger.exception("Graceful shutdown failed; stopping the server now")
    finally:
        if reactor.running:
            reactor.stop()


def _stop_listening(reactor: Any) -> None:
    """Accept no new connection, as Uvicorn does: clients reconnect to another process at once."""
    from twisted.internet.interfaces import IListeningPort

    for reader in reactor.getReaders():
        if IListeningPort.providedBy(reader):
            reader.stopListening()
