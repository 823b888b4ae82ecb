"""Real parts to break: Daphne processes, a private redis-server, and a TCP
proxy in front of PostgreSQL that can be cut and restored.

Everything listens on loopback only, on ports 8141-8160,
every wait is bounded, and every process is started in its own session so a
SIGKILL takes exactly it (and nothing of anyone else's) down.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings

from tests.reminders_tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]
DAPHNE = Path(sys.executable).with_name("daphne")
REDIS_SERVER = shutil.which("redis-server")
PORTS = range(8141, 8161)
_taken: set[int] = set()


def free_port() -> int:
    """A free loopback port from our range (never one this run handed out)."""
    for port in PORTS:
        if port in _taken:
            continue
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    _taken.clear()  # a long run: ports freed by stopped processes come back
    raise RuntimeError("no free port in 8141-8160")


def release_port(port: int) -> None:
    _taken.discard(port)


def wait_listening(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process on :{port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on :{port} after {timeout}s")


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


class RedisServer:
    """``redis-server`` without persistence on a port of ours: a restart loses
    every key, group membership included, as a crashed Redis without AOF would."""

    def __init__(self, log_path: Path):
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_listening(self.port, 10, self.proc)

    def kill(self) -> None:
        if self.proc is not None:
            _kill_group(self.proc, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            _kill_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        release_port(self.port)


class Daphne:
    """One ASGI server process of the app, like a deployment's worker."""

    def __init__(self, *, log_path: Path, database: str | None = None, redis_url: str | None = None,
                 prefix: str = "", heartbeat: int = 1, wait: bool = True):  # fmt: skip
        self.port = free_port()
        self.log_path = log_path
        env = dict(os.environ)
        for name in ("REDIS_URL", "CHANNELS_PREFIX", "CACHE_PREFIX", "CELERY_BROKER_URL"):
            env.pop(name, None)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": database or database_url(),
                "LIVE_HEARTBEAT_SECONDS": str(heartbeat),
                "LIVE_RATE_PER_10S": "10000",
                "VAR_DIR": str(settings.VAR_DIR),
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if redis_url:
            env.update({"REDIS_URL": redis_url, "CHANNELS_PREFIX": prefix, "CACHE_PREFIX": prefix + "c"})
        else:
            env["CELERY_BROKER_URL"] = "memory://"
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(DAPHNE), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.ready()

    def ready(self) -> None:
        try:
            wait_listening(self.port, 60, self.proc)
        except Exception as exc:
            raise RuntimeError(f"daphne did not start: {self.log_tail()}") from exc

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no close frames, no presence cleanup, transactions cut off."""
        _kill_group(self.proc, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            _kill_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        release_port(self.port)

    def log_tail(self, chars: int = 3000) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]


class PgProxy:
    """A TCP proxy in front of PostgreSQL. ``cut()`` closes every proxied
    connection and refuses new ones (accepts and closes them at once, as a
    database that is restarting would); ``restore()`` lets them through again."""

    def __init__(self, upstream_port: int = 5432):
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = free_port()
        self.cut_flag = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.refused = 0
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(64)
        self.server.settimeout(0.2)
        self.thread = threading.Thread(target=self._accept_loop, name="pg-proxy", daemon=True)
        self.thread.start()

    def database_url(self) -> str:
        db = settings.DATABASES["default"]
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@127.0.0.1:{self.port}/{db['NAME']}"

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.cut_flag.is_set():
                self.refused += 1
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def cut(self) -> None:
        self.cut_flag.set()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def restore(self) -> None:
        self.cut_flag.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.cut()
        self.server.close()
        self.thread.join(timeout=5)
        release_port(self.port)


def prefix() -> str:
    return f"cgh{uuid.uuid4().hex[:6]}"
