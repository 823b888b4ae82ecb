"""Archive reads of a session with 10,000 contributions: queries and time.

Measured against a bare ``values_list`` read of the same rows. The archive
pages (transcript, CSV export) are found by name in ``archives.urls``; until
they exist the scenario reports them as pending. It also times the live
room's ``hello`` for that session, which is what every reconnect to a long
session costs.

    python -m bench.archive --contributions 10000
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from bench import common


class Queries:
    """Count the queries run on the default connection."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(fn, repeat: int = 3) -> dict:
    from django.db import connection

    times, counts, size = [], [], None
    for _ in range(repeat):
        q = Queries()
        with connection.execute_wrapper(q):
            t = time.perf_counter()
            out = fn()
            times.append((time.perf_counter() - t) * 1000)
        counts.append(q.count)
        size = out
    return {
        "ms_median": round(statistics.median(times), 1),
        "ms_min": round(min(times), 1),
        "queries": counts[-1],
        "size": size,
    }


def setup(contributions: int):
    from django.utils import timezone

    from bench import fixtures
    from sessions.models import Contribution, DialogueSession

    members = fixtures.members(40, per_team=40)
    sid = fixtures.open_sessions(1, label="archive")[0]
    now = timezone.now()
    DialogueSession.objects.filter(pk=sid).update(state=DialogueSession.State.CLOSED, closed_at=now)
    text = "We started walking the beat with the youth council, and it changed who came to the meetings. " * 2
    Contribution.objects.bulk_create(
        [
            Contribution(
                session_id=sid,
                author=members[i % len(members)],
                client_id=f"archive-{i}",
                kind="story",
                text=text[:200],
                consent="named",
                created_at=now,
            )
            for i in range(contributions)
        ],
        batch_size=2000,
    )
    return sid, members


def archive_urls(session_id: int) -> dict[str, str]:
    """The archive's session pages for this session (those that exist yet)."""
    from django.urls import NoReverseMatch, reverse

    wanted = {
        "transcript": ("archive_transcript", {"session_id": session_id}),
        "export_csv": ("archive_export", {"session_id": session_id, "fmt": "csv"}),
        "review": ("archive_review", {"session_id": session_id}),
    }
    found = {}
    for key, (name, kwargs) in wanted.items():
        try:
            found[key] = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return found


def publish(session_id: int, convener) -> str | None:
    """Publish the session's archive as a convener would once its review window ended."""
    try:
        from django.utils import timezone

        from archives import services
        from archives.models import ArchiveReview
        from sessions.models import DialogueSession

        session = DialogueSession.objects.get(pk=session_id)
        services.archive_review_open(session=session)
        ArchiveReview.objects.filter(session_id=session_id).update(
            opens_at=timezone.now() - timezone.timedelta(days=30), closes_at=timezone.now() - timezone.timedelta(days=1)
        )
        services.archive_publish(session_id=session_id, member=convener)
        return None
    except Exception as exc:  # the archive is still being built: say why
        return f"{type(exc).__name__}: {exc}"


def pages_for(session_id: int, convener) -> dict:
    from django.test import Client

    urls = archive_urls(session_id)
    if not urls:
        return {"pending": "archives.urls has no session pages yet"}
    problem = publish(session_id, convener)
    client = Client()
    client.force_login(convener.user)
    pages = {"publish_error": problem} if problem else {}
    for name, url in urls.items():

        def get(url=url):
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            return {"status": response.status_code, "bytes": len(body)}

        pages[name] = measure(get)
        pages[name]["url"] = url
    return pages


def run(contributions: int) -> dict:
    common.ensure_database()
    common.django_setup()
    from participants.models import ExchangeRole
    from sessions import selectors
    from sessions.models import Contribution

    t = time.perf_counter()
    sid, members = setup(contributions)
    result = {
        "contributions": contributions,
        "setup_s": round(time.perf_counter() - t, 1),
        "loadavg_before": common.loadavg(),
    }

    def bare():
        return len(
            list(
                Contribution.objects.filter(session_id=sid)
                .order_by("created_at", "id")
                .values_list("id", "author__display_name", "kind", "consent", "text", "created_at")
            )
        )

    result["bare_values_list"] = measure(bare)
    from sessions.models import DialogueSession

    session = DialogueSession.objects.select_related("meeting").get(pk=sid)
    result["live_hello"] = measure(
        lambda: len(json.dumps(selectors.room_state_for_member(session=session, member=members[0])))
    )
    convener = members[0]
    convener.exchange_role = ExchangeRole.CONVENER
    convener.save(update_fields=["exchange_role"])
    result["archive_pages"] = pages_for(sid, convener)
    small, _ = setup(100)
    result["archive_pages_100"] = pages_for(small, convener)
    result["loadavg_after"] = common.loadavg()
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--contributions", type=int, default=10000)
    p.add_argument("--json")
    a = p.parse_args()
    out = run(a.contributions)
    if a.json:
        open(a.json, "w").write(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))
