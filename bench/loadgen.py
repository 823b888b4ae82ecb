"""Load generator for the live room: R rooms × C clients over real websockets.

One process, one asyncio loop (uvloop when installed). It starts a fresh server
(or two) for the run, signs every client in with a minted Django session,
opens all the sockets, waits for each ``hello``, then has members contribute
at a set rate with the send time inside the text, and measures, for every
contribution, the time until each *other* client in the room receives it.

Targets:
  app    the real live room (``config.asgi``), PostgreSQL + the chosen layer
  bare   ``bench/bare_asgi.py``: re-broadcast through the same layer, no DB, no auth
  floor  ``bench/floor.py``: plain ``websockets`` broadcast, encoded once

Scenarios:
  load      the reference load; loss and duplicates counted per client by seq
            (without resuming), then resumed to check completeness
  storm     load running, then every socket dropped at once; each client
            reconnects and resumes from its last seq (app only)
  idle      sockets open and silent; server CPU over the window (app only)
  shutdown  load running, then SIGTERM to the server: seconds until it exits,
            and the close codes the clients saw

Frames: only ``event`` frames that carry an integer ``seq`` count; frames
without one (``presence``, ``heartbeat``) and unknown types are ignored. A
``hello`` carries the room's state through its ``last_seq``, so a seq at or
below a client's latest ``hello.last_seq`` counts as held. No ``resume`` is
sent after a ``hello``, except in the storm (each client resumes from its last
seq) and, after the measured window, by clients with a hole (``lost after
resume``).

    python -m bench.loadgen --target app --server uvicorn --layer redis \
        --rooms 30 --clients 40 --rate 1 --duration 30 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench import common

NS = 1_000_000_000
MS = 1_000_000
SERVICE_RESTART = 1012  # the close code of a server going down for a restart


def percentiles(values: list[float], points=(50, 95, 99)) -> dict:
    if not values:
        return {f"p{p}": None for p in points} | {"max": None, "n": 0}
    s = sorted(values)
    out = {f"p{p}": round(s[min(len(s) - 1, int(len(s) * p / 100))], 1) for p in points}
    out["max"] = round(s[-1], 1)
    out["n"] = len(s)
    return out


@dataclass
class Client:
    room: int  # index of the room
    idx: int  # index within the room
    url: str
    cookie: str | None
    origin: str
    ws: object = None
    hello_seq: int = 0  # last_seq of the latest hello: the state through it is held
    first_hello_seq: int | None = None
    seen: set = field(default_factory=set)
    dups: int = 0
    below_hello: int = 0  # events at or below the hello's last_seq on the same socket
    contiguous: int = 0
    connected: bool = False
    resumed_event: asyncio.Event | None = None
    resumed_last_seq: int | None = None
    caught_up_at: float | None = None
    hello_at: float | None = None
    close_code: int | None = None
    closed_at: float | None = None
    frames: int = 0
    events: int = 0
    task: asyncio.Task | None = None

    def mark(self, seq: int, counting_dups: bool) -> None:
        if seq in self.seen:
            if counting_dups:
                self.dups += 1
            return
        self.seen.add(seq)
        self._advance()

    def hold_through(self, seq: int) -> None:
        """A hello: the client holds the room's state through ``seq``."""
        self.contiguous = max(self.contiguous, seq)
        self._advance()

    def _advance(self) -> None:
        while self.contiguous + 1 in self.seen:
            self.contiguous += 1


class Abort(Exception):
    """The run cannot go on (too few sockets open); the result says why."""


