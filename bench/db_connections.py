"""Database connections for the live room: opened per call, or reused?

Measures what one process pays for the live room's per-socket database work as
the app runs it: Channels' ``database_sync_to_async`` (``close_old_connections``
before and after every call, all calls of a process on one thread) around

* a *read* call: what a socket's connect reads, the session (with its meeting),
  ``core.selectors.member_get`` and ``sessions.selectors.room_state_for_member``
  (the ``hello`` state, REPEATABLE READ, about fifteen queries), and
* a *write* call: one ``UPDATE`` of one row (the coroutine's own user's
  ``last_login``) inside ``transaction.atomic``, the size of a heartbeat's write,

read then write, (a) from one coroutine and (b) from 200 concurrent coroutines,
each for a fixed time, under each of these choices, one child process each:

1. psycopg2, ``CONN_MAX_AGE=0``: a new PostgreSQL connection per call (today);
2. psycopg2, ``CONN_MAX_AGE=60`` + ``CONN_HEALTH_CHECKS``: the consumer's sync
   thread keeps its connection;
3. psycopg2, ``CONN_MAX_AGE=0`` through PgBouncer in transaction mode
   (``DISABLE_SERVER_SIDE_CURSORS``);
4. psycopg2, persistent (as 2) through PgBouncer (as 3);
5. psycopg 3 with Django's pool (``OPTIONS={"pool": True}``, ``CONN_MAX_AGE=0``,
   health checks on) from a throwaway venv under ``var/``;
6. control: psycopg 3, persistent as 2, no pool: the driver alone against 2;
7. psycopg2, ``CONN_MAX_AGE=0``, calls made through the app's own
   ``core.db.socket_db`` instead of ``database_sync_to_async`` (only the
   sockets' thread keeps its connection, 60 s, health-checked), when the app
   has it.

Options run interleaved (rotated order) in several rounds; every ratio is taken
within one round and the median over rounds reported, because the machine is
shared and noisy. Each child also counts the TCP connections it holds to the
database port, and afterwards sends 100 plain HTTP requests (``/healthz``)
through the app's ASGI handler, which runs each request on a thread of its own
(``ThreadSensitiveContext``): a setting that keeps connections per thread shows
there how many it leaves open.

The database is ``cg_dbconn``: dropped, created, migrated and seeded on every
run. PgBouncer (if installed) runs on a free local port with a config under
``var/dbconn``; an option that cannot run here is reported "not measured" with
the reason.

    .venv/bin/python -m bench.db_connections          # prints the markdown
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "dbconn"
DB_NAME = "cg_dbconn"
PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN = f"postgres://postgres@{PG_HOST}:{PG_PORT}"
MAIN_PYTHON = ROOT / ".venv" / "bin" / "python"
VENV3 = VAR / "venv-psycopg3"
PSYCOPG3_PINS = ["psycopg[binary,pool]==3.3.9", "psycopg-binary==3.3.9", "psycopg-pool==3.3.3"]
CONCURRENCY = 200
HTTP_PROBE_REQUESTS = 100
RESULT_TAG = "DBCONN_RESULT "
READER_EMAIL = "dbconn@bench.localhost"
WRITER_EMAIL = "dbconn-writer-{i}@bench.localhost"

OPTIONS: dict[str, dict] = {
    "1": {
        "label": "psycopg2, CONN_MAX_AGE=0 (today)",
        "driver": "psycopg2",
        "conn_max_age": 0,
        "health": False,
        "pgbouncer": False,
        "pool": False,
        "wrapper": "channels",
    },
    "2": {
        "label": "psycopg2, CONN_MAX_AGE=60 + health checks",
        "driver": "psycopg2",
        "conn_max_age": 60,
        "health": True,
        "pgbouncer": False,
        "pool": False,
        "wrapper": "channels",
    },
    "3": {
        "label": "psycopg2, CONN_MAX_AGE=0 via PgBouncer (transaction)",
        "driver": "psycopg2",
        "conn_max_age": 0,
        "health": False,
        "pgbouncer": True,
        "pool": False,
        "wrapper": "channels",
    },
    "4": {
        "label": "psycopg2, CONN_MAX_AGE=60 + health via PgBouncer",
        "driver": "psycopg2",
        "conn_max_age": 60,
        "health": True,
        "pgbouncer": True,
        "pool": False,
        "wrapper": "channels",
    },
    "5": {
        "label": "psycopg 3, Django pool (pool=True, CONN_MAX_AGE=0, health checks)",
        "driver": "psycopg",
        "conn_max_age": 0,
        "health": True,
        "pgbouncer": False,
        "pool": True,
        "wrapper": "channels",
    },
    "6": {
        "label": "control: psycopg 3, CONN_MAX_AGE=60 + health, no pool",
        "driver": "psycopg",
        "conn_max_age": 60,
        "health": True,
        "pgbouncer": False,
        "pool": False,
        "wrapper": "channels",
    },
    "7": {
        "label": "psycopg2, CONN_MAX_AGE=0 + the app's core.db.socket_db, socket thread keeps 60 s",
        "driver": "psycopg2",
        "conn_max_age": 0,
        "health": False,
        "pgbouncer": False,
        "pool": False,
        "wrapper": "socket_db",
    },
}


# --- Shared helpers ------------------------------------------------------------------


def _child_env(db_port: int, run_id: str = "") -> dict:
    env = dict(os.environ)
    for key in ("REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DJANGO_ENV", "DATABASE_URL", "PYTHONPATH"):
        env.pop(key, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://postgres@{PG_HOST}:{db_port}/{DB_NAME}",
            "VAR_DIR": str(VAR / "app"),
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "DBCONN_RUN_ID": run_id,
        }
    )
    return env


def _psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", f"{PG_ADMIN}/{db}", "-v", "ON_ERROR_STOP=1", "-Atc", sql], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def _pctl(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((PG_HOST, 0))
        return s.getsockname()[1]


def _held_connections(port: int) -> int:
    """ESTABLISHED TCP connections this process holds to ``port`` (Linux /proc)."""
    inodes = set()
    fd_dir = Path("/proc/self/fd")
    for fd in os.listdir(fd_dir):
        with contextlib.suppress(OSError):
            target = os.readlink(fd_dir / fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    held = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            next(f)
            for line in f:
                parts = line.split()
                remote_port = int(parts[2].rsplit(":", 1)[1], 16)
                if remote_port == port and parts[3] == "01" and parts[9] in inodes:
                    held += 1
    return held


# --- The child: one option, one round --------------------------------------------------


def _django_setup(spec: dict | None) -> None:
    """Import the app's settings, apply the option's database settings, set Django up."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import config.settings as app_settings

    db = app_settings.DATABASES["default"]
    if spec is not None:
        db["CONN_MAX_AGE"] = spec["conn_max_age"]
        db["CONN_HEALTH_CHECKS"] = spec["health"]
        if spec["pgbouncer"]:
            # Transaction pooling hands each transaction any server connection:
            # a named (server-side) cursor would not outlive its transaction.
            db["DISABLE_SERVER_SIDE_CURSORS"] = True
        if spec["pool"]:
            db.setdefault("OPTIONS", {})["pool"] = True
    import django

    django.setup()


