"""What the room page hands its client for the composer, the contribution log,
the heartbeat and the closed room: checked on the server-rendered page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from archives.models import ArchiveReview
from sessions import selectors
from sessions.models import DialogueSession
from tests.factories import DialogueSessionFactory, MeetingFactory

ROOM_PAGES = ["session_room", "session_console"]


@pytest.fixture
def dialogue(exchange):
    return DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROOM_PAGES)
def test_the_composer_shows_its_keys_and_never_cuts_a_paste(client, dialogue, facilitator, name):
    client.force_login(facilitator.user)
    body = client.get(reverse(name, args=[dialogue.pk])).content.decode()
    textarea = body.split('<textarea id="compose-text"', 1)[1].split(">", 1)[0]
    assert "maxlength" not in textarea
    assert 'dir="auto"' in textarea
    assert 'aria-describedby="compose-keys compose-counter compose-over compose-error"' in textarea
    assert '<p class="help" id="compose-keys">Enter to send, Shift+Enter for a new line.</p>' in body
    capture = body.split('<textarea id="capture-text"', 1)[1].split(">", 1)[0]
    assert "maxlength" not in capture


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROOM_PAGES)
def test_new_contributions_have_a_polite_log_and_timers_are_not_live(client, dialogue, facilitator, name):
    client.force_login(facilitator.user)
    body = client.get(reverse(name, args=[dialogue.pk])).content.decode()
    assert (
        '<div id="contribution-log" class="visually-hidden" role="log" aria-live="polite" '
        'aria-relevant="additions" aria-label="New contributions"></div>'
    ) in body
    assert '<p id="reflection-countdown" class="timer" role="timer" aria-live="off"></p>' in body
    turn_timer = body.split('id="turn-timer"', 1)[1].split(">", 1)[0]
    assert "aria-live" not in turn_timer


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["session_room", "session_console", "session_projector"])
def test_the_client_learns_the_heartbeat_period(client, dialogue, facilitator, settings, name):
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "HEARTBEAT_SECONDS": 3}
    client.force_login(facilitator.user)
    config = client.get(reverse(name, args=[dialogue.pk])).context["room_config"]
    assert config["heartbeat_seconds"] == 3


@pytest.mark.django_db
def test_the_closed_room_says_where_the_archive_will_be_and_then_is(client, dialogue, participant):
    dialogue.state = DialogueSession.State.CLOSED
    dialogue.closed_at = timezone.now()
    dialogue.save()
    client.force_login(participant.user)
    url = reverse("archive_transcript", args=[dialogue.pk])
    body = client.get(reverse("session_room", args=[dialogue.pk])).content.decode()
    assert (
        f'This session has ended. Its archive will be at <a id="closed-archive-link" href="{url}">'
        f"http://testserver{url}</a> once the facilitators publish it." in body
    )
    ArchiveReview.objects.create(
        session=dialogue, opens_at=timezone.now(), closes_at=timezone.now() + timezone.timedelta(days=7)
    )
    assert selectors.archive_location(session=DialogueSession.objects.get(pk=dialogue.pk))["published"] is False
    ArchiveReview.objects.filter(session=dialogue).update(published_at=timezone.now())
    body = client.get(reverse("session_room", args=[dialogue.pk])).content.decode()
    assert f'Its archive is at <a id="closed-archive-link" href="{url}">http://testserver{url}</a>.' in body
    assert selectors.archive_location(session=DialogueSession.objects.get(pk=dialogue.pk)) == {
        "url": url,
        "published": True,
    }


@pytest.mark.django_db
def test_an_outsider_learns_nothing_of_the_archive(client, dialogue, outsider):
    """The page that would say where the archive is stays a 404 for someone outside the exchange."""
    client.force_login(outsider.user)
    response = client.get(reverse("session_room", args=[dialogue.pk]))
    assert response.status_code == 404
    assert reverse("archive_transcript", args=[dialogue.pk]) not in response.content.decode()
