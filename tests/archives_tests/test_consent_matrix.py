"""The consent matrix: for each consent level, each reader and each surface of
the archive, exactly what is shown and what is hidden.

Named words carry the speaker's name, stakeholder role and team; not for
attribution follows the Chatham House rule (no name, no team, and the role only
where at least five members of the exchange share it, else "A participant");
anonymous carries none of them; off the record, withdrawn and redacted words
never appear anywhere (and their text is gone from the database once the
session closes).
"""

import json

import pytest
from django.urls import reverse

from sessions.models import Acknowledgement, Contribution, ContributionRevision, SessionEvent

from .conftest import TEXTS

pytestmark = pytest.mark.django_db

READERS = ["convener", "facilitator", "alice", "scribe"]
SURFACES = ["transcript", "search", "theme", "export_csv", "export_json", "export_md", "exchange_export"]


def _surface(client, surface, pub, q=""):
    s = pub.session
    exchange_id = s.meeting.exchange_id
    if surface == "transcript":
        return client.get(reverse("archive_transcript", args=[s.pk]))
    if surface == "search":
        return client.get(reverse("archive_exchange", args=[exchange_id]), {"q": q} if q else {})
    if surface == "theme":
        return client.get(reverse("archive_theme", args=[pub.theme.pk]))
    if surface.startswith("export_"):
        fmt = surface.split("_")[1]
        return client.get(reverse("archive_export", kwargs={"session_id": s.pk, "fmt": fmt}))
    if surface == "exchange_export":
        return client.get(reverse("archive_export", kwargs={"exchange_id": exchange_id, "fmt": "json"}))
    raise AssertionError(surface)


def _body(response, surface) -> str:
    assert response.status_code == 200
    text = response.content.decode()
    if surface == "search":
        # The filter form lists every team and role by design; judge the results only.
        text = text.split('id="results-heading"', 1)[1]
    return text


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("reader", READERS)
def test_each_consent_is_honoured_on_every_surface(published, client_for, reader, surface):
    """Every reader who may read the session sees the same, consent-filtered words."""
    p = published.people
    body = _body(_surface(client_for(getattr(p, reader)), surface, published), surface)
    if surface == "export_json" or surface == "exchange_export":
        body = json.dumps(json.loads(body), ensure_ascii=False)
    # Named: the words, the name, the role and the team.
    assert TEXTS["named"] in body
    assert "Alice Named" in body and "Law enforcement" in body and p.team.community_name in body
    # Not for attribution: the words, never the name or the team; Bob is the
    # exchange's only community leader, so not his role either.
    assert TEXTS["nfa"] in body and "A participant" in body
    assert "Bob Quietname" not in body and "Community leader" not in body
    # Anonymous: the words, with no name, role or team.
    assert TEXTS["anonymous"] in body
    assert "Carol Hidden" not in body and "Faith leader" not in body and "Lakeside" not in body
    # Off the record, withdrawn: nowhere, nor anything said about them.
    assert "zebra" not in body and "Dave Offrecord" not in body and "Academic" not in body
    assert "quince" not in body


def test_off_the_record_text_is_gone_from_the_database_after_close(closed):
    """The close erases off-the-record words from the contribution, its
    revisions, reflections back on it and every event that carried it."""
    off = Contribution.objects.get(pk=closed.off.pk)
    assert off.text == "" and off.purged_at is not None
    assert not ContributionRevision.objects.filter(contribution=off).exclude(text="").exists()
    assert not Acknowledgement.objects.filter(contribution=off).exclude(reflection="").exists()
    for event in SessionEvent.objects.filter(session=closed.session):
        assert "zebra" not in json.dumps(event.payload), event.name
    assert not Contribution.objects.filter(text__icontains="zebra").exists()


@pytest.mark.parametrize("reader", READERS)
def test_search_never_matches_on_who_spoke(published, client_for, reader):
    """Searching a not-for-attribution or anonymous speaker's name finds nothing:
    only the words are searched."""
    client = client_for(getattr(published.people, reader))
    for name in ("Quietname", "Hidden", "Offrecord"):
        body = _body(_surface(client, "search", published, q=name), "search")
        assert TEXTS["nfa"] not in body and TEXTS["anonymous"] not in body
        assert "Nothing in the archive matches" in body


def test_search_finds_words_and_attributes_them_per_consent(published, client_for):
    client = client_for(published.people.convener)
    body = _body(_surface(client, "search", published, q="viewing party"), "search")
    assert "<mark>" in body
    assert "A participant" in body and "Community leader" not in body and "Bob Quietname" not in body
    body = _body(_surface(client, "search", published, q="grief"), "search")
    assert "mistrust" in body and "Faith leader" not in body and "Lakeside" not in body
    assert "zebra" not in _body(_surface(client, "search", published, q="zebra"), "search")


def _filtered(client, pub, **params):
    url = reverse("archive_exchange", args=[pub.session.meeting.exchange_id])
    return _body(client.get(url, params), "search")


