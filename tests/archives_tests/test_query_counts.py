"""Every archive page and export runs a fixed number of queries, whether a
session holds a handful of contributions or thousands."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.models import Acknowledgement, Attribution, Contribution, ContributionTheme, RoomState, SessionEvent

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MANY = 3000
CONSENTS = [Attribution.NAMED, Attribution.NOT_FOR_ATTRIBUTION, Attribution.ANONYMOUS]


def _urls(pub):
    s = pub.session
    x = s.meeting.exchange_id
    return {
        "transcript": reverse("archive_transcript", args=[s.pk]),
        "transcript_page_3": reverse("archive_transcript", args=[s.pk]) + "?page=3",
        "review": reverse("archive_review", args=[s.pk]),
        "equity": reverse("archive_equity", args=[s.pk]),
        "export_csv": reverse("archive_export", kwargs={"session_id": s.pk, "fmt": "csv"}),
        "export_json": reverse("archive_export", kwargs={"session_id": s.pk, "fmt": "json"}),
        "export_md": reverse("archive_export", kwargs={"session_id": s.pk, "fmt": "md"}),
        "exchange": reverse("archive_exchange", args=[x]),
        "search": reverse("archive_exchange", args=[x]) + f"?q=harvest&team={pub.people.team.pk}&theme={pub.theme.pk}",
        "exchange_export": reverse("archive_export", kwargs={"exchange_id": x, "fmt": "csv"}) + "?q=harvest",
        "themes": reverse("archive_themes", args=[x]),
        "theme": reverse("archive_theme", args=[pub.theme.pk]),
        "exchange_equity": reverse("archive_exchange_equity", args=[x]),
        "followthrough": reverse("archive_followthrough", args=[x]) + f"?theme={pub.theme.pk}",
        "access_log": reverse("archive_access_log", args=[x]),
    }


def _add_many(pub, n: int) -> None:
    """Bulk-create n contributions with their events, acknowledgements and theme tags."""
    p = pub.people
    session = pub.session
    authors = [p.alice, p.bob, p.carol]
    now = timezone.now()
    made = Contribution.objects.bulk_create(
        [
            Contribution(
                session=session,
                author=authors[i % 3],
                text=f"Harvest supper story number {i} about trust",
                consent=CONSENTS[i % 3],
                created_at=now,
            )
            for i in range(n)
        ]
    )
    room = RoomState.objects.get(session=session)
    SessionEvent.objects.bulk_create(
        [
            SessionEvent(
                session=session,
                seq=room.last_seq + i + 1,
                name="contribution_added",
                payload={},
                contribution=c,
                created_at=now,
            )
            for i, c in enumerate(made)
        ]
    )
    RoomState.objects.filter(pk=room.pk).update(last_seq=room.last_seq + n)
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(contribution=c, member=p.scribe, reflection="heard", created_at=now) for c in made[::2]]
    )
    ContributionTheme.objects.bulk_create(
        [ContributionTheme(contribution=c, theme=pub.theme, tagged_at=now) for c in made[::3]]
    )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_pages_and_exports_run_a_fixed_number_of_queries(published, client_for, django_assert_max_num_queries):
    client = client_for(published.people.convener)
    urls = _urls(published)
    _add_many(published, 30)
    client.get(urls["transcript"])  # warm the session and auth caches
    few = {name: _count(client, url) for name, url in urls.items()}
    _add_many(published, MANY)
    for name, url in urls.items():
        with django_assert_max_num_queries(few[name], info=name):
            response = client.get(url)
        assert response.status_code == 200
    assert max(few.values()) <= 20, few
    body = client.get(urls["export_csv"]).content.decode()
    assert body.count("Harvest supper story") == MANY + 30


def test_a_participants_pages_are_fixed_too(published, client_for, django_assert_max_num_queries):
    client = client_for(published.people.alice)
    urls = {
        k: v
        for k, v in _urls(published).items()
        if k not in ("equity", "exchange_equity", "followthrough", "access_log")
    }
    _add_many(published, 30)
    client.get(urls["transcript"])
    few = {name: _count(client, url) for name, url in urls.items()}
    _add_many(published, 600)
    for name, url in urls.items():
        with django_assert_max_num_queries(few[name], info=name):
            assert client.get(url).status_code == 200