def _seed(run_id: str) -> dict:
    """One exchange, team, member, meeting and open session, some words, 200 users to write to."""
    import datetime as dt

    from django.utils import timezone

    from exchanges.models import Exchange, Meeting, Team
    from participants.models import ExchangeRole, Member, StakeholderRole, User
    from sessions import services
    from sessions.models import DialogueSession, Phase

    now = timezone.now()
    exchange = Exchange.objects.create(
        title=f"DB connections bench {run_id}",
        convening_organisation="Bench",
        time_zone="UTC",
        status=Exchange.Status.ACTIVE,
    )
    team = Team.objects.create(exchange=exchange, community_name="Bench town", state_region="OH", locale_type="urban")
    user = User.objects.create(email=READER_EMAIL, first_name="Bench")
    user.set_unusable_password()
    user.save()
    member = Member.objects.create(
        exchange=exchange,
        user=user,
        exchange_role=ExchangeRole.PARTICIPANT,
        stakeholder_role=StakeholderRole.OTHER,
        team=team,
        display_name="Bench Person",
        time_zone="UTC",
        consented_at=now,
    )
    meeting = Meeting.objects.create(
        exchange=exchange,
        number=1,
        title="Bench meeting",
        time_zone="UTC",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=3650),
    )
    session = DialogueSession.objects.create(
        meeting=meeting,
        title="Bench room",
        question="What is one thing you've been trying to do to improve trust?",
        planned_start=now,
        planned_end=now + dt.timedelta(hours=2),
        state=DialogueSession.State.OPEN,
        opened_at=now,
    )
    for order, title in enumerate(("Opening round", "Stories", "Closing"), start=1):
        Phase.objects.create(session=session, order=order, title=title, planned_minutes=30)
    words, note = 0, None
    try:
        for i in range(20):  # a room that has been talking a little, through the real service
            services.contribution_create(
                session_id=session.pk, member=member, client_id=f"dbconn-{i}", text=f"Something we tried, part {i}."
            )
            words += 1
    except Exception as exc:  # the app is someone else's moving target: say so, measure anyway
        note = f"contribution_create failed after {words}: {exc.__class__.__name__}: {exc}"
    # One row per coroutine for the write.
    User.objects.bulk_create([User(email=WRITER_EMAIL.format(i=i), password=user.password) for i in range(CONCURRENCY)])
    return {"session_id": session.pk, "user_id": user.pk, "contributions": words, "note": note}


