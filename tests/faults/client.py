"""A websocket client that behaves like the browser's (static/js/room/connection.js):

* an outbox of contributions keyed by client_id, kept until acked and re-sent
  (same client_id) after every reconnect;
* events applied in seq order from seq 1: duplicates (seq <= last) ignored, a
  gap buffered and closed with ``resume`` from the last applied seq;
* a server ``heartbeat`` whose ``last_seq`` is ahead of ours triggers a resume;
* silence for ``silence`` seconds (no heartbeat) counts as a dead socket;
* after a drop it reconnects with back-off, to the next server URL in its list.

What it does with an ``error`` for an outbox item is a policy: ``final_codes``
(by default the browser's FINAL_ERROR_CODES) drop the item; others keep it and
re-send it after ``retry_after`` seconds.
"""

from __future__ import annotations

import asyncio
import collections
import json
import time
import uuid

import websockets

BROWSER_FINAL_CODES = frozenset({"bad_request", "forbidden", "too_long", "session_closed", "not_found", "conflict"})


class LiveClient:
    def __init__(self, name: str, cookie: str, urls: list[str], session_id: int, *,
                 final_codes=BROWSER_FINAL_CODES, retry_after: float = 0.5, silence: float = 4.0):  # fmt: skip
        self.name = name
        self.cookie = cookie
        self.urls = urls
        self.url_index = 0
        self.session_id = session_id
        self.final_codes = frozenset(final_codes)
        self.retry_after = retry_after
        self.silence = silence
        self.ws = None
        self.ready = False  # hello seen and outbox flushed: new writes go straight out
        self.events: dict[int, dict] = {}  # applied, seq -> frame
        self.last_seq = 0  # highest seq applied with none missing below it
        self.buffer: dict[int, dict] = {}
        self.outbox: collections.OrderedDict[str, dict] = collections.OrderedDict()
        self.written: list[str] = []  # client_ids, in the order the person wrote them
        self.acks: dict[str, list[dict]] = collections.defaultdict(list)
        self.errors: list[dict] = []
        self.dropped: list[str] = []  # outbox items given up on a final error code
        self.hellos = 0
        self.drops: list[str] = []  # how each connection ended
        self.resume_reasons = collections.Counter()
        self.server_last_seq = 0  # the highest last_seq a hello/heartbeat reported
        self.last_heartbeat = 0.0
        self.heartbeats = 0
        self._resume_at = 0.0
        self._retry_task: asyncio.Task | None = None
        self.stopping = asyncio.Event()

    # --- what the person does ----------------------------------------------------

    async def write(self, text: str) -> str:
        client_id = str(uuid.uuid4())
        frame = {"type": "contribute", "client_id": client_id, "text": text, "kind": "story"}
        self.outbox[client_id] = frame
        self.written.append(client_id)
        await self._send(frame)
        return client_id

    # --- the connection -----------------------------------------------------------

    async def run(self, max_connections: int = 40) -> None:
        backoff = 0.2
        for _ in range(max_connections):
            if self.stopping.is_set():
                return
            base = self.urls[self.url_index % len(self.urls)]
            url = f"{base}/ws/sessions/{self.session_id}/"
            try:
                async with websockets.connect(
                    url,
                    # The page the socket belongs to: same scheme, host and port.
                    origin=websockets.Origin(base.replace("ws://", "http://", 1)),
                    additional_headers={"Cookie": f"sessionid={self.cookie}"},
                    open_timeout=5,
                    close_timeout=1,
                    ping_interval=None,
                    max_size=2**22,
                ) as ws:
                    self.ws = ws
                    await self._session(ws)
                    backoff = 0.2
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException) as exc:
                self.drops.append(type(exc).__name__)
            finally:
                self.ws = None
                self.ready = False
            if self.stopping.is_set():
                return
            self.url_index += 1  # like a load balancer sending us elsewhere
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    async def _session(self, ws) -> None:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello", hello
        self.hellos += 1
        self.server_last_seq = max(self.server_last_seq, hello["last_seq"])
        self.last_heartbeat = time.monotonic()
        # Keep our own state and fetch everything after what we applied.
        await self._resume("connect", force=True)
        await self._flush()
        self.ready = True
        while not self.stopping.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                if time.monotonic() - self.last_heartbeat > self.silence:
                    self.drops.append("silence")
                    await ws.close()
                    return
                continue
            except websockets.exceptions.ConnectionClosed as exc:
                self.drops.append(f"closed {exc.rcvd.code if exc.rcvd else None}")
                return
            await self._receive(json.loads(raw))

    async def _flush(self) -> None:
        """Re-send the outbox in writing order, including anything written meanwhile."""
        sent: set[str] = set()
        while True:
            pending = [f for cid, f in self.outbox.items() if cid not in sent]
            if not pending:
                return
            for frame in pending:
                await self._raw_send(frame)
                sent.add(frame["client_id"])

    async def _send(self, frame: dict) -> None:
        """Like the browser's isOpen(): only once hello is in and the outbox flushed."""
        if self.ready:
            await self._raw_send(frame)

    async def _raw_send(self, frame: dict) -> None:
        ws = self.ws
        if ws is None:
            return
        try:
            await ws.send(json.dumps(frame))
        except websockets.exceptions.ConnectionClosed:
            pass

    async def _resume(self, reason: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._resume_at:
            return
        self._resume_at = now + 1.0  # one resume in flight per second at most
        self.resume_reasons[reason] += 1
        await self._raw_send({"type": "resume", "since": self.last_seq})

    async def _receive(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "event":
            seq = frame["seq"]
            if seq <= self.last_seq:
                return
            self.buffer[seq] = frame
            while self.last_seq + 1 in self.buffer:
                self.last_seq += 1
                self.events[self.last_seq] = self.buffer.pop(self.last_seq)
            self.buffer = {s: f for s, f in self.buffer.items() if s > self.last_seq}
            if self.buffer:
                await self._resume("seq gap")
        elif kind == "heartbeat":
            self.last_heartbeat = time.monotonic()
            self.heartbeats += 1
            self.server_last_seq = max(self.server_last_seq, frame["last_seq"])
            if frame["last_seq"] > self.last_seq:
                await self._resume("heartbeat")
        elif kind == "ack":
            client_id = frame.get("client_id")
            if client_id is not None:
                self.acks[client_id].append({**frame, "_at": time.time(), "_connection": self.hellos})
                self.outbox.pop(client_id, None)
        elif kind == "error":
            self.errors.append(frame)
            client_id = frame.get("client_id")
            if client_id in self.outbox:
                if frame["code"] in self.final_codes:
                    self.outbox.pop(client_id)
                    self.dropped.append(client_id)
                elif self._retry_task is None or self._retry_task.done():
                    self._retry_task = asyncio.ensure_future(self._retry_later())
        elif kind == "resumed":
            self.server_last_seq = max(self.server_last_seq, frame["last_seq"])

    async def _retry_later(self) -> None:
        await asyncio.sleep(self.retry_after)
        if self.ready:
            await self._flush()

    async def heartbeat(self) -> None:
        await self._raw_send({"type": "heartbeat", "last_seq": self.last_seq})

    @property
    def connected(self) -> bool:
        return self.ws is not None


async def settle(clients: list[LiveClient], room_last_seq, timeout: float = 60) -> None:
    """Wait until every outbox is empty and every client has applied every
    event up to the room's last seq (asking with heartbeats meanwhile)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        target = await room_last_seq()
        if all(not c.outbox and c.last_seq >= target and c.connected for c in clients):
            return
        for c in clients:
            await c.heartbeat()
        await asyncio.sleep(0.3)
    states = {c.name: (len(c.outbox), c.last_seq, c.connected, c.drops[-3:]) for c in clients}
    raise AssertionError(f"clients did not settle in {timeout}s (room at {await room_last_seq()}): {states}")
