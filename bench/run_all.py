"""Run the benchmark set unattended and rewrite docs/benchmarks.md (``make bench``).

Every run starts a fresh server process (or two) in a fresh load-generator
process, against the bench database (``cg_bench``) and Redis db 8. In order:

1. the reference load (30 rooms × 40 clients, 1 contribution/room/s, 200-byte
   texts, Redis layer, one server process), interleaved floor, bare, app on
   Uvicorn and bare, app on Daphne, then floor, bare, app on Uvicorn again;
2. two Uvicorn processes sharing Redis, 60 rooms × 40 clients, bare and app;
3. a reconnect storm of all 1,200 sockets (app, Uvicorn);
4. 1,200 idle sockets (app, Uvicorn);
5. SIGTERM under the reference load (app, Uvicorn with a py-spy profile of the
   load before it, then Daphne);
6. ``bench.db_connections`` (database-connection choices), when the module exists;
7. more Daphne repetitions, the archive reads and the reminder scan, as the
   budget allows.

A time budget (``--budget``, 31 minutes by default) bounds the set: a run whose
expected length no longer fits is recorded as skipped, never cut short.

    python -m bench.run_all                 # the set, results in docs/benchmarks.md
    python -m bench.run_all --smoke         # every scenario at a tiny size (a few minutes),
                                            # report in /tmp/cg_bench/smoke/benchmarks.md
    python -m bench.run_all --render-only   # rewrite the page from the last run's results
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from bench import common
from bench.report import render

DEFAULT_BUDGET_S = 31 * 60

# Sizes and lengths of the full set and of the smoke pass; ``need`` is what a
# run is expected to take (its budget check), ``timeout`` when it is killed.
FULL = {
    "ref_rooms": 30,
    "ref_clients": 40,
    "scale_rooms": 60,
    "scale_clients": 40,
    "duration": 30,
    "scale_duration": 20,
    "storm_duration": 30,
    "storm_after": 10,
    "storm_timeout": 60,
    "idle": 45,
    "shutdown_load": 15,
    "shutdown_limit": 30,
    "connect_timeout": 60,
    "scale_connect_timeout": 90,
    "drain_limit": 30,
    "archive": ["--contributions", "10000"],
    "reminders": ["--members", "10000", "--meetings", "4", "--seconds", "45"],
    "db_budget": 240,
    "need_scale": 1.0,
}
SMOKE = {
    "ref_rooms": 2,
    "ref_clients": 3,
    "scale_rooms": 2,
    "scale_clients": 4,
    "duration": 4,
    "scale_duration": 4,
    "storm_duration": 8,
    "storm_after": 3,
    "storm_timeout": 20,
    "idle": 6,
    "shutdown_load": 4,
    "shutdown_limit": 20,
    "connect_timeout": 30,
    "scale_connect_timeout": 30,
    "drain_limit": 10,
    "archive": ["--contributions", "200"],
    "reminders": ["--members", "40", "--meetings", "1", "--seconds", "5"],
    "db_budget": 60,
    "need_scale": 0.05,
}


class Budget:
    def __init__(self, seconds: float, scale: float = 1.0):
        self.start = time.monotonic()
        self.seconds = seconds
        self.scale = scale

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def fits(self, need: float) -> bool:
        return self.left() >= need * self.scale


def stamp() -> str:
    return f"[{dt.datetime.now():%H:%M:%S}]"


def run_child(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run a child; past ``timeout`` send it SIGTERM first (the load generator
    then stops the servers it started), SIGKILL only if that does not end it."""
    proc = subprocess.Popen(cmd, cwd=common.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def loadgen(name: str, argv: list[str], budget: Budget, need: float, out_dir: Path) -> dict:
    """One load-generator run in a child process (a fresh interpreter and server)."""
    if not budget.fits(need):
        return {"name": name, "skipped": "time budget spent", "argv": argv}
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{name}.json"
    out.unlink(missing_ok=True)
    cmd = [common.PYTHON, "-m", "bench.loadgen", *argv, "--json", str(out)]
    print(f"{stamp()} {name}: {' '.join(argv)}", flush=True)
    t = time.monotonic()
    try:
        proc = run_child(cmd, timeout=max(120, 3 * need))
        if proc.returncode != 0 and not out.exists():
            return {"name": name, "failed": proc.stderr[-1500:] or f"exit {proc.returncode}", "argv": argv}
    except subprocess.TimeoutExpired:
        return {"name": name, "failed": "timed out", "argv": argv}
    result = json.loads(out.read_text())
    result["name"] = name
    result["argv"] = argv
    result["elapsed_s"] = round(time.monotonic() - t, 1)
    print(f"    {summary(result)} ({result['elapsed_s']} s)", flush=True)
    return result


def module(name: str, mod: str, argv: list[str], budget: Budget, need: float, out_dir: Path) -> dict:
    if not budget.fits(need):
        return {"name": name, "skipped": "time budget spent", "argv": argv}
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{name}.json"
    out.unlink(missing_ok=True)
    print(f"{stamp()} {name}: {mod} {' '.join(argv)}", flush=True)
    t = time.monotonic()
    try:
        proc = run_child([common.PYTHON, "-m", mod, *argv, "--json", str(out)], timeout=max(120, 3 * need))
    except subprocess.TimeoutExpired:
        return {"name": name, "failed": "timed out", "argv": argv}
    if not out.exists():
        return {"name": name, "failed": proc.stderr[-1500:] or f"exit {proc.returncode}", "argv": argv}
    result = json.loads(out.read_text())
    result["name"] = name
    result["argv"] = argv
    result["elapsed_s"] = round(time.monotonic() - t, 1)
    print(f"    done ({result['elapsed_s']} s)", flush=True)
    return result


DB_CHILD = (
    "import json, sys\n"
    "from bench import db_connections\n"
    "result = db_connections.run(float(sys.argv[1]))\n"
    "open(sys.argv[2], 'w').write(json.dumps(result, default=str))\n"
)


def db_connections(budget: Budget, seconds: float, out_dir: Path) -> dict:
    """``bench.db_connections`` (written separately), in a child process, if it exists."""
    name = "db_connections"
    try:
        from bench import db_connections as mod
    except ImportError as exc:
        return {"name": name, "absent": f"`bench/db_connections.py` is not in this tree ({exc})"}
    seconds = min(seconds, budget.left() - 10)
    if seconds < 30 * budget.scale:
        return {"name": name, "skipped": "time budget spent"}
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{name}.json"
    out.unlink(missing_ok=True)
    print(f"{stamp()} {name}: run({seconds:.0f})", flush=True)
    t = time.monotonic()
    try:
        proc = run_child([common.PYTHON, "-c", DB_CHILD, str(seconds), str(out)], timeout=seconds + 180)
    except subprocess.TimeoutExpired:
        return {"name": name, "failed": f"timed out after {seconds + 180:.0f} s"}
    if not out.exists():
        return {"name": name, "failed": proc.stderr[-1500:] or f"exit {proc.returncode}"}
    result = json.loads(out.read_text())
    try:
        text = mod.markdown(result)
    except Exception as exc:  # its report, not the run, failed: keep the numbers
        text = f"`db_connections.markdown` failed: {type(exc).__name__}: {exc}"
    elapsed = round(time.monotonic() - t, 1)
    print(f"    done ({elapsed} s)", flush=True)
    return {"name": name, "budget_s": round(seconds), "elapsed_s": elapsed, "markdown": text, "result": result}


def summary(r: dict) -> str:
    if "aborted" in r:
        return f"aborted: {r['aborted']}"
    if "exit_s" in r or "killed_after_s" in r:
        return (
            f"sockets {r.get('sockets_at_signal')} exit {r.get('exit_s')}s 1012 {r.get('closed_1012')} "
            f"codes {r.get('close_codes')}"
        )
    if "storm_clients" in r:
        return (
            f"storm {r['storm_caught_up']}/{r['storm_clients']} caught up, all by {r['storm_all_caught_up_s']}s, "
            f"lost {r.get('lost')}"
        )
    lat = r.get("latency_ms") or {}
    return (
        f"sockets {r.get('sockets')} hellos {r.get('last_hello_s')}s p50 {lat.get('p50')} p99 {lat.get('p99')} "
        f"lost {r.get('lost')} dup {r.get('duplicated')} cpu {r.get('window', {}).get('server_cpu_pct')}%"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", type=float, help=f"seconds for the whole set (default {DEFAULT_BUDGET_S})")
    p.add_argument("--repeats", type=int, default=2, help="reference runs of floor, bare and app on Uvicorn")
    p.add_argument("--daphne-repeats", type=int, default=2, help="reference runs of bare and app on Daphne")
    p.add_argument("--db-budget", type=float, help="seconds for bench.db_connections")
    p.add_argument("--smoke", action="store_true", help="every scenario at a tiny size; report to a temp path")
    p.add_argument("--doc", help="the page to write (docs/benchmarks.md; with --smoke, a file under /tmp)")
    p.add_argument("--render-only", action="store_true", help="rewrite the page from the last run's results")
    args = p.parse_args()
    size = SMOKE if args.smoke else FULL
    out_dir = Path(common.VAR_DIR) / ("smoke" if args.smoke else "") / "results"
    doc = Path(args.doc or (out_dir.parent / "benchmarks.md" if args.smoke else common.ROOT / "docs/benchmarks.md"))
    if args.render_only:
        saved = json.loads((out_dir / "all.json").read_text())
        doc.write_text(render(saved["meta"], saved["runs"]))
        print(f"wrote {doc}")
        return

    budget = Budget(args.budget or (900 if args.smoke else DEFAULT_BUDGET_S), size["need_scale"])
    started = dt.datetime.now(dt.UTC)
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    common.ensure_database()
    runs: list[dict] = []
    profile = out_dir / "profile-app-uvicorn.txt"
    profile.unlink(missing_ok=True)

    ref = ["--rooms", str(size["ref_rooms"]), "--clients", str(size["ref_clients"]), "--rate", "1"]
    ref += ["--text-bytes", "200", "--layer", "redis"]
    scale = ["--rooms", str(size["scale_rooms"]), "--clients", str(size["scale_clients"]), "--rate", "1"]
    scale += ["--text-bytes", "200", "--layer", "redis", "--procs", "2"]
    timing = ["--connect-timeout", str(size["connect_timeout"]), "--drain-limit", str(size["drain_limit"])]
    d = ["--duration", str(size["duration"])]

    def ref_run(target: str, server: str, i: int, need: float) -> None:
        name = f"ref-floor-{i}" if target == "floor" else f"ref-{target}-{server}-{i}"
        argv = ["--target", target, "--server", server, *ref, *d, *timing]
        runs.append(loadgen(name, argv, budget, need, out_dir))

    # 1. The reference load, interleaved; a fresh server each.
    for i in range(1, args.repeats + 1):
        ref_run("floor", "uvicorn", i, 50)
        ref_run("bare", "uvicorn", i, 60)
        ref_run("app", "uvicorn", i, 130)
        if i == 1 and args.daphne_repeats >= 1:
            ref_run("bare", "daphne", 1, 60)
            ref_run("app", "daphne", 1, 130)

    # 2. Scale-out: two processes sharing Redis, each room's clients split across both.
    sd = ["--duration", str(size["scale_duration"]), "--connect-timeout", str(size["scale_connect_timeout"])]
    sd += ["--drain-limit", str(size["drain_limit"])]
    runs.append(loadgen("scaleout-bare", ["--target", "bare", "--server", "uvicorn", *scale, *sd], budget, 80, out_dir))
    runs.append(loadgen("scaleout-app", ["--target", "app", "--server", "uvicorn", *scale, *sd], budget, 170, out_dir))

    # 3. Reconnect storm of every socket of the reference load.
    storm = ["--scenario", "storm", "--duration", str(size["storm_duration"])]
    storm += ["--storm-after", str(size["storm_after"]), "--storm-timeout", str(size["storm_timeout"])]
    app_uv = ["--target", "app", "--server", "uvicorn", *ref, *timing, "--min-open", "0.5"]
    runs.append(loadgen("storm", [*app_uv, *storm], budget, 170, out_dir))

    # 4. Idle sockets.
    runs.append(loadgen("idle", [*app_uv, "--scenario", "idle", "--duration", str(size["idle"])], budget, 120, out_dir))

    # 5. SIGTERM under load, with the profile of the Uvicorn app's load before it.
    down = ["--scenario", "shutdown", "--duration", str(size["shutdown_load"])]
    down += ["--shutdown-limit", str(size["shutdown_limit"])]
    for server in ("uvicorn", "daphne"):
        argv = ["--target", "app", "--server", server, *ref, *timing, "--min-open", "0.5", *down]
        if server == "uvicorn":
            argv += ["--profile", str(profile)]
        runs.append(loadgen(f"shutdown-{server}", argv, budget, 120, out_dir))

    # 6. Database connection choices (another module; absent is reported as such).
    runs.append(db_connections(budget, args.db_budget or size["db_budget"], out_dir))

    # 7. As the budget allows: more Daphne repetitions, the archive, the reminder scan.
    for i in range(2, args.daphne_repeats + 1):
        ref_run("bare", "daphne", i, 60)
        ref_run("app", "daphne", i, 130)
    runs.append(module("archive", "bench.archive", size["archive"], budget, 100, out_dir))
    runs.append(module("reminders", "bench.reminders_scan", size["reminders"], budget, 170, out_dir))

    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    meta = {
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(time.monotonic() - budget.start),
        "budget_s": round(budget.seconds),
        "uptime_before": uptime_before,
        "uptime_after": uptime_after,
        "machine": common.machine(),
        "command": "make bench  (python -m bench.run_all " + " ".join(sys.argv[1:]) + ")",
        "smoke": args.smoke,
        "size": {k: v for k, v in size.items() if not isinstance(v, list)},
        "uvicorn_graceful_shutdown_s": common.UVICORN_GRACEFUL_SHUTDOWN_S,
        "commands": {
            "app-uvicorn": common.server_command(target="app", server="uvicorn", port=common.PORT_BASE),
            "app-daphne": common.server_command(target="app", server="daphne", port=common.PORT_BASE),
            "bare-uvicorn": common.server_command(target="bare", server="uvicorn", port=common.PORT_BASE),
            "floor": common.server_command(target="floor", server="", port=common.PORT_BASE),
        },
        "profile": str(profile),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "all.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1, default=str))
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(render(meta, runs))
    print(f"wrote {doc} ({meta['elapsed_s']} s)")


if __name__ == "__main__":
    main()