class Run:
    def __init__(self, args):
        self.args = args
        self.latencies_ms: list[float] = []
        self.ack_ms: list[float] = []
        self.connect_ms: list[float] = []
        self.pending_acks: dict[str, tuple[int, object]] = {}  # client_id -> (send time, socket)
        self.acks_lost_with_socket = 0
        self.sent = 0
        self.errors: dict[str, int] = {}
        self.ignored: dict[str, int] = {}
        self.counting_dups = True
        self.measuring = False
        self.room_seq: list[int] = []  # bare/floor: the generator numbers each room's frames
        self.storm_at: float | None = None
        self.closes: dict[str, int] = {}

    # --- one socket ---------------------------------------------------------------------

    async def open(self, c: Client, hello_timeout: float = 120) -> None:
        from websockets.asyncio.client import connect

        headers = {"Cookie": f"sessionid={c.cookie}"} if c.cookie else {}
        t0 = time.perf_counter_ns()
        deadline = time.monotonic() + hello_timeout
        ws = await connect(
            c.url,
            origin=c.origin,
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            max_size=2**24,
            open_timeout=hello_timeout,
            close_timeout=2,
            max_queue=None,
        )
        try:
            while True:  # frames before the hello without a seq (presence) are ignored
                frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic())))
                kind = frame.get("type") if isinstance(frame, dict) else None
                if kind == "hello":
                    break
                if kind == "event" and isinstance(frame.get("seq"), int):
                    c.mark(frame["seq"], self.counting_dups)
                else:
                    self.ignored[str(kind)] = self.ignored.get(str(kind), 0) + 1
        except BaseException:
            with contextlib.suppress(Exception):
                ws.transport.abort()
            raise
        c.ws = ws
        c.hello_at = time.monotonic()
        c.hello_seq = int(frame.get("last_seq") or 0)
        if c.first_hello_seq is None:
            c.first_hello_seq = c.hello_seq
            c.contiguous = c.hello_seq
        c.hold_through(c.hello_seq)
        self.connect_ms.append((time.perf_counter_ns() - t0) / MS)
        c.close_code = c.closed_at = None
        c.connected = True
        c.task = asyncio.create_task(self.reader(c, ws))

    async def reader(self, c: Client, ws) -> None:
        try:
            async for text in ws:
                now = time.perf_counter_ns()
                c.frames += 1
                try:
                    frame = json.loads(text)
                    kind = frame.get("type")
                except (ValueError, AttributeError):
                    continue
                if kind == "event":
                    seq = frame.get("seq")
                    if not isinstance(seq, int):
                        self.ignored["event without seq"] = self.ignored.get("event without seq", 0) + 1
                        continue
                    c.events += 1
                    if frame.get("event") == "contribution_added":
                        body = (frame.get("contribution") or {}).get("text")
                        if isinstance(body, str) and body.startswith("bench ") and self.measuring:
                            parts = body.split(" ", 5)
                            if int(parts[3]) != c.idx:
                                self.latencies_ms.append((now - int(parts[1])) / MS)
                    if self.counting_dups and seq <= c.hello_seq:
                        c.below_hello += 1
                    c.mark(seq, self.counting_dups)
                    self._check_caught_up(c)
                elif kind == "ack":
                    pending = self.pending_acks.pop(frame.get("client_id"), None)
                    if pending is not None and self.measuring:
                        self.ack_ms.append((now - pending[0]) / MS)
                elif kind == "resumed":
                    c.resumed_last_seq = int(frame.get("last_seq") or 0)
                    if c.resumed_event is not None:
                        c.resumed_event.set()
                    self._check_caught_up(c)
                elif kind == "error":
                    code = frame.get("code", "?")
                    self.errors[code] = self.errors.get(code, 0) + 1
                else:  # hello, heartbeat, presence, anything new: no seq to count
                    self.ignored[str(kind)] = self.ignored.get(str(kind), 0) + 1
        except Exception:
            pass
        finally:
            code = getattr(ws, "close_code", None)
            self.closes[str(code)] = self.closes.get(str(code), 0) + 1
            # An ack due on a socket that is gone never comes (the next socket does not repeat it).
            gone = [cid for cid, (_, sock) in self.pending_acks.items() if sock is ws]
            for cid in gone:
                del self.pending_acks[cid]
            self.acks_lost_with_socket += len(gone)
            if c.ws is ws:  # not a socket this client has already replaced
                c.connected = False
                c.close_code = code
                c.closed_at = time.monotonic()

    def _check_caught_up(self, c: Client) -> None:
        if (
            self.storm_at is not None
            and c.caught_up_at is None
            and c.resumed_event is not None
            and c.resumed_event.is_set()
            and c.resumed_last_seq is not None
            and c.contiguous >= max(c.hello_seq, c.resumed_last_seq)
        ):
            c.caught_up_at = time.monotonic()

    # --- sending ----------------------------------------------------------------------

    def text(self, room: int, c: Client, n: int) -> str:
        head = f"bench {time.perf_counter_ns()} {room} {c.idx} {n} "
        return head + "x" * max(0, self.args.text_bytes - len(head))

    async def sender(self, room: int, clients: list[Client], stop_at: float) -> None:
        period = 1.0 / self.args.rate
        start = time.monotonic() + period * room / max(1, self.args.rooms)  # spread rooms over one period
        n = 0
        while True:
            due = start + n * period
            if due >= stop_at:
                return
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            # Round-robin over the room's connected clients: each sends once per C periods.
            for k in range(len(clients)):
                c = clients[(n + k) % len(clients)]
                if c.connected:
                    break
            else:
                n += 1
                continue
            text = self.text(room, c, n)
            if self.args.target == "app":
                cid = uuid.uuid4().hex
                frame = {"type": "contribute", "client_id": cid, "text": text, "kind": "story"}
                self.pending_acks[cid] = (time.perf_counter_ns(), c.ws)
            else:
                self.room_seq[room] += 1
                frame = {"type": "contribute", "seq": self.room_seq[room], "text": text}
            try:
                await c.ws.send(json.dumps(frame))
                self.sent += 1
            except Exception:
                pass
            n += 1


