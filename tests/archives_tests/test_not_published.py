"""A transcript opened before publication: a page saying so to its future readers.

The reader who will be able to read it (a convener or facilitator, anyone who
was in the session) learns that it is not published yet and when the review
ends, with links onward, and nothing of its words. Anyone else is refused as
for any session they may not read. The answer is a 404 either way, and never
Django's debug page, even with DEBUG on.
"""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from archives import services
from tests.factories import DialogueSessionFactory, MeetingFactory

from .conftest import TEXTS

pytestmark = pytest.mark.django_db

FRIENDLY = "This transcript is not published yet"


def _get(client, session):
    return client.get(reverse("archive_transcript", args=[session.pk]))


@pytest.mark.parametrize("who", ["convener", "facilitator", "alice", "scribe"])
def test_future_readers_are_told_when(closed, client_for, who, settings):
    settings.DEBUG = True  # as `make run` serves the demo
    review = services.archive_review_open(session=closed.session)
    member = getattr(closed.people, who)
    response = _get(client_for(member), closed.session)
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "archives/not_published.html"
    body = response.content.decode()
    assert FRIENDLY in body
    assert "reviewing their own words until" in body
    assert review.closes_at.astimezone(zoneinfo.ZoneInfo(member.time_zone)).strftime("%d %B %Y").lstrip("0") in body
    assert reverse("archive_review", args=[closed.session.pk]) in body
    assert reverse("archive_exchange", args=[closed.session.meeting.exchange_id]) in body
    for text in TEXTS.values():
        assert text not in body
    assert "Technical" not in body and "Page not found" not in body


def test_the_window_over_awaits_publication(closed, client_for):
    review = services.archive_review_open(session=closed.session)
    review.opens_at = timezone.now() - dt.timedelta(days=8)
    review.closes_at = timezone.now() - dt.timedelta(days=1)
    review.save()
    body = _get(client_for(closed.people.convener), closed.session).content.decode()
    assert "The review window ended" in body and "as soon as a facilitator publishes it" in body


def test_a_session_not_yet_held(exchange, people, client_for):
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    response = _get(client_for(people.facilitator), session)
    assert response.status_code == 404
    assert "The session has not closed yet" in response.content.decode()


def test_people_who_may_not_read_it_are_refused_as_before(closed, client_for, outsider, settings):
    """A participant who was not in the session, and an outsider, get the plain
    404: no word of publication or of the review."""
    settings.DEBUG = False
    for person in (closed.people.absent, outsider):
        response = _get(client_for(person), closed.session)
        assert response.status_code == 404
        body = response.content.decode()
        assert FRIENDLY not in body and "review" not in body.lower()


def test_published_is_the_transcript_and_refusals_stay(published, client_for, settings):
    settings.DEBUG = False
    assert _get(client_for(published.people.convener), published.session).status_code == 200
    response = _get(client_for(published.people.absent), published.session)
    assert response.status_code == 404 and FRIENDLY not in response.content.decode()