async def _http_probe(db_port: int) -> dict:
    """GET /healthz through the app's ASGI handler (a thread per request), count what stays open."""
    import asyncio

    from config.asgi import application

    statuses: dict[int, int] = {}
    before = _held_connections(db_port)

    async def one() -> None:
        sent = False

        async def receive() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client never goes away
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                statuses[message["status"]] = statuses.get(message["status"], 0) + 1

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/healthz",
            "raw_path": b"/healthz",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 80),
        }
        await application(scope, receive, send)

    t0 = time.perf_counter()
    for _ in range(HTTP_PROBE_REQUESTS):
        await one()
    elapsed = time.perf_counter() - t0
    after = _held_connections(db_port)
    gc.collect()
    await asyncio.sleep(0.05)
    after_gc = _held_connections(db_port)
    return {
        "requests": HTTP_PROBE_REQUESTS,
        "statuses": statuses,
        "ms_per_request": round(1000 * elapsed / HTTP_PROBE_REQUESTS, 2),
        "held_before": before,
        "held_after": after,
        "held_after_gc": after_gc,
    }


async def _measure(spec: dict, seconds: float, db_port: int) -> dict:
    import asyncio

    from asgiref.sync import sync_to_async
    from channels.db import database_sync_to_async
    from django.db import connection, transaction
    from django.utils import timezone

    from core.selectors import member_get
    from participants.models import User
    from sessions.models import DialogueSession
    from sessions.selectors import room_state_for_member

    if spec["wrapper"] == "socket_db":
        from core.db import socket_db as wrap
    else:
        wrap = database_sync_to_async
    driver = connection.Database.__name__
    if driver != spec["driver"]:
        raise RuntimeError(f"option wants {spec['driver']} but Django loaded {driver}")
    run_id = os.environ["DBCONN_RUN_ID"]
    session_id = await database_sync_to_async(
        lambda: (
            DialogueSession.objects.filter(
                title="Bench room", meeting__exchange__title=f"DB connections bench {run_id}"
            )
            .values_list("pk", flat=True)
            .first()
        )
    )()
    if session_id is None:
        raise RuntimeError(f"{DB_NAME} no longer holds this run's rows: another process recreated it mid-run")
    # The websocket's scope carries the user the auth middleware loaded.
    user = await database_sync_to_async(lambda: User.objects.get(email=READER_EMAIL))()
    writers = await database_sync_to_async(
        lambda: dict(User.objects.filter(email__startswith="dbconn-writer-").values_list("email", "pk"))
    )()
    writer_ids = [writers[WRITER_EMAIL.format(i=i)] for i in range(CONCURRENCY)]

    def read() -> dict:
        session = DialogueSession.objects.select_related("meeting").filter(pk=session_id).first()
        member = member_get(user=user, exchange_id=session.meeting.exchange_id)
        assert member is not None
        return room_state_for_member(session=session, member=member)

    def write(user_id: int) -> int:
        with transaction.atomic():
            return User.objects.filter(pk=user_id).update(last_login=timezone.now())

    read_async = wrap(read)
    write_async = wrap(write)

    hello = await read_async()
    assert hello.get("type") == "hello", hello.get("type")
    for i in range(5):  # warm up: imports, caches, a persistent option's first connection
        await read_async()
        await write_async(writer_ids[i])

    async def phase(workers: int, duration: float) -> dict:
        """Calls completed in a fixed window; calls still queued at its end are cancelled, not counted."""
        lat: dict[str, list[float]] = {"read": [], "write": []}

        async def loop(i: int) -> None:
            name = writer_ids[i]
            while True:
                t = time.perf_counter()
                await read_async()
                lat["read"].append(time.perf_counter() - t)
                t = time.perf_counter()
                updated = await write_async(name)
                lat["write"].append(time.perf_counter() - t)
                assert updated == 1

        t0 = time.perf_counter()
        tasks = [asyncio.create_task(loop(i)) for i in range(workers)]
        await asyncio.sleep(duration)
        elapsed = time.perf_counter() - t0
        lat = {k: list(v) for k, v in lat.items()}  # the window's calls, before the queue is cancelled
        failed = [t for t in tasks if t.done() and not t.cancelled() and t.exception()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sync_to_async(lambda: None)()  # the call still running on the sockets' thread has finished
        if failed:
            raise failed[0].exception()
        both = lat["read"] + lat["write"]
        ms = 1000.0
        return {
            "workers": workers,
            "seconds": round(elapsed, 3),
            "calls": len(both),
            "calls_per_s": round(len(both) / elapsed, 1),
            "p50_ms": round(ms * _pctl(both, 0.50), 2) if both else None,
            "p99_ms": round(ms * _pctl(both, 0.99), 2) if both else None,
            "read_p50_ms": round(ms * _pctl(lat["read"], 0.50), 2) if lat["read"] else None,
            "read_p99_ms": round(ms * _pctl(lat["read"], 0.99), 2) if lat["read"] else None,
            "write_p50_ms": round(ms * _pctl(lat["write"], 0.50), 2) if lat["write"] else None,
            "write_p99_ms": round(ms * _pctl(lat["write"], 0.99), 2) if lat["write"] else None,
            "held_connections_after": _held_connections(db_port),
        }

    sequential = await phase(1, seconds)
    concurrent = await phase(CONCURRENCY, seconds)
    try:
        probe = await _http_probe(db_port) if os.environ.get("DBCONN_PROBE") == "1" else {"skipped": True}
    except Exception as exc:  # the probe is a side check: report it, keep the measurement
        probe = {"error": f"{exc.__class__.__name__}: {exc}"[:300]}
    return {
        "driver": driver,
        "driver_version": getattr(connection.Database, "__version__", "?"),
        "sequential": sequential,
        "concurrent": concurrent,
        "http_probe": probe,
    }


def _child_main(mode: str) -> None:
    if mode == "seed":
        _django_setup(None)
        out = _seed(os.environ["DBCONN_RUN_ID"])
    else:
        import asyncio

        spec = json.loads(os.environ["DBCONN_SPEC"])
        _django_setup(spec)
        out = asyncio.run(_measure(spec, float(os.environ["DBCONN_SECONDS"]), int(os.environ["DBCONN_DB_PORT"])))
    print(RESULT_TAG + json.dumps(out), flush=True)


# --- The parent: setup, rounds, teardown -------------------------------------------------


def _run_child(python: Path, mode: str, env: dict, timeout: float) -> dict:
    proc = subprocess.run(
        [str(python), "-m", "bench.db_connections", "--child", mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG) :])
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-6:])
    raise RuntimeError(f"child {mode} exited {proc.returncode}: {tail}")