# --- orchestration ------------------------------------------------------------------------


def prepare(args) -> tuple[list[int], list[str | None]]:
    """Session ids (one per room) and a cookie per client, for the app; room numbers otherwise."""
    if args.target != "app":
        return list(range(1, args.rooms + 1)), [None] * (args.rooms * args.clients)
    from bench import fixtures

    members = fixtures.members(args.rooms * args.clients, per_team=args.clients)
    cookies = fixtures.session_cookies([m.user for m in members])
    sessions = fixtures.open_sessions(args.rooms, label=f"{args.scenario}")
    return sessions, cookies


async def connect_all(run: Run, clients: list[Client], concurrency: int, deadline: float) -> list[str]:
    """Open every socket, at most ``concurrency`` handshakes at a time, retrying
    a failed one after a short pause until ``deadline``; returns the failures seen."""
    sem = asyncio.Semaphore(concurrency)
    failures: list[str] = []

    async def one(c: Client):
        while time.monotonic() < deadline:
            async with sem:
                try:
                    await run.open(c, hello_timeout=max(1.0, min(60.0, deadline - time.monotonic())))
                    return
                except Exception as exc:
                    failures.append(repr(exc)[:200])
            await asyncio.sleep(0.5 + random.random())

    await asyncio.gather(*(one(c) for c in clients))
    return failures


async def reconnect(run: Run, c: Client, deadline: float) -> None:
    """Reconnect at once, then with a short back-off, and resume from the last seq held."""
    since = c.contiguous  # before the new hello, which holds the state through its last_seq
    delay = 0.5
    while time.monotonic() < deadline:
        try:
            c.resumed_event = asyncio.Event()
            c.resumed_last_seq = None
            await run.open(c, hello_timeout=max(1.0, deadline - time.monotonic()))
            await c.ws.send(json.dumps({"type": "resume", "since": since}))
            return
        except Exception:
            await asyncio.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 8)


