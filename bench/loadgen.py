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
  load   the reference load; loss and duplicates counted per client by seq
         (without resuming), then resumed to check completeness
  storm  load running, then every socket dropped at once; each client
         reconnects and resumes from its last seq (app only)
  idle   sockets open and silent; server CPU over the window (app only)

    python -m bench.loadgen --target app --server daphne --layer redis \
        --rooms 30 --clients 40 --rate 1 --duration 30 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench import common

NS = 1_000_000_000
MS = 1_000_000


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
    hello_seq: int = 0
    first_hello_seq: int | None = None
    seen: set = field(default_factory=set)
    dups: int = 0
    contiguous: int = 0
    connected: bool = False
    resumed_event: asyncio.Event | None = None
    caught_up_at: float | None = None
    hello_at: float | None = None
    frames: int = 0
    events: int = 0
    task: asyncio.Task | None = None

    def mark(self, seq: int, counting_dups: bool) -> None:
        if seq in self.seen:
            if counting_dups:
                self.dups += 1
            return
        self.seen.add(seq)
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
        self.pending_acks: dict[str, int] = {}
        self.sent = 0
        self.errors: dict[str, int] = {}
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
        c.ws = await connect(
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
        hello = json.loads(await asyncio.wait_for(c.ws.recv(), hello_timeout))
        if hello.get("type") != "hello":
            raise RuntimeError(f"expected hello, got {hello.get('type')}")
        c.hello_at = time.monotonic()
        c.hello_seq = hello["last_seq"]
        if c.first_hello_seq is None:
            c.first_hello_seq = c.hello_seq
            c.contiguous = c.hello_seq
        self.connect_ms.append((time.perf_counter_ns() - t0) / MS)
        c.connected = True
        c.task = asyncio.create_task(self.reader(c))

    async def reader(self, c: Client) -> None:
        ws = c.ws
        try:
            async for text in ws:
                now = time.perf_counter_ns()
                c.frames += 1
                frame = json.loads(text)
                kind = frame.get("type")
                if kind == "event":
                    c.events += 1
                    seq = frame["seq"]
                    if frame.get("event") == "contribution_added":
                        body = frame["contribution"]["text"]
                        parts = body.split(" ", 5)
                        if parts[0] == "bench" and self.measuring and int(parts[3]) != c.idx:
                            self.latencies_ms.append((now - int(parts[1])) / MS)
                    c.mark(seq, self.counting_dups)
                    self._check_caught_up(c)
                elif kind == "ack":
                    t = self.pending_acks.pop(frame.get("client_id"), None)
                    if t is not None and self.measuring:
                        self.ack_ms.append((now - t) / MS)
                elif kind == "resumed":
                    if c.resumed_event is not None:
                        c.resumed_event.set()
                    self._check_caught_up(c)
                elif kind == "error":
                    code = frame.get("code", "?")
                    self.errors[code] = self.errors.get(code, 0) + 1
        except Exception:
            pass
        finally:
            c.connected = False
            code = getattr(ws, "close_code", None)
            self.closes[str(code)] = self.closes.get(str(code), 0) + 1

    def _check_caught_up(self, c: Client) -> None:
        if (
            self.storm_at is not None
            and c.caught_up_at is None
            and c.resumed_event is not None
            and c.resumed_event.is_set()
            and c.contiguous >= c.hello_seq
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
                self.pending_acks[cid] = time.perf_counter_ns()
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

    fixtures.sweep_connections()
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
    delay = 0.5
    while time.monotonic() < deadline:
        try:
            c.resumed_event = asyncio.Event()
            await run.open(c, hello_timeout=max(1.0, deadline - time.monotonic()))
            await c.ws.send(json.dumps({"type": "resume", "since": c.contiguous}))
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
    """(deliveries expected, deliveries missing, clients with a hole)."""
    total = missing = holed = 0
    for c in clients:
        start = c.first_hello_seq or 0
        want = expected[c.room] - start
        have = sum(1 for s in c.seen if start < s <= expected[c.room])
        total += want
        missing += want - have
        holed += want > have
    return total, missing, holed


async def main_async(args) -> dict:
    result: dict = {"args": vars(args).copy(), "loadavg_before": common.loadavg()}
    if args.target == "app":
        common.django_setup(layer=args.layer)
    sessions, cookies = await asyncio.to_thread(prepare, args)
    if args.layer == "redis":
        common.flush_redis()
    ports = [args.port + i for i in range(args.procs)]
    extra = {"DJANGO_SETTINGS_MODULE": "bench.settings_whatif", "BENCH_WHATIF": args.whatif} if args.whatif else None
    servers = [common.Server(args.target, args.server, args.layer, p, extra=extra) for p in ports]
    profiler = None
    try:
        for s in servers:
            s.start()
        pids = [s.proc.pid for s in servers]
        monitor = common.Monitor(pids).start()
        run = Run(args)
        run.room_seq = [0] * args.rooms
        path = {"app": "ws/sessions/{}/", "bare": "ws/bare/{}/", "floor": "ws/floor/{}/"}[args.target]
        clients: list[Client] = []
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
        result["connect_s"] = round(time.monotonic() - t0, 2)
        result["connect_failures"] = len(failures)
        result["connect_failure_kinds"] = sorted({f.split("(")[0] for f in failures})
        result["connects_per_s"] = round(len(run.connect_ms) / max(0.001, result["connect_s"]), 1)
        result["connect_ms"] = percentiles(run.connect_ms)
        result["sockets"] = sum(c.connected for c in clients)
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
                expected = await asyncio.to_thread(lambda: common_last_seqs(sessions))
                expected = {r: expected.get(sid, 0) for r, sid in enumerate(sessions)}
            else:
                expected = dict(enumerate(run.room_seq))
            result["drain_s"] = await drain(clients, expected, quiet=args.drain, limit=args.drain_limit)
            run.measuring = False
            result["window"] = cpu.stop()
            if profiler is not None:
                result["profile"] = finish_profile(profiler)
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
            if args.target == "app":
                run.counting_dups = False
                result["resumes_asked"] = await resume_missing(run, clients, expected, timeout=30)
                _, after, holed_after = count_loss(clients, expected)
                result["lost_after_resume"] = after
                result["clients_incomplete_after_resume"] = holed_after
            result["errors"] = run.errors
            result["sockets_at_end"] = sum(c.connected for c in clients)
        monitor.stop()
        result["server_peak_rss_mb"] = round(monitor.peak_rss / 2**20, 1)
        for c in clients:
            if c.ws is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(c.ws.close(), 2)
        for c in clients:
            if c.task is not None:
                c.task.cancel()
    except Abort:
        pass
    finally:
        if profiler is not None:
            with contextlib.suppress(Exception):
                profiler.kill()
        for s in servers:
            s.stop()
        if servers and servers[0].proc and servers[0].proc.returncode not in (0, -15, None):
            result["server_log_tail"] = servers[0].log_tail()
    result["loadavg_after"] = common.loadavg()
    return result


def common_last_seqs(sessions: list[int]) -> dict[int, int]:
    from bench import fixtures

    return fixtures.room_last_seqs(sessions)


async def storm(run: Run, clients: list[Client], args) -> dict:
    """Drop every socket at once; reconnect each and resume from its last seq."""
    run.counting_dups = False  # replays overlap what a client holds; it keeps the first copy
    run.storm_at = time.monotonic()
    for c in clients:
        c.caught_up_at = None
        with contextlib.suppress(Exception):
            c.ws.transport.abort()
    await asyncio.sleep(0)  # let the readers see their sockets go
    deadline = run.storm_at + args.storm_timeout
    await asyncio.gather(*(reconnect(run, c, deadline) for c in clients))
    while time.monotonic() < deadline and any(c.caught_up_at is None for c in clients):
        await asyncio.sleep(0.1)
    times = [(c.caught_up_at - run.storm_at) * 1000 for c in clients if c.caught_up_at is not None]
    return {
        "storm_clients": len(clients),
        "storm_caught_up": len(times),
        "storm_all_caught_up_s": round(max(times) / 1000, 2) if len(times) == len(clients) else None,
        "storm_catch_up_ms": percentiles(times),
    }


# --- profiling ------------------------------------------------------------------------------


def start_profile(args, pid: int):
    out = Path(args.profile)
    out.parent.mkdir(parents=True, exist_ok=True)
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
            str(int(args.duration)),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish_profile(proc) -> str:
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    return proc.args[proc.args.index("--output") + 1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", choices=["app", "bare", "floor"], default="app")
    p.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    p.add_argument("--layer", choices=["redis", "memory"], default="redis")
    p.add_argument("--scenario", choices=["load", "storm", "idle"], default="load")
    p.add_argument("--procs", type=int, default=1, help="ASGI server processes sharing the layer")
    p.add_argument("--rooms", type=int, default=30)
    p.add_argument("--clients", type=int, default=40)
    p.add_argument("--rate", type=float, default=1.0, help="contributions per room per second")
    p.add_argument("--text-bytes", type=int, default=200)
    p.add_argument("--duration", type=float, default=30.0, help="seconds of load (or idle)")
    p.add_argument("--settle", type=float, default=3.0, help="seconds between the last hello and the load")
    p.add_argument(
        "--drain", type=float, default=5.0, help="after the last send, stop waiting once no frame came for this long"
    )
    p.add_argument("--drain-limit", type=float, default=60.0, help="after the last send, wait at most this long")
    p.add_argument("--storm-after", type=float, default=10.0)
    p.add_argument("--storm-timeout", type=float, default=60.0)
    p.add_argument("--connect-concurrency", type=int, default=20)
    p.add_argument("--connect-timeout", type=float, default=180.0, help="seconds to open every socket")
    p.add_argument("--min-open", type=float, default=0.9, help="share of sockets that must open for the run to go on")
    p.add_argument("--whatif", default="", help="run the app with bench/settings_whatif.py and these changes")
    p.add_argument("--port", type=int, default=common.PORT_BASE)
    p.add_argument("--profile", help="py-spy raw (collapsed) profile of the first server to this file")
    p.add_argument("--json", help="write the result here too")
    args = p.parse_args(argv)
    if args.target == "floor":
        args.server = "websockets"
        args.layer = "none"
    if args.layer == "memory" and args.procs > 1:
        p.error("the in-memory layer does not cross processes")
    if args.scenario != "load" and args.target != "app":
        p.error("storm and idle run against the app")
    return args


def _terminate(signum, frame):
    raise KeyboardInterrupt  # unwinds through the finally blocks that stop the servers


def run(argv=None) -> dict:
    import signal

    signal.signal(signal.SIGTERM, _terminate)
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