def _pip_versions(python: Path, names: list[str]) -> dict:
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        f"for n in {names!r}:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _ensure_psycopg3_venv() -> tuple[Path | None, str]:
    """The throwaway venv for psycopg 3: the app's pinned requirements plus psycopg 3 (cached)."""
    stamp_text = hashlib.sha256((ROOT / "requirements.txt").read_bytes() + " ".join(PSYCOPG3_PINS).encode()).hexdigest()
    python = VENV3 / "bin" / "python"
    stamp = VENV3 / ".dbconn-stamp"
    if python.exists() and stamp.exists() and stamp.read_text() == stamp_text:
        return python, "reused"
    shutil.rmtree(VENV3, ignore_errors=True)
    VAR.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([str(MAIN_PYTHON), "-m", "venv", str(VENV3)], check=True, capture_output=True, timeout=120)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements.txt"), *PSYCOPG3_PINS],
            check=True,
            capture_output=True,
            text=True,
            timeout=400,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or ""
        return None, f"could not build the psycopg 3 venv: {exc.__class__.__name__} {str(detail).strip()[-200:]}"
    stamp.write_text(stamp_text)
    return python, "built"


def _fresh_database() -> None:
    _psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run(
        [str(MAIN_PYTHON), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_child_env(PG_PORT),
        check=True,
        capture_output=True,
        timeout=300,
    )


class PgBouncer:
    """PgBouncer in transaction mode on a free local port, config and log under var/dbconn."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None
        self.log = VAR / "pgbouncer.log"

    def start(self) -> PgBouncer:
        ini = VAR / "pgbouncer.ini"
        run_as = "user = postgres\n" if os.geteuid() == 0 else ""  # it refuses to run as root
        ini.write_text(
            "[databases]\n"
            f"{DB_NAME} = host={PG_HOST} port={PG_PORT} dbname={DB_NAME} user=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = {PG_HOST}\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = any\n"
            "pool_mode = transaction\n"
            "max_client_conn = 1000\n"
            "default_pool_size = 20\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            "logfile =\n"
            "pidfile =\n" + run_as
        )
        self.proc = subprocess.Popen(
            [self.binary, str(ini)], stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited {self.proc.returncode}: {self.log.read_text()[-300:]}")
            with contextlib.suppress(OSError), socket.create_connection((PG_HOST, self.port), timeout=0.5):
                return self
            time.sleep(0.1)
        raise RuntimeError("pgbouncer did not listen within 10 s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def _environment(pgbouncer_bin: str | None, venv3: Path | None) -> dict:
    import platform

    main = _pip_versions(MAIN_PYTHON, ["Django", "channels", "asgiref", "psycopg2-binary", "psycopg"])
    env = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "postgres": _psql("SHOW server_version"),
        "main_venv": main,
        "psycopg2": main.get("psycopg2-binary"),
        "psycopg_in_main_venv": main.get("psycopg"),
        "psycopg": None,
        "psycopg_pool": None,
        "pgbouncer": None,
    }
    if venv3 is not None:
        side = _pip_versions(venv3, ["psycopg", "psycopg-binary", "psycopg-pool", "psycopg2-binary", "Django"])
        env["side_venv"] = side
        env["psycopg"] = side.get("psycopg")
        env["psycopg_pool"] = side.get("psycopg-pool")
    if pgbouncer_bin:
        out = subprocess.run([pgbouncer_bin, "--version"], capture_output=True, text=True)
        env["pgbouncer"] = (out.stdout or out.stderr).splitlines()[0].replace("PgBouncer ", "") if out.stdout else "?"
    return env


@contextlib.contextmanager
def _exclusive(wait_s: float = 60):
    """Hold a PostgreSQL advisory lock for the run: two runs would drop each other's database."""
    try:
        import psycopg2
    except ImportError:  # run from another interpreter: no lock, the per-run marker still catches a clash
        yield
        return
    conn = psycopg2.connect(f"{PG_ADMIN}/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            deadline = time.monotonic() + wait_s
            while True:
                cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [DB_NAME])
                if cur.fetchone()[0]:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"another run of bench.db_connections holds {DB_NAME}; try later")
                time.sleep(1)
        yield
    finally:
        conn.close()


