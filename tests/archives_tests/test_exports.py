"""Exports: documented columns, no formula injection, Markdown by phase and round."""

import csv
import io
import json
from types import SimpleNamespace

import pytest
from django.urls import reverse

from archives import services as archive_services
from archives.selectors import EXPORT_COLUMNS
from sessions import services as room
from sessions.models import Contribution
from tests.factories import DialogueSessionFactory, MeetingFactory

from .conftest import TEXTS, join, release_all, say

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
    # Not for attribution: no name, no team, and Bob's role is his alone.
    assert f"> {TEXTS['nfa']}" in body and "**A participant** (" in body and "**Community leader" not in body
    assert "**Anonymous** (story)" in body
    assert "Bob Quietname" not in body and "zebra" not in body


def test_exchange_export_applies_the_pages_filters(published, client_for):
    client = client_for(published.people.convener)
    x = published.session.meeting.exchange_id
    url = reverse("archive_export", kwargs={"exchange_id": x, "fmt": "json"})
    rows = json.loads(client.get(url, {"role": "law_enforcement"}).content)["contributions"]
    assert sorted(r["text"] for r in rows) == sorted([TEXTS["named"], TEXTS["reply"]])
    # Bob's role is his alone: filtering by it finds nothing of his not-for-attribution words.
    assert json.loads(client.get(url, {"role": "community_leader"}).content)["contributions"] == []
    rows = json.loads(client.get(url, {"q": "mural"}).content)["contributions"]
    assert [r["text"] for r in rows] == [TEXTS["named"]]


def test_only_named_rows_say_which_go_around_they_were_said_in(exchange, people, client_for):
    """A round's turn counts by role and team beside a round holding one unnamed
    quote would say whose it was: only named rows carry their round."""
    p = people
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    room.session_open(session_id=session.pk, member=p.facilitator)
    for m in (p.alice, p.bob, p.carol):
        join(session, m)
    room.round_start(session_id=session.pk, member=p.facilitator, order="arranged", member_ids=[p.alice.pk, p.bob.pk])
    say(session, p.alice, "Named words inside the go-around", consent="named")
    room.turn_done(session_id=session.pk, member=p.alice)
    say(session, p.bob, "Unnamed words inside the go-around", consent="not_for_attribution")
    say(session, p.carol, "Anonymous words inside the go-around", consent="anonymous")
    room.turn_done(session_id=session.pk, member=p.bob)
    room.session_close(session_id=session.pk, member=p.facilitator)
    release_all(SimpleNamespace(session=session, people=p))
    archive_services.archive_publish(session_id=session.pk, member=p.facilitator)
    url = reverse("archive_export", kwargs={"session_id": session.pk, "fmt": "json"})
    rows = {r["text"]: r for r in json.loads(client_for(p.convener).get(url).content)["contributions"]}
    assert rows["Named words inside the go-around"]["round"] == 1
    assert rows["Unnamed words inside the go-around"]["round"] is None
    assert rows["Anonymous words inside the go-around"]["round"] is None