async def resume_missing(run: Run, clients: list[Client], expected: dict[int, int], timeout: float) -> int:
    """Ask every client with a hole to resume from just before it; returns how many asked."""
    asked = []
    for c in clients:
        top = expected[c.room]
        if c.contiguous >= top or not c.connected:
            continue
        c.resumed_event = asyncio.Event()
        c.resumed_last_seq = None
        with contextlib.suppress(Exception):
            await c.ws.send(json.dumps({"type": "resume", "since": c.contiguous}))
            asked.append(c)
    if asked:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(c.resumed_event.wait() for c in asked)), timeout)
        await asyncio.sleep(0.5)
    return len(asked)


async def drain(clients: list[Client], expected: dict[int, int], *, quiet: float, limit: float) -> float:
    """Wait until every client holds every expected seq, or nothing has arrived
    for ``quiet`` seconds, or ``limit`` seconds have passed; returns the wait."""
    t0 = time.monotonic()
    last_frames, last_change = -1, t0
    while time.monotonic() - t0 < limit:
        if all(c.contiguous >= expected[c.room] for c in clients if c.connected):
            break
        frames = sum(c.events for c in clients)
        now = time.monotonic()
        if frames != last_frames:
            last_frames, last_change = frames, now
        elif now - last_change >= quiet:
            break
        await asyncio.sleep(0.2)
    return round(time.monotonic() - t0, 1)


def count_loss(clients: list[Client], expected: dict[int, int]) -> tuple[int, int, int]:
    """(deliveries expected, deliveries missing, clients with a hole), over the
    clients that had a hello: every seq after its first hello up to the room's
    last, held as an event or through a later hello's state."""
    total = missing = holed = 0
    for c in clients:
        if c.first_hello_seq is None:
            continue
        top = expected[c.room]
        want = max(0, top - c.first_hello_seq)
        lacking = sum(1 for s in range(max(c.first_hello_seq, c.hello_seq) + 1, top + 1) if s not in c.seen)
        total += want
        missing += lacking
        holed += lacking > 0
    return total, missing, holed


def connect_figures(run: Run, clients: list[Client], t0: float, failures: list[str]) -> dict:
    """Sockets open, the time from the first connect to the last hello, and connects per second."""
    hellos = [c.hello_at - t0 for c in clients if c.hello_at is not None]
    out = {
        "clients": len(clients),
        "sockets": sum(c.connected for c in clients),
        "connect_s": round(time.monotonic() - t0, 2),
        "connect_failures": len(failures),
        "connect_failure_kinds": sorted({f.split("(")[0] for f in failures}),
        "connect_ms": percentiles(run.connect_ms),
        "hellos": len(hellos),
        "hellos_within_30s": sum(1 for h in hellos if h <= 30),
        "last_hello_s": round(max(hellos), 2) if hellos else None,
        "all_hellos_s": round(max(hellos), 2) if len(hellos) == len(clients) else None,
    }
    out["connects_per_s"] = round(len(hellos) / max(0.001, out["last_hello_s"] or 0), 1) if hellos else 0.0
    return out


async def close_all(clients: list[Client]) -> None:
    async def one(c: Client) -> None:
        if c.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(c.ws.close(), 5)

    await asyncio.gather(*(one(c) for c in clients))
    for c in clients:
        if c.task is not None:
            c.task.cancel()


