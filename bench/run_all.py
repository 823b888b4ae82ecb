"""Run the benchmark set unattended and rewrite docs/benchmarks.md (``make bench``).

Runs are interleaved (floor, bare, app, …) with a fresh server each, then the
scenarios in order of importance. A time budget (``--budget``, 15 minutes by
default) bounds the whole set: a run that would start after the budget is spent
is recorded as skipped, never cut short.

    python -m bench.run_all                 # the set, results in docs/benchmarks.md
    python -m bench.run_all --budget 300    # a quicker pass
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

OUT_DIR = Path(common.VAR_DIR) / "results"


class Budget:
    def __init__(self, seconds: float):
        self.start = time.monotonic()
        self.seconds = seconds

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.start)


def loadgen(name: str, argv: list[str], budget: Budget, need: float, timeout: float) -> dict:
    """One load-generator run in a child process (a fresh interpreter and server)."""
    if budget.left() < need:
        return {"name": name, "skipped": "time budget spent", "argv": argv}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"{name}.json"
    out.unlink(missing_ok=True)
    cmd = [common.PYTHON, "-m", "bench.loadgen", *argv, "--json", str(out)]
    print(f"[{dt.datetime.now():%H:%M:%S}] {name}: {' '.join(argv)}", flush=True)
    t = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=common.ROOT, timeout=min(timeout, max(30, budget.left() + 60)), capture_output=True, text=True
        )
        if proc.returncode != 0 and not out.exists():
            return {"name": name, "failed": proc.stderr[-1500:], "argv": argv}
    except subprocess.TimeoutExpired:
        return {"name": name, "failed": "timed out", "argv": argv}
    result = json.loads(out.read_text())
    result["name"] = name
    result["elapsed_s"] = round(time.monotonic() - t, 1)
    print(f"    {summary(result)}", flush=True)
    return result


def module(name: str, mod: str, argv: list[str], budget: Budget, need: float, timeout: float) -> dict:
    if budget.left() < need:
        return {"name": name, "skipped": "time budget spent"}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"{name}.json"
    out.unlink(missing_ok=True)
    print(f"[{dt.datetime.now():%H:%M:%S}] {name}: {mod} {' '.join(argv)}", flush=True)
    try:
        proc = subprocess.run(
            [common.PYTHON, "-m", mod, *argv, "--json", str(out)],
            cwd=common.ROOT,
            timeout=timeout,
            capture_output=True,
            text=True,
        )
    except subprocess.TimeoutExpired:
        return {"name": name, "failed": "timed out"}
    if not out.exists():
        return {"name": name, "failed": proc.stderr[-1500:]}
    result = json.loads(out.read_text())
    result["name"] = name
    return result


def summary(r: dict) -> str:
    if "aborted" in r:
        return f"aborted: {r['aborted']}"
    lat = r.get("latency_ms") or {}
    return (
        f"sockets {r.get('sockets')} connect {r.get('connect_s')}s p50 {lat.get('p50')} p99 {lat.get('p99')} "
        f"lost {r.get('lost')} dup {r.get('duplicated')} cpu {r.get('window', {}).get('server_cpu_pct')}%"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--budget", type=float, default=15 * 60 - 30, help="seconds for the whole set")
    p.add_argument("--repeats", type=int, default=2, help="reference runs of each of floor, bare, app")
    p.add_argument("--duration", type=float, default=30, help="seconds of load per reference run")
    p.add_argument("--short", type=float, default=15, help="seconds of load per comparison run")
    p.add_argument("--small-rooms", type=int, default=10)
    p.add_argument("--small-clients", type=int, default=12)
    p.add_argument("--app-connect-timeout", type=float, default=90)
    p.add_argument("--doc", default=str(common.ROOT / "docs" / "benchmarks.md"))
    p.add_argument("--render-only", action="store_true", help="rewrite the page from the last run's results")
    args = p.parse_args()
    if args.render_only:
        saved = json.loads((OUT_DIR / "all.json").read_text())
        Path(args.doc).write_text(render(saved["meta"], saved["runs"]))
        print(f"wrote {args.doc}")
        return

    budget = Budget(args.budget)
    started = dt.datetime.now(dt.UTC)
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    common.ensure_database()
    runs: list[dict] = []
    ref = ["--rooms", "30", "--clients", "40", "--rate", "1", "--text-bytes", "200"]
    small = ["--rooms", str(args.small_rooms), "--clients", str(args.small_clients), "--rate", "1"]
    app_connect = ["--connect-timeout", str(args.app_connect_timeout)]

    # 1. Archive and reminders: quick, and independent of the live servers.
    runs.append(module("archive", "bench.archive", ["--contributions", "10000"], budget, 60, 300))
    runs.append(
        module(
            "reminders",
            "bench.reminders_scan",
            ["--members", "10000", "--meetings", "4", "--seconds", "45"],
            budget,
            120,
            400,
        )
    )

    # 2. The reference load, interleaved: floor, bare, app; a fresh server each.
    d = ["--duration", str(args.duration)]
    app_fits = True
    for i in range(1, args.repeats + 1):
        runs.append(loadgen(f"ref-floor-{i}", ["--target", "floor", *ref, *d], budget, 60, 300))
        runs.append(loadgen(f"ref-bare-{i}", ["--target", "bare", *ref, *d], budget, 70, 300))
        if app_fits:
            r = loadgen(f"ref-app-{i}", ["--target", "app", *ref, *d, *app_connect], budget, 120, 600)
            runs.append(r)
            app_fits = "aborted" not in r and "failed" not in r and "skipped" not in r

    # 3. App against bare on each server and layer, at the scale the app reaches here
    #    (Redis first; the in-memory layer and the what-if after the storm and idle runs).
    s = ["--duration", str(args.short)]
    scale = ref if app_fits else small
    label = "ref" if app_fits else "small"
    profile = ["--profile", str(OUT_DIR / "profile-app.txt")]

    def pair(server: str, layer: str, extra: list[str] = ()) -> None:
        runs.append(
            loadgen(
                f"{label}-bare-{server}-{layer}",
                ["--target", "bare", "--server", server, "--layer", layer, *scale, *s],
                budget,
                50,
                300,
            )
        )
        runs.append(
            loadgen(
                f"{label}-app-{server}-{layer}",
                ["--target", "app", "--server", server, "--layer", layer, *scale, *s, *app_connect, *extra],
                budget,
                80,
                600,
            )
        )

    runs.append(loadgen(f"{label}-floor", ["--target", "floor", *scale, *s], budget, 40, 300))
    pair("daphne", "redis", profile)
    pair("uvicorn", "redis")

    # 4. Reconnect storm and idle sockets (the app).
    storm = ["--scenario", "storm", "--duration", "30", "--storm-after", "10", "--storm-timeout", "60"]
    runs.append(loadgen("storm", ["--target", "app", *scale, *storm, *app_connect], budget, 120, 600))
    idle = ["--scenario", "idle", "--duration", "45"]
    runs.append(loadgen("idle", ["--target", "app", *scale, *idle, *app_connect], budget, 100, 600))

    # 5. Scale-out: two processes sharing Redis, each room's clients split across both.
    runs.append(loadgen("scaleout-bare", ["--target", "bare", "--procs", "2", *ref, *s], budget, 50, 300))
    runs.append(loadgen("scaleout-app", ["--target", "app", "--procs", "2", *scale, *s, *app_connect], budget, 80, 600))

    # 6. The in-memory layer (one process), and the what-if settings.
    pair("daphne", "memory")
    pair("uvicorn", "memory")
    whatif = ["--whatif", "redis_timeout,conn_max_age"]
    runs.append(loadgen(f"{label}-app-whatif", ["--target", "app", *scale, *s, *app_connect, *whatif], budget, 80, 600))

    # 7. The bare reference at full scale on the other servers and layers.
    for server, layer in (("uvicorn", "redis"), ("daphne", "memory"), ("uvicorn", "memory")):
        runs.append(
            loadgen(
                f"ref-bare-{server}-{layer}",
                ["--target", "bare", "--server", server, "--layer", layer, *ref, *s],
                budget,
                50,
                300,
            )
        )

    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    meta = {
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(time.monotonic() - budget.start),
        "uptime_before": uptime_before,
        "uptime_after": uptime_after,
        "machine": common.machine(),
        "command": "make bench  (python -m bench.run_all " + " ".join(sys.argv[1:]) + ")",
        "app_fits_reference": app_fits,
        "small": f"{args.small_rooms} rooms × {args.small_clients} clients",
        "profile": str(OUT_DIR / "profile-app.txt"),
    }
    (OUT_DIR / "all.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1))
    Path(args.doc).write_text(render(meta, runs))
    print(f"wrote {args.doc} ({meta['elapsed_s']} s)")


if __name__ == "__main__":
    main()
