"""Summarise a py-spy raw (collapsed) profile: where the server's CPU went.

    python -m bench.profile_summary /tmp/cg_bench/profile.txt

Prints the share of active samples under each frame (inclusive) for the
frames worth reading, and the top leaf frames (self time).
"""

import re
import sys
from collections import Counter

LINE = re.compile(r"^(.*) (\d+)$")
FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _name(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m["file"]
    for marker in ("site-packages/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m['func']} ({path})"


def summarise(path: str, top: int = 25) -> dict:
    inclusive: Counter = Counter()
    leaf: Counter = Counter()
    total = 0
    for line in open(path, errors="replace"):
        m = LINE.match(line.rstrip("\n"))
        if not m:
            continue
        stack, count = m[1], int(m[2])
        frames = [_name(f) for f in stack.split(";")[1:]]  # the first is the process
        total += count
        for f in set(frames):
            inclusive[f] += count
        if frames:
            leaf[frames[-1]] += count
    pct = lambda c: round(100 * c / total, 1) if total else 0.0  # noqa: E731
    interesting = (
        "sessions/",
        "exchanges/",
        "participants/",
        "channels",
        "django/db",
        "psycopg2",
        "asgiref",
        "daphne",
        "twisted",
        "uvicorn",
        "json",
        "redis",
        "autobahn",
        "websockets",
        "connect",
        "execute",
    )
    return {
        "samples": total,
        "inclusive": [(f, pct(c)) for f, c in inclusive.most_common(400) if any(k in f for k in interesting)][:top],
        "self": [(f, pct(c)) for f, c in leaf.most_common(top)],
    }


def render(summary: dict) -> str:
    out = [f"{summary['samples']} active samples", "", "inclusive % | frame"]
    out += [f"{p:6.1f} | {f}" for f, p in summary["inclusive"]]
    out += ["", "self % | frame"]
    out += [f"{p:6.1f} | {f}" for f, p in summary["self"]]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(summarise(sys.argv[1])))