async def main_async(args) -> dict:
    result: dict = {"args": vars(args).copy(), "loadavg_before": common.loadavg()}
    if args.target == "app":
        common.django_setup(layer=args.layer)
    sessions, cookies = await asyncio.to_thread(prepare, args)
    if args.layer == "redis":
        common.flush_redis()
    ports = [args.port + i for i in range(args.procs)]
    servers = [common.Server(args.target, args.server, args.layer, p) for p in ports]
    result["server_command"] = common.server_command(target=args.target, server=args.server, port=ports[0])
    profiler = None
    clients: list[Client] = []
    run = Run(args)
    run.room_seq = [0] * args.rooms
    try:
        for s in servers:
            s.start()
        pids = [s.proc.pid for s in servers]
        monitor = common.Monitor(pids).start()
        path = {"app": "ws/sessions/{}/", "bare": "ws/bare/{}/", "floor": "ws/floor/{}/"}[args.target]
        rooms: list[list[Client]] = []
        for r, sid in enumerate(sessions):
            room = []
            for i in range(args.clients):
                port = ports[i % len(ports)]  # one room's clients spread over every process
                c = Client(
                    room=r,
                    idx=i,
                    url=f"ws://{common.HOST}:{port}/" + path.format(sid),
                    cookie=cookies[r * args.clients + i],
                    origin=f"http://{common.HOST}:{port}",
                )
                room.append(c)
                clients.append(c)
            rooms.append(room)

        t0 = time.monotonic()
        failures = await connect_all(run, clients, args.connect_concurrency, t0 + args.connect_timeout)
        result.update(connect_figures(run, clients, t0, failures))
        if result["sockets"] < len(clients) * args.min_open:
            result["aborted"] = (
                f"only {result['sockets']} of {len(clients)} sockets open after {args.connect_timeout:.0f} s"
            )
            raise Abort()
        await asyncio.sleep(args.settle)

        if args.scenario == "idle":
            cpu = common.CpuWindow(pids).start()
            before = sum(c.frames for c in clients)
            await asyncio.sleep(args.duration)
            result["window"] = cpu.stop()
            result["frames_per_s"] = round((sum(c.frames for c in clients) - before) / args.duration, 1)
            result["sockets_at_end"] = sum(c.connected for c in clients)
            result["ignored_frames"] = run.ignored
        elif args.scenario == "shutdown":
            if args.profile:
                profiler = start_profile(args, pids[0])
            cpu = common.CpuWindow(pids).start()
            run.measuring = True
            stop_at = time.monotonic() + args.duration + args.shutdown_limit
            senders = [asyncio.create_task(run.sender(r, room, stop_at)) for r, room in enumerate(rooms)]
            await asyncio.sleep(args.duration)
            if profiler is not None:
                result["profile"] = await asyncio.to_thread(finish_profile, profiler)
                profiler = None
            result["window"] = cpu.stop()
            result["latency_ms"] = percentiles(run.latencies_ms)
            run.measuring = False
            result.update(await shutdown(run, servers[0], clients, args))
            for t in senders:
                t.cancel()
            result["errors"] = run.errors
        else:
            if args.profile:
                profiler = start_profile(args, pids[0])
            cpu = common.CpuWindow(pids).start()
            run.measuring = True
            stop_at = time.monotonic() + args.duration
            senders = [asyncio.create_task(run.sender(r, room, stop_at)) for r, room in enumerate(rooms)]
            if args.scenario == "storm":
                await asyncio.sleep(args.storm_after)
                result.update(await storm(run, clients, args))
            await asyncio.gather(*senders)
            if args.target == "app":
                # Count against every contribution the server stored: wait for the acks first.
                t_acks = time.monotonic()
                while run.pending_acks and time.monotonic() - t_acks < args.drain_limit:
                    await asyncio.sleep(0.2)
                result["acks_missing"] = len(run.pending_acks)
                result["acks_lost_with_socket"] = run.acks_lost_with_socket
                expected = await asyncio.to_thread(lambda: common_last_seqs(sessions))
                expected = {r: expected.get(sid, 0) for r, sid in enumerate(sessions)}
            else:
                expected = dict(enumerate(run.room_seq))
            result["drain_s"] = await drain(clients, expected, quiet=args.drain, limit=args.drain_limit)
            run.measuring = False
            result["window"] = cpu.stop()
            if profiler is not None:
                result["profile"] = await asyncio.to_thread(finish_profile, profiler)
                profiler = None
            result["sent"] = run.sent
            result["throughput_per_s"] = round(run.sent / args.duration, 2)
            result["deliveries_per_s"] = round(len(run.latencies_ms) / args.duration, 1)
            result["latency_ms"] = percentiles(run.latencies_ms)
            if args.target == "app":
                result["ack_ms"] = percentiles(run.ack_ms)
            total, missing, holed = count_loss(clients, expected)
            result["deliveries_expected"] = total
            result["lost"] = missing
            result["clients_with_loss"] = holed
            result["duplicated"] = sum(c.dups for c in clients)
            result["below_hello"] = sum(c.below_hello for c in clients)
            if args.target == "app":
                run.counting_dups = False
                result["resumes_asked"] = await resume_missing(run, clients, expected, timeout=30)
                _, after, holed_after = count_loss(clients, expected)
                result["lost_after_resume"] = after
                result["clients_incomplete_after_resume"] = holed_after
            result["errors"] = run.errors
            result["ignored_frames"] = run.ignored
            result["sockets_at_end"] = sum(c.connected for c in clients)
        monitor.stop()
        result["server_peak_rss_mb"] = round(monitor.peak_rss / 2**20, 1)
        await close_all(clients)
    except Abort:
        await close_all(clients)
    finally:
        if profiler is not None:
            with contextlib.suppress(Exception):
                profiler.kill()
        t_stop = time.monotonic()
        for s in servers:  # signal every process first, so two shut down side by side
            if s.proc is not None and s.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    s.proc.terminate()
        for s in servers:
            s.stop()
        result["server_stop_s"] = round(time.monotonic() - t_stop, 2)  # SIGTERM once the clients are gone
        if servers and servers[0].proc and servers[0].proc.returncode not in (0, -15, None):
            result["server_log_tail"] = servers[0].log_tail()
    result["closes"] = run.closes
    result["loadavg_after"] = common.loadavg()
    return result