def test_team_and_role_filters_never_match_words_the_row_does_not_attribute(published, client_for):
    """A filter matches only what the published row itself says: anonymous
    words match no team or role, and not-for-attribution words (Chatham
    House) match no team, and a role only where five members share it, or the
    filter itself would name whose they were."""
    p = published.people
    client = client_for(p.convener)
    assert TEXTS["anonymous"] not in _filtered(client, published, team=p.other_team.pk)
    assert TEXTS["anonymous"] not in _filtered(client, published, role="faith_leader")
    assert "Nothing in the archive matches" in _filtered(client, published, team=p.other_team.pk)
    # Bob is the exchange's only community leader: his not-for-attribution
    # words match neither his team nor his role.
    assert TEXTS["nfa"] not in _filtered(client, published, role="community_leader")
    body = _filtered(client, published, team=p.team.pk)
    assert TEXTS["named"] in body and TEXTS["nfa"] not in body and TEXTS["anonymous"] not in body
    # The unfiltered archive still holds both.
    body = _filtered(client, published)
    assert TEXTS["anonymous"] in body and TEXTS["nfa"] in body and "Bob Quietname" not in body


def test_role_filter_matches_not_for_attribution_words_of_a_common_role(published, client_for, make_member):
    """Where at least five members share the role, the row shows it, and the role filter may match it."""
    p = published.people
    for i in range(4):
        make_member("participant", display_name=f"Leader {i}", stakeholder_role="community_leader")
    client = client_for(p.convener)
    body = _filtered(client, published, role="community_leader")
    assert (
        TEXTS["nfa"] in body and "Bob Quietname" not in body and str(p.team) not in body.split(TEXTS["nfa"])[0][-300:]
    )
    assert TEXTS["nfa"] not in _filtered(client, published, team=p.team.pk)


def test_equity_chart_and_drill_down_never_name_or_quote(published, client_for):
    """The equity page shows counts by group only; its drill-down links are
    archive filters, which keep the same consent rules."""
    p = published.people
    client = client_for(p.convener)
    body = client.get(reverse("archive_equity", args=[published.session.pk])).content.decode()
    for name in ("Alice Named", "Bob Quietname", "Carol Hidden", "Dave Offrecord"):
        assert name not in body
    for text in TEXTS.values():
        assert text not in body
    drill = _filtered(client, published, role="community_leader", session=published.session.pk)
    assert TEXTS["nfa"] not in drill and "Bob Quietname" not in drill
    drill = _filtered(client, published, team=p.other_team.pk, session=published.session.pk)
    assert TEXTS["anonymous"] not in drill and "zebra" not in drill


def test_exports_have_no_name_for_hidden_consents(published, client_for):
    client = client_for(published.people.facilitator)
    url = reverse("archive_export", kwargs={"session_id": published.session.pk, "fmt": "json"})
    rows = {r["text"]: r for r in json.loads(client.get(url).content)["contributions"]}
    assert rows[TEXTS["named"]]["speaker"] == "Alice Named"
    nfa = rows[TEXTS["nfa"]]
    assert (nfa["speaker"], nfa["stakeholder_role"], nfa["team"]) == ("", "A participant", "")
    anon = rows[TEXTS["anonymous"]]
    assert (anon["speaker"], anon["stakeholder_role"], anon["team"]) == ("", "", "")
    assert anon["attribution"] == "anonymous"
    assert set(rows) == {TEXTS["named"], TEXTS["nfa"], TEXTS["anonymous"], TEXTS["reply"]}
    assert rows[TEXTS["reply"]]["reply_to_id"] == published.nfa.pk
    assert rows[TEXTS["nfa"]]["reflections"] == ["I heard patience"]
    assert rows[TEXTS["named"]]["round"] == 1 and rows[TEXTS["nfa"]]["round"] is None


def test_transcript_groups_by_phase_and_round_in_seq_order(published, client_for):
    body = (
        client_for(published.people.convener)
        .get(reverse("archive_transcript", args=[published.session.pk]))
        .content.decode()
    )
    order = [body.index(TEXTS[k]) for k in ("named", "nfa", "anonymous", "reply")]
    assert order == sorted(order)
    assert body.index("Opening round") < body.index(TEXTS["named"]) < body.index("Stories")
    assert "round 1" in body
    assert "Heard by 1" in body and "I heard patience" in body and "Mutual mistrust" in body


def test_words_carry_their_language_only_where_their_speaker_is_named(published, client_for):
    """``lang`` on a transcript's words: a screen reader speaks them right, but on
    unnamed words the writer's language could narrow down who wrote them."""
    Contribution.objects.filter(session=published.session).update(language="es")
    body = _body(_surface(client_for(published.people.convener), "transcript", published), "transcript")

    def quote_of(text: str) -> str:
        start = body.rindex("<blockquote", 0, body.index(text))
        return body[start : body.index(">", start) + 1]

    assert 'lang="es"' in quote_of(TEXTS["named"])
    assert "lang=" not in quote_of(TEXTS["nfa"])
    assert "lang=" not in quote_of(TEXTS["anonymous"])