def run(budget_seconds: float = 240) -> dict:
    """Set up, measure every option interleaved over up to three rounds, tear down."""
    with _exclusive():
        return _run(budget_seconds)


def _run(budget_seconds: float) -> dict:
    started = time.monotonic()
    run_id = f"{os.getpid()}-{int(time.time())}"
    VAR.mkdir(parents=True, exist_ok=True)
    not_measured: dict[str, str] = {}
    setup: dict = {}

    t = time.monotonic()
    venv3, venv3_note = _ensure_psycopg3_venv()
    setup["psycopg3_venv"] = venv3_note
    setup["psycopg3_venv_s"] = round(time.monotonic() - t, 1)
    if venv3 is None:
        for key in ("5", "6"):
            not_measured[key] = venv3_note
    pgbouncer_bin = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None
    )
    if pgbouncer_bin is None:
        for key in ("3", "4"):
            not_measured[key] = "pgbouncer is not installed on this machine (apt-get install pgbouncer)"
    core_db = ROOT / "core" / "db.py"
    if not (core_db.exists() and "socket_db" in core_db.read_text()):
        not_measured["7"] = "the app has no core.db.socket_db in this tree"
    environment = _environment(pgbouncer_bin, venv3)

    t = time.monotonic()
    _fresh_database()
    seeded = _run_child(MAIN_PYTHON, "seed", _child_env(PG_PORT, run_id), timeout=120)
    setup["database_s"] = round(time.monotonic() - t, 1)
    setup["seed"] = seeded

    bouncer: PgBouncer | None = None
    if pgbouncer_bin is not None:
        try:
            bouncer = PgBouncer(pgbouncer_bin).start()
            setup["pgbouncer_port"] = bouncer.port
        except Exception as exc:  # reported, never faked
            for key in ("3", "4"):
                not_measured[key] = f"pgbouncer would not start: {exc}"
            bouncer = None

    keys = [k for k in OPTIONS if k not in not_measured]
    runs: dict[str, list[dict | None]] = {k: [] for k in keys}
    errors: dict[str, list[str]] = {k: [] for k in keys}
    overhead = 3.5  # seconds per child besides its two timed phases and the probe (start, setup, warm-up)
    rounds_done = 0
    try:
        for rnd in range(3):
            remaining = budget_seconds - (time.monotonic() - started) - 8
            if rnd == 0:
                remaining -= 2.0 * len(keys)  # the HTTP probe, first round only
            rounds_left = 3 - rnd
            per_child = remaining / (rounds_left * len(keys)) - overhead
            seconds = min(8.0, per_child / 2)
            if seconds < 1.5:
                setup.setdefault("rounds_cut", f"stopped after {rnd} rounds: budget spent")
                break
            order = keys[rnd % len(keys) :] + keys[: rnd % len(keys)]
            for key in order:
                spec = OPTIONS[key]
                port = bouncer.port if spec["pgbouncer"] and bouncer else PG_PORT
                env = _child_env(port, run_id)
                env.update(
                    {
                        "DBCONN_SPEC": json.dumps(spec),
                        "DBCONN_SECONDS": str(seconds),
                        "DBCONN_DB_PORT": str(port),
                        "LIVE_DB_CONN_MAX_AGE": "60",  # what socket_db keeps (option 7)
                        "DBCONN_PROBE": "1" if rnd == 0 else "0",  # the HTTP side check: once per option
                    }
                )
                python = venv3 if spec["driver"] == "psycopg" else MAIN_PYTHON
                t = time.monotonic()
                try:
                    out = _run_child(python, "measure", env, timeout=2 * seconds + 90)
                    out["round"] = rnd
                    out["phase_seconds"] = seconds
                    out["loadavg"] = [round(x, 2) for x in os.getloadavg()]
                    runs[key].append(out)
                except Exception as exc:
                    errors[key].append(str(exc)[-400:])
                    runs[key].append(None)
                spent = time.monotonic() - t
                probe_s = 0.0
                if runs[key][-1] is not None:
                    probe = runs[key][-1]["http_probe"]
                    probe_s = probe.get("ms_per_request", 0) * probe.get("requests", 0) / 1000
                overhead = max(1.5, 0.5 * overhead + 0.5 * (spent - 2 * seconds - probe_s))
            rounds_done = rnd + 1
    finally:
        if bouncer is not None:
            bouncer.stop()
    for key in keys:
        if all(r is None for r in runs[key]):
            not_measured[key] = "every run failed: " + (errors[key][-1] if errors[key] else "?")
    return {
        "options": {k: OPTIONS[k] for k in OPTIONS},
        "concurrency": CONCURRENCY,
        "rounds": rounds_done,
        "runs": runs,
        "errors": {k: v for k, v in errors.items() if v},
        "not_measured": not_measured,
        "environment": environment,
        "setup": setup,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "wall_s": round(time.monotonic() - started, 1),
        "run_id": run_id,
    }