def common_last_seqs(sessions: list[int]) -> dict[int, int]:
    from bench import fixtures

    return fixtures.room_last_seqs(sessions)


async def storm(run: Run, clients: list[Client], args) -> dict:
    """Drop every socket at once; reconnect each and resume from its last seq."""
    run.counting_dups = False  # replays overlap what a client holds; it keeps the first copy
    run.storm_at = time.monotonic()
    dropped = 0
    for c in clients:
        c.caught_up_at = None
        if c.ws is not None and c.connected:
            dropped += 1
            with contextlib.suppress(Exception):
                c.ws.transport.abort()
    await asyncio.sleep(0)  # let the readers see their sockets go
    deadline = run.storm_at + args.storm_timeout
    await asyncio.gather(*(reconnect(run, c, deadline) for c in clients if c.first_hello_seq is not None))
    reopened = time.monotonic()
    while time.monotonic() < deadline and any(c.caught_up_at is None for c in clients if c.connected):
        await asyncio.sleep(0.1)
    times = [(c.caught_up_at - run.storm_at) * 1000 for c in clients if c.caught_up_at is not None]
    hellos = [(c.hello_at - run.storm_at) * 1000 for c in clients if c.hello_at and c.hello_at >= run.storm_at]
    return {
        "storm_clients": dropped,
        "storm_reopened": len(hellos),
        "storm_reopened_s": round(reopened - run.storm_at, 2),
        "storm_hello_ms": percentiles(hellos),
        "storm_caught_up": len(times),
        "storm_all_caught_up_s": round(max(times) / 1000, 2) if times and len(times) >= dropped else None,
        "storm_catch_up_ms": percentiles(times),
    }


async def shutdown(run: Run, server: common.Server, clients: list[Client], args) -> dict:
    """SIGTERM to the server with every socket open: until the process exits
    (killed after ``shutdown_limit`` seconds), and the close code each client saw."""
    proc = server.proc
    open_at_signal = sum(c.connected for c in clients)
    t_sig = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    exit_s = None
    while time.monotonic() - t_sig < args.shutdown_limit:
        if proc.poll() is not None:
            exit_s = time.monotonic() - t_sig
            break
        await asyncio.sleep(0.02)
    killed = exit_s is None
    if killed:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)
    exited = time.monotonic()
    await asyncio.sleep(1.0)  # the clients see the sockets the exit closed
    after = [c for c in clients if c.closed_at is not None and c.closed_at >= t_sig]
    codes: dict[str, int] = {}
    for c in after:
        codes[str(c.close_code)] = codes.get(str(c.close_code), 0) + 1
    closes_s = [(c.closed_at - t_sig) * 1000 for c in after]
    return {
        "sockets_at_signal": open_at_signal,
        "exit_s": round(exit_s, 2) if exit_s is not None else None,
        "killed_after_s": args.shutdown_limit if killed else None,
        "exit_code": proc.returncode,
        "close_codes": codes,
        "closed_1012": codes.get(str(SERVICE_RESTART), 0),
        "closed_before_exit": sum(1 for c in after if c.closed_at <= exited),
        "close_ms": percentiles(closes_s),
        "still_open_after_exit": sum(c.connected for c in clients),
        "server_log_tail": server.log_tail(10),
    }


