"""What every benchmark shares: its environment, its servers, and how it watches them.

The benchmarks run the real ASGI servers as child processes against their own
PostgreSQL database (``cg_bench``), Redis database 8 and channel prefix, so they
never touch another run's data. Everything binds to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PYTHON = sys.executable

DB_NAME = os.environ.get("BENCH_DB", "cg_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
VAR_DIR = os.environ.get("BENCH_VAR_DIR", "/tmp/cg_bench")
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "8120"))  # 8120-8140
HOST = "127.0.0.1"


def bench_env(*, layer: str = "redis", db: str | None = None, extra: dict | None = None) -> dict:
    """The environment of a server or setup step: ``layer`` is ``redis`` or ``memory``."""
    env = dict(os.environ)
    for key in ("REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
        env.pop(key, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"{PG}/{db or DB_NAME}",
            "VAR_DIR": VAR_DIR,
            "CHANNELS_PREFIX": "cgbench",
            "CACHE_PREFIX": "cgbench",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if layer == "redis":
        env["REDIS_URL"] = REDIS_URL
    env.update(extra or {})
    return env


def django_setup(*, layer: str = "redis", db: str | None = None, extra: dict | None = None) -> None:
    """Configure this process like a server with ``bench_env`` and set Django up."""
    os.environ.update(bench_env(layer=layer, db=db, extra=extra))
    if layer != "redis":
        os.environ.pop("REDIS_URL", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", f"{PG}/{db}", "-v", "ON_ERROR_STOP=1", "-Atc", sql], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def ensure_database(db: str | None = None, *, fresh: bool = False) -> None:
    """Create the bench database (dropped first when ``fresh``) and migrate it."""
    db = db or DB_NAME
    assert db.startswith("cg_bench"), db
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"
    if exists and fresh:
        psql(f'DROP DATABASE "{db}" WITH (FORCE)')
        exists = False
    if not exists:
        psql(f'CREATE DATABASE "{db}"')
    Path(VAR_DIR).mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=bench_env(db=db),
        check=True,
    )


def flush_redis() -> None:
    """Empty Redis database 8 (the benchmarks' own)."""
    assert REDIS_URL.endswith("/8"), REDIS_URL
    subprocess.run(["redis-cli", "-n", "8", "FLUSHDB"], capture_output=True, check=True)


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {HOST}:{port} after {timeout}s")


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME-WAIT from a past run is fine
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


# --- Servers --------------------------------------------------------------------------

APPS = {"app": "config.asgi:application", "bare": "bench.bare_asgi:application"}

# Uvicorn's bound on a graceful shutdown (SIGTERM): after this many seconds it
# cancels what is still running and exits. Daphne runs with its defaults.
UVICORN_GRACEFUL_SHUTDOWN_S = 8


def server_command(*, target: str, server: str, port: int) -> list[str]:
    if target == "floor":
        return [PYTHON, "-m", "bench.floor", "--port", str(port)]
    app = APPS[target]
    if server == "daphne":
        return [str(VENV_BIN / "daphne"), "-b", HOST, "-p", str(port), "--verbosity", "0", app]
    if server == "uvicorn":
        return [
            str(VENV_BIN / "uvicorn"),
            app,
            "--host",
            HOST,
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--ws",
            "websockets",
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            str(UVICORN_GRACEFUL_SHUTDOWN_S),
        ]
    raise ValueError(server)


@dataclass
class Server:
    """One ASGI (or floor) server process on a port of its own."""

    target: str
    server: str
    layer: str
    port: int
    extra: dict | None = None
    proc: subprocess.Popen | None = None
    log: Path | None = None

    def start(self) -> Server:
        if not port_free(self.port):
            raise RuntimeError(f"port {self.port} is busy")
        Path(VAR_DIR).mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%H%M%S")
        self.log = Path(VAR_DIR) / "logs" / f"{stamp}-{self.target}-{self.server}-{self.layer}-{self.port}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = server_command(target=self.target, server=self.server, port=self.port)
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=bench_env(layer=self.layer, extra=self.extra),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            self.proc.wait(5)

    def log_tail(self, n: int = 20) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def _tree(pid: int) -> list[psutil.Process]:
    try:
        proc = psutil.Process(pid)
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and their children so far."""
    total = 0.0
    for pid in pids:
        for proc in _tree(pid):
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system
    return total


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for proc in _tree(pid):
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
    return total


def redis_pid() -> int | None:
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] and proc.info["name"].startswith("redis-server"):
            return proc.pid
    return None


@dataclass
class Monitor:
    """Peak RSS of the servers, sampled in a thread; CPU taken as start/end deltas."""

    pids: list[int]
    interval: float = 0.5
    peak_rss: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Monitor:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_rss = max(self.peak_rss, rss_bytes(self.pids))

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        self.peak_rss = max(self.peak_rss, rss_bytes(self.pids))


class CpuWindow:
    """CPU seconds used by the servers, Redis and this process between ``start`` and ``stop``."""

    def __init__(self, server_pids: list[int]):
        self.server_pids = server_pids
        self.redis = redis_pid()

    def _read(self) -> tuple[float, float, float, float]:
        me = psutil.Process()
        t = me.cpu_times()
        return (
            cpu_seconds(self.server_pids),
            cpu_seconds([self.redis]) if self.redis else 0.0,
            t.user + t.system,
            time.monotonic(),
        )

    def start(self) -> CpuWindow:
        self.a = self._read()
        return self

    def stop(self) -> dict:
        b = self._read()
        wall = b[3] - self.a[3]
        return {
            "wall_s": round(wall, 2),
            "server_cpu_s": round(b[0] - self.a[0], 2),
            "server_cpu_pct": round(100 * (b[0] - self.a[0]) / wall, 1) if wall else None,
            "redis_cpu_pct": round(100 * (b[1] - self.a[1]) / wall, 1) if wall else None,
            "generator_cpu_pct": round(100 * (b[2] - self.a[2]) / wall, 1) if wall else None,
        }


def machine() -> dict:
    import platform

    def version(mod: str) -> str:
        try:
            from importlib.metadata import version as v

            return v(mod)
        except Exception:
            return "?"

    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "versions": {
            m: version(m)
            for m in (
                "Django",
                "channels",
                "channels-redis",
                "daphne",
                "uvicorn",
                "uvloop",
                "websockets",
                "psycopg2-binary",
                "redis",
                "celery",
            )
        },
        "postgres": psql("SHOW server_version"),
        "redis_server": subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2][
            2:
        ]
        if shutil.which("redis-server")
        else "?",
    }


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