# --- The report ---------------------------------------------------------------------------


def _summary(result: dict) -> dict:
    """Per option: medians over rounds, and ratios to option 1 taken within each round."""
    out: dict[str, dict] = {}
    base = result["runs"].get("1", [])
    for key, runs in result["runs"].items():
        if key in result["not_measured"]:
            continue
        row: dict = {}
        for mode in ("sequential", "concurrent"):
            ok = [r[mode] for r in runs if r]
            for field in ("calls_per_s", "p50_ms", "p99_ms", "read_p50_ms", "write_p50_ms"):
                vals = [m[field] for m in ok if m.get(field) is not None]
                row[f"{mode}_{field}"] = statistics.median(vals) if vals else None
            ratios = [
                r[mode]["calls_per_s"] / b[mode]["calls_per_s"]
                for r, b in zip(runs, base, strict=False)
                if r and b and b[mode]["calls_per_s"]
            ]
            row[f"{mode}_ratio"] = statistics.median(ratios) if ratios else None
            row[f"{mode}_ratio_range"] = (min(ratios), max(ratios)) if ratios else None
            row[f"{mode}_held"] = max((m["held_connections_after"] for m in ok), default=None)
        probes = [r["http_probe"] for r in runs if r and "held_after" in r["http_probe"]]
        row["http_errors"] = [r["http_probe"]["error"] for r in runs if r and "error" in r["http_probe"]]
        row["http_leaked"] = max((p["held_after"] - p["held_before"] for p in probes), default=None)
        row["http_leaked_after_gc"] = max((p["held_after_gc"] - p["held_before"] for p in probes), default=None)
        row["http_ms"] = statistics.median([p["ms_per_request"] for p in probes]) if probes else None
        row["http_statuses"] = sorted({s for p in probes for s in p["statuses"]})
        row["rounds"] = len([r for r in runs if r])
        out[key] = row
    return out


def _pairwise(result: dict, a: str, b: str, mode: str) -> list[float]:
    """calls/s of ``a`` over ``b`` in each round where both ran."""
    ra, rb = result["runs"].get(a, []), result["runs"].get(b, [])
    return [
        x[mode]["calls_per_s"] / y[mode]["calls_per_s"]
        for x, y in zip(ra, rb, strict=False)
        if x and y and y[mode]["calls_per_s"]
    ]


def _windows(result: dict) -> str:
    w = [r["phase_seconds"] for runs in result["runs"].values() for r in runs if r]
    return f"{min(w):.1f}–{max(w):.1f}" if w else "–"


def _wait_s(result: dict, row: dict) -> float | None:
    cps = row.get("concurrent_calls_per_s")
    return result["concurrency"] / cps if cps else None


