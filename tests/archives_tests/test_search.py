"""Full-text search: ranked, highlighted snippets on PostgreSQL, a substring
match elsewhere; either way the words people wrote are escaped before any
match is marked."""

import pytest
from django.urls import reverse

from archives.selectors import highlight, plain_snippet
from sessions.models import Contribution

pytestmark = pytest.mark.django_db


def test_highlight_escapes_before_marking():
    start, stop = "[[[mark-ab]]]", "[[[/mark-ab]]]"
    out = highlight(f"<b>{start}trust{stop}</b> & <script>", start, stop)
    assert out == "&lt;b&gt;<mark>trust</mark>&lt;/b&gt; &amp; &lt;script&gt;"


def test_plain_snippet_escapes_and_marks_the_match():
    out = plain_snippet("a <i>long</i> story about Trust & hope", "trust")
    assert "<mark>Trust</mark>" in out and "&lt;i&gt;" in out and "&amp;" in out and "<i>" not in out


def _search(client, pub, q):
    url = reverse("archive_exchange", args=[pub.session.meeting.exchange_id])
    body = client.get(url, {"q": q}).content.decode()
    return body.split('id="results-heading"', 1)[1]


def test_markup_in_words_is_shown_as_text(published, client_for):
    Contribution.objects.filter(pk=published.named.pk).update(text="<script>alert(1)</script> mural of trust")
    body = _search(client_for(published.people.convener), published, "mural")
    # PostgreSQL's headline leaves markup tags out; the substring match escapes them.
    assert "<script>alert" not in body and "<mark>mural</mark>" in body


@pytest.mark.postgres
def test_postgres_ranks_and_stems(published, client_for):
    """Words are matched by their stem ('parties' finds 'party') and the
    closer match ranks first."""
    Contribution.objects.filter(pk=published.reply.pk).update(text="Party party party: the viewing party again")
    body = _search(client_for(published.people.convener), published, "parties")
    assert body.index("viewing <mark>party</mark> again") < body.index("viewing <mark>party</mark> rebuilt")