# --- profiling ------------------------------------------------------------------------------


def start_profile(args, pid: int):
    out = Path(args.profile)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    return subprocess.Popen(
        [
            str(common.VENV_BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--rate",
            "50",
            "--format",
            "raw",
            "--output",
            str(out),
            "--duration",
            str(max(1, int(args.duration))),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish_profile(proc) -> str | None:
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    out = proc.args[proc.args.index("--output") + 1]
    return out if Path(out).is_file() else None


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", choices=["app", "bare", "floor"], default="app")
    p.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    p.add_argument("--layer", choices=["redis", "memory"], default="redis")
    p.add_argument("--scenario", choices=["load", "storm", "idle", "shutdown"], default="load")
    p.add_argument("--procs", type=int, default=1, help="ASGI server processes sharing the layer")
    p.add_argument("--rooms", type=int, default=30)
    p.add_argument("--clients", type=int, default=40)
    p.add_argument("--rate", type=float, default=1.0, help="contributions per room per second")
    p.add_argument("--text-bytes", type=int, default=200)
    p.add_argument("--duration", type=float, default=30.0, help="seconds of load (or idle; before SIGTERM)")
    p.add_argument("--settle", type=float, default=3.0, help="seconds between the last hello and the load")
    p.add_argument(
        "--drain", type=float, default=5.0, help="after the last send, stop waiting once no frame came for this long"
    )
    p.add_argument(
        "--drain-limit",
        type=float,
        default=60.0,
        help="after the last send, wait at most this long for acks, then for frames",
    )
    p.add_argument("--storm-after", type=float, default=10.0)
    p.add_argument("--storm-timeout", type=float, default=60.0)
    p.add_argument("--shutdown-limit", type=float, default=30.0, help="SIGKILL the server after this many seconds")
    p.add_argument("--connect-concurrency", type=int, default=50, help="handshakes in flight at once")
    p.add_argument("--connect-timeout", type=float, default=180.0, help="seconds to open every socket")
    p.add_argument("--min-open", type=float, default=0.9, help="share of sockets that must open for the run to go on")
    p.add_argument("--port", type=int, default=common.PORT_BASE)
    p.add_argument("--profile", help="py-spy raw (collapsed) profile of the first server to this file")
    p.add_argument("--json", help="write the result here too")
    args = p.parse_args(argv)
    if args.target == "floor":
        args.server = "websockets"
        args.layer = "none"
    if args.layer == "memory" and args.procs > 1:
        p.error("the in-memory layer does not cross processes")
    if args.scenario in ("storm", "idle") and args.target != "app":
        p.error("storm and idle run against the app")
    if args.scenario == "shutdown" and (args.target == "floor" or args.procs != 1):
        p.error("shutdown runs against one ASGI server process")
    return args


def _terminate(signum, frame):
    raise KeyboardInterrupt  # unwinds through the finally blocks that stop the servers


def run(argv=None) -> dict:
    import resource

    signal.signal(signal.SIGTERM, _terminate)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:  # a socket per client
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    args = parse_args(argv)
    try:
        import uvloop

        result = uvloop.run(main_async(args))
    except ImportError:
        result = asyncio.run(main_async(args))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    out = run()
    json.dump(out, sys.stdout, indent=1)
    print()
