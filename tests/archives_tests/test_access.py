"""Who may read the archive: refusals from every side, and the access log."""

import pytest
from django.test import Client
from django.urls import reverse

from archives.models import ArchiveAccess

pytestmark = pytest.mark.django_db


def _urls(pub):
    s = pub.session
    x = s.meeting.exchange_id
    return {
        "transcript": reverse("archive_transcript", args=[s.pk]),
        "review": reverse("archive_review", args=[s.pk]),
        "equity": reverse("archive_equity", args=[s.pk]),
        "export": reverse("archive_export", kwargs={"session_id": s.pk, "fmt": "csv"}),
        "exchange": reverse("archive_exchange", args=[x]),
        "exchange_export": reverse("archive_export", kwargs={"exchange_id": x, "fmt": "json"}),
        "themes": reverse("archive_themes", args=[x]),
        "theme": reverse("archive_theme", args=[pub.theme.pk]),
        "exchange_equity": reverse("archive_exchange_equity", args=[x]),
        "followthrough": reverse("archive_followthrough", args=[x]),
        "access_log": reverse("archive_access_log", args=[x]),
    }


def test_signed_out_visitors_are_sent_to_sign_in(published):
    for name, url in _urls(published).items():
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_people_outside_the_exchange_get_404_everywhere(published, client_for, who, request):
    client = client_for(request.getfixturevalue(who))
    for name, url in _urls(published).items():
        assert client.get(url).status_code == 404, name


def test_a_participant_who_was_not_in_the_session_cannot_read_it(published, client_for):
    client = client_for(published.people.absent)
    urls = _urls(published)
    for name in ("transcript", "export", "equity"):
        assert client.get(urls[name]).status_code == 404, name
    body = client.get(urls["exchange"]).content.decode()
    assert "mural" not in body and "viewing party" not in body
    exported = client.get(urls["exchange_export"]).json()
    assert exported["contributions"] == []
    assert "mural" not in client.get(urls["theme"]).content.decode()


def test_attendance_alone_lets_a_participant_read(published, client_for, make_member):
    from participants.models import Attendance

    late = make_member("participant", display_name="Late Reader")
    client = client_for(late)
    url = _urls(published)["transcript"]
    assert client.get(url).status_code == 404
    Attendance.objects.create(member=late, meeting=published.session.meeting, source="marked")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["alice", "scribe"])
def test_participants_and_scribes_read_their_sessions_but_not_the_analyses(published, client_for, who):
    client = client_for(getattr(published.people, who))
    urls = _urls(published)
    for name in ("transcript", "export", "exchange", "exchange_export", "themes", "theme", "review"):
        assert client.get(urls[name]).status_code == 200, name
    for name in ("equity", "exchange_equity", "followthrough", "access_log"):
        assert client.get(urls[name]).status_code == 403, name


def test_facilitators_read_everything_but_the_access_log(published, client_for):
    client = client_for(published.people.facilitator)
    for name, url in _urls(published).items():
        assert client.get(url).status_code == (403 if name == "access_log" else 200), name


def test_an_unpublished_session_is_hidden_from_everyone(closed, client_for):
    p = closed.people
    urls = _urls(closed)
    for who in (p.convener, p.facilitator, p.alice):
        client = client_for(who)
        for name in ("transcript", "export", "equity"):
            assert client.get(urls[name]).status_code == 404, name
        body = client.get(urls["exchange"]).content.decode()
        assert "mural" not in body and "In review" in body


def test_another_exchanges_theme_is_not_found(published, outsider, client_for):
    from sessions.models import Theme

    theirs = Theme.objects.create(exchange=outsider.exchange, name="Theirs")
    client = client_for(published.people.convener)
    assert client.get(reverse("archive_theme", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("archive_access_log", args=[outsider.exchange_id])).status_code == 404


def test_every_reading_and_export_is_logged_and_conveners_see_the_log(published, client_for):
    p = published.people
    urls = _urls(published)
    client_for(p.alice).get(urls["transcript"])
    client_for(p.facilitator).get(urls["exchange"], {"q": "mural", "role": "law_enforcement"})
    client_for(p.facilitator).get(urls["export"])
    log = list(ArchiveAccess.objects.order_by("pk").values_list("member__display_name", "what", "query", "session_id"))
    assert log[0] == ("Alice Named", "transcript", "", published.session.pk)
    assert (
        log[1][:2] == ("Fran Facilitator", "search") and "q=mural" in log[1][2] and "role=law_enforcement" in log[1][2]
    )
    assert log[2] == ("Fran Facilitator", "export", "format=csv", published.session.pk)
    body = client_for(p.convener).get(urls["access_log"]).content.decode()
    assert "Alice Named" in body and "q=mural" in body and "Export" in body
    assert ArchiveAccess.objects.filter(what="access_log", member=p.convener).exists()


def test_reviewing_ones_own_words_is_not_logged(closed, client_for):
    """The review page shows a member only their own words; logging their visit
    would tell the log's readers who has words in the session."""
    p = closed.people
    url = reverse("archive_review", args=[closed.session.pk])
    client_for(p.carol).get(url)
    client_for(p.carol).post(url, {"action": "release"})
    assert not ArchiveAccess.objects.filter(member=p.carol).exists()
    client_for(p.facilitator).get(url)
    assert ArchiveAccess.objects.filter(member=p.facilitator, what="review").exists()
    body = client_for(p.convener).get(_urls(closed)["access_log"]).content.decode()
    assert "Carol Hidden" not in body


def test_unknown_export_format_is_not_found(published, client_for):
    url = reverse("archive_export", kwargs={"session_id": published.session.pk, "fmt": "xlsx"})
    assert client_for(published.people.convener).get(url).status_code == 404


@pytest.mark.parametrize(
    "who, analyses, access_log",
    [("alice", False, False), ("scribe", False, False), ("facilitator", True, False), ("convener", True, True)],
)
def test_pages_offer_only_the_links_the_role_may_follow(published, client_for, who, analyses, access_log):
    """The archive's navigation and the exchange's page offer equity, follow-through
    and the access log only to those whose role opens them (archives.permissions)."""
    client = client_for(getattr(published.people, who))
    urls = _urls(published)
    pages = [
        client.get(urls["themes"]).content.decode(),
        client.get(reverse("exchange_detail", args=[published.session.meeting.exchange_id])).content.decode(),
    ]
    for body in pages:
        assert (urls["exchange_equity"] in body) is analyses
        assert (urls["followthrough"] in body) is analyses
        assert (urls["access_log"] in body) is access_log