def _f(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _ratio(x: float | None, rng: tuple | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}× ({rng[0]:.2f}–{rng[1]:.2f})" if rng and rng[0] != rng[1] else f"{x:.2f}×"


def _compare(result: dict, a: str, b: str) -> dict:
    """``a`` against ``b`` round by round, in both phases: who is ahead in every round, if anyone."""
    seq, conc = _pairwise(result, a, b, "sequential"), _pairwise(result, a, b, "concurrent")
    both = seq + conc
    if both and min(both) > 1.10:
        word = "ahead"
    elif both and max(both) < 1 / 1.10:
        word = "behind"
    else:
        word = "not separable"
    return {
        "seq": statistics.median(seq) if seq else None,
        "conc": statistics.median(conc) if conc else None,
        "min": min(both) if both else None,
        "max": max(both) if both else None,
        "word": word,
    }


def _cmp_text(c: dict) -> str:
    return (
        f"{_f(c['seq'], 2)}× one at a time, {_f(c['conc'], 2)}× with 200 sockets, "
        f"rounds {_f(c['min'], 2)}–{_f(c['max'], 2)}×"
    )


def _verdict(result: dict, s: dict) -> str:
    """One paragraph; each claim follows from round-by-round ratios of this run, read conservatively:
    a choice is "ahead" of another only if every round of both phases says so by more than 10 %."""
    if "1" not in s:
        return "Option 1 (today) did not run, so nothing can be compared; no verdict."
    parts: list[str] = []
    reuse = [k for k in ("2", "3", "4", "5", "6", "7") if k in s]
    vs1 = {k: _compare(result, k, "1") for k in reuse}
    ahead = [k for k in reuse if vs1[k]["word"] == "ahead"]
    if not ahead:
        return "No choice beat today's connection per call in every round of this run; keep CONN_MAX_AGE=0."
    lo_seq = min(vs1[k]["seq"] for k in ahead)
    hi_seq = max(vs1[k]["seq"] for k in ahead)
    lo_conc = min(vs1[k]["conc"] for k in ahead)
    hi_conc = max(vs1[k]["conc"] for k in ahead)
    ref = "7" if "7" in ahead else "2" if "2" in ahead else ahead[0]
    parts.append(
        f"Options {', '.join(ahead)} each beat today's new connection per call in every round of both phases: "
        f"{lo_seq:.2f}–{hi_seq:.2f}× today's calls/s one at a time and {lo_conc:.2f}–{hi_conc:.2f}× with 200 sockets "
        f"(medians). The saving is the connect: a `hello` read's p50 went from "
        f"{_f(s['1']['sequential_read_p50_ms'], 2)} ms to {_f(s[ref]['sequential_read_p50_ms'], 2)} ms and a "
        f"one-row write's from {_f(s['1']['sequential_write_p50_ms'], 2)} ms to "
        f"{_f(s[ref]['sequential_write_p50_ms'], 2)} ms (option {ref}). It does not remove the queue: all of a "
        f"process's socket calls still run on one thread, so with 200 sockets queued a call waits about "
        f"{_f(_wait_s(result, s[ref]), 1)} s ({result['concurrency']} ÷ calls/s; today "
        f"{_f(_wait_s(result, s['1']), 1)} s)."
    )
    if "2" in s and "7" in s:
        c = _compare(result, "7", "2")
        parts.append(
            f"The app's `core.db.socket_db` (option 7) against a global `CONN_MAX_AGE=60` (option 2): "
            f"{_cmp_text(c)}, {c['word']}; both keep one health-checked connection on the sockets' thread, so "
            "equal cost is what to expect."
        )
    l2 = s.get("2", {}).get("http_leaked")
    if l2 is not None:
        others = ", ".join(f"option {k}: {s[k]['http_leaked']}" for k in ("1", "7", "5") if k in s)
        parts.append(
            f"What separates them is HTTP: after 100 `GET /healthz` through the ASGI handler (a thread per request) "
            f"a global `CONN_MAX_AGE=60` had left {l2} extra PostgreSQL connections open "
            f"({s['2']['http_leaked_after_gc']} once `gc.collect()` ran: each finished request's connection lives "
            f"until the garbage collector finds it), against {others}."
            if l2 > 0
            else f"In this run's HTTP probe a global `CONN_MAX_AGE=60` left no extra connection open ({others})."
        )
    if "3" in s:
        c31 = vs1["3"]
        txt = (
            f"PgBouncer in transaction mode with a connection per call (option 3) against today: {_cmp_text(c31)}, "
            + (
                "ahead: a connection to PgBouncer costs no backend start"
                if c31["word"] == "ahead"
                else f"{c31['word']}: Django still opens and closes a connection (to PgBouncer) on every call"
            )
        )
        if "2" in s:
            c32 = _compare(result, "3", "2")
            txt += f"; against option 2 it is {c32['word']} ({_cmp_text(c32)})"
        if "4" in s and "2" in s:
            c42 = _compare(result, "4", "2")
            txt += f", and PgBouncer under a kept connection (option 4 vs 2) is {c42['word']} ({_cmp_text(c42)})"
        parts.append(
            txt + ". So it is not needed to get this gain; it belongs in production only when many processes "
            "must share few PostgreSQL backends, with `DISABLE_SERVER_SIDE_CURSORS`."
        )
    base = "7" if "7" in s else "2" if "2" in s else None
    if "5" in s and base:
        c5 = _compare(result, "5", base)
        txt = f"psycopg 3 with Django's pool (option 5) against option {base}: {_cmp_text(c5)}, {c5['word']}"
        if "6" in s and "2" in s:
            c62 = _compare(result, "6", "2")
            txt += f"; the driver alone (option 6 vs 2, both kept) {_cmp_text(c62)}, {c62['word']}"
        large = c5["min"] is not None and c5["min"] >= 1.5
        txt += (
            ". That is a large gain in every round: it would justify weighing a driver change."
            if large
            else ". Not the large, consistent gain (≥ 1.5× in every round of both phases) that changing the driver "
            "the design card names would need: keep psycopg2."
        )
        parts.append(txt)
    elif "5" in result["not_measured"]:
        parts.append(f"psycopg 3 was not measured ({result['not_measured']['5']}); no case to change the driver.")
    if "7" in ahead and ("2" not in s or _compare(result, "7", "2")["word"] != "behind"):
        keep = "7"
        why = "the same gain as `CONN_MAX_AGE=60` without a kept connection per HTTP thread, psycopg2, no new process"
    elif "2" in ahead:
        keep = "2"
        why = "ahead in every round, though a global setting also keeps a connection per HTTP thread"
    else:
        keep = ahead[0]
        why = "the first choice ahead of today in every round"
    parts.append(f"The numbers favour option {keep} ({OPTIONS[keep]['label']}): {why}.")
    return " ".join(parts)


def markdown(result: dict) -> str:
    s = _summary(result)
    env = result["environment"]
    lines = [
        "## Database connections: per call or reused",
        "",
        f"One process, Channels' `database_sync_to_async` around the live room's per-socket work: a read "
        f"(the session, `member_get`, `room_state_for_member` for a room with "
        f"{result['setup']['seed']['contributions']} contributions) then a write (one row's `UPDATE` in "
        f"`transaction.atomic`), from 1 coroutine and from "
        f"{result['concurrency']} concurrent ones; a *call* is one of either. Medians of {result['rounds']} "
        "interleaved rounds (a child process per option and round); ratios are to option 1 within each round, "
        "median (min–max). *held*: TCP connections the process held to the database (or PgBouncer) port after "
        "the one-at-a-time / the 200-socket phase, the sockets' thread idle. Versions: "
        f"psycopg2 {env.get('psycopg2')}, psycopg {env.get('psycopg') or 'not installed'}"
        f" (pool {env.get('psycopg_pool') or '–'}), PgBouncer {env.get('pgbouncer') or 'not installed'}, "
        f"PostgreSQL {env.get('postgres')}, Django {env['main_venv'].get('Django')}, channels "
        f"{env['main_venv'].get('channels')}; {env.get('cpus')} shared CPUs, load "
        f"{env['loadavg_start'][0]} → {result['loadavg_end'][0]}. Wall time {result['wall_s']} s.",
        "",
        "| option | seq calls/s | seq p50 / p99 ms | 200× calls/s | 200× p50 / p99 ms* | 200× wait s** | seq vs 1 "
        "| 200× vs 1 | held |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, spec in OPTIONS.items():
        if key in result["not_measured"]:
            lines.append(f"| {key}. {spec['label']} | not measured: {result['not_measured'][key]} ||||||||")
            continue
        r = s[key]
        lines.append(
            f"| {key}. {spec['label']} | {_f(r['sequential_calls_per_s'])} "
            f"| {_f(r['sequential_p50_ms'], 2)} / {_f(r['sequential_p99_ms'], 2)} "
            f"| {_f(r['concurrent_calls_per_s'])} | {_f(r['concurrent_p50_ms'], 0)} / {_f(r['concurrent_p99_ms'], 0)} "
            f"| {_f(_wait_s(result, r), 1)} "
            f"| {_ratio(r['sequential_ratio'], r['sequential_ratio_range'])} "
            f"| {_ratio(r['concurrent_ratio'], r['concurrent_ratio_range'])} "
            f"| {r['sequential_held']} / {r['concurrent_held']} |"
        )
    lines += [
        "",
        f"\\* Only calls that finished inside the window ({_windows(result)} s, one per round; calls still "
        "queued at its end are cancelled, not counted): when a full turn of 200 sockets takes longer than the "
        "window these are censored low, most for the slowest option. \\*\\* What a socket waits per call "
        f"on average once all {result['concurrency']} are queued: {result['concurrency']} ÷ calls/s (Little's law).",
        "",
        "Per kind of call, one at a time (p50 ms), and 100 HTTP `GET /healthz` through the ASGI handler "
        "(a thread per request): extra connections left open right after, and after `gc.collect()`.",
        "",
        "| option | read (`hello`) p50 | write p50 | HTTP ms/request | HTTP: left open | after gc |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in OPTIONS:
        if key in s:
            r = s[key]
            lines.append(
                f"| {key} | {_f(r['sequential_read_p50_ms'], 2)} | {_f(r['sequential_write_p50_ms'], 2)} "
                f"| {_f(r['http_ms'], 2)} | {r['http_leaked']} | {r['http_leaked_after_gc']} |"
            )
    if result.get("errors"):
        lines += ["", "Failed runs: " + "; ".join(f"option {k}: {v[-1]}" for k, v in result["errors"].items())]
    if result["setup"].get("rounds_cut"):
        lines += ["", f"Rounds: {result['setup']['rounds_cut']}."]
    lines += ["", "**Verdict.** " + _verdict(result, s), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        _child_main(sys.argv[2])
    else:
        t0 = time.monotonic()
        res = run(float(os.environ.get("DBCONN_BUDGET", "240")))
        (VAR / "result.json").write_text(json.dumps(res, indent=1))
        print(markdown(res))
        print(f"\n(wall {time.monotonic() - t0:.1f} s; raw numbers in {VAR / 'result.json'})")
