"""Exports: documented columns, no formula injection, Markdown by phase and round."""

import csv
import io
import json

import pytest
from django.urls import reverse

from archives.selectors import EXPORT_COLUMNS
from sessions.models import Contribution

from .conftest import TEXTS

pytestmark = pytest.mark.django_db


def _get(client, pub, fmt, **kwargs):
    key = kwargs or {"session_id": pub.session.pk}
    return client.get(reverse("archive_export", kwargs={**key, "fmt": fmt}))


def test_csv_has_the_documented_columns_and_defuses_formulas(published, client_for):
    Contribution.objects.filter(pk=published.named.pk).update(text='=HYPERLINK("http://evil.example","click")')
    response = _get(client_for(published.people.convener), published, "csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    assert reader.fieldnames == EXPORT_COLUMNS
    texts = [row["text"] for row in reader]
    assert '\'=HYPERLINK("http://evil.example","click")' in texts


def test_json_lists_columns_and_scope(published, client_for):
    data = json.loads(_get(client_for(published.people.convener), published, "json").content)
    assert data["columns"] == EXPORT_COLUMNS
    assert data["scope"]["session_id"] == published.session.pk
    assert all(set(row) == set(EXPORT_COLUMNS) for row in data["contributions"])


def test_markdown_groups_by_phase_and_round(published, client_for):
    body = _get(client_for(published.people.convener), published, "md").content.decode()
    assert "### Opening round — round 1" in body and "### Stories" in body
    assert f"> {TEXTS['nfa']}" in body and "**Community leader, " in body
    assert "**Anonymous** (story)" in body
    assert "Bob Quietname" not in body and "zebra" not in body


def test_exchange_export_applies_the_pages_filters(published, client_for):
    client = client_for(published.people.convener)
    x = published.session.meeting.exchange_id
    url = reverse("archive_export", kwargs={"exchange_id": x, "fmt": "json"})
    rows = json.loads(client.get(url, {"role": "community_leader"}).content)["contributions"]
    assert [r["text"] for r in rows] == [TEXTS["nfa"]] and rows[0]["speaker"] == ""
    rows = json.loads(client.get(url, {"q": "mural"}).content)["contributions"]
    assert [r["text"] for r in rows] == [TEXTS["named"]]
