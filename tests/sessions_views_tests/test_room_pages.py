"""The three pages of the live room: who may open them, and what they show."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Contribution, PauseSignal, ReflectionNote
from sessions.protocol import FRAMES
from tests.factories import DialogueSessionFactory, MeetingFactory, PhaseFactory

PAGES = ["session_room", "session_console", "session_projector"]


@pytest.fixture
def dialogue(exchange):
    meeting = MeetingFactory(exchange=exchange)
    session = DialogueSessionFactory(meeting=meeting, attribution_default="not_for_attribution")
    PhaseFactory(session=session, order=1, title="Opening go-around", planned_minutes=20)
    PhaseFactory(session=session, order=2, title="Closing and commitments", planned_minutes=15)
    return session


def signed_in(client, member_or_user):
    user = getattr(member_or_user, "user", member_or_user)
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(client, dialogue, name):
    """Nobody sees a room without signing in."""
    url = reverse(name, args=[dialogue.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_member_of_another_exchange_gets_404(client, dialogue, outsider, name):
    """An outsider is not told that the session exists."""
    response = signed_in(client, outsider).get(reverse(name, args=[dialogue.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_person_in_no_exchange_gets_404(client, dialogue, stranger, name):
    response = signed_in(client, stranger).get(reverse(name, args=[dialogue.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_unknown_session_is_404(client, participant, facilitator, name):
    response = signed_in(client, facilitator).get(reverse(name, args=[987654]))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["participant", "scribe"])
def test_console_is_refused_to_participants_and_scribes(client, dialogue, make_member, role):
    """Only facilitators and conveners run the room."""
    member = make_member(role)
    response = signed_in(client, member).get(reverse("session_console", args=[dialogue.pk]))
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_console_opens_for_facilitators_and_conveners(client, dialogue, make_member, role):
    member = make_member(role)
    response = signed_in(client, member).get(reverse("session_console", args=[dialogue.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for control in (
        "session-open",
        "phase-advance",
        "queue-call-next",
        "round-start-form",
        "reflection-start-form",
        "theme-create-form",
        "signals-list",
        "not-spoken-list",
        "capture-form",
    ):
        assert f'id="{control}"' in body
    assert response.context["room_config"]["can_facilitate"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["participant", "scribe", "facilitator", "convener"])
def test_room_and_projector_open_for_every_member(client, dialogue, make_member, role):
    member = make_member(role)
    client = signed_in(client, member)
    for name in ("session_room", "session_projector"):
        response = client.get(reverse(name, args=[dialogue.pk]))
        assert response.status_code == 200, name


@pytest.mark.django_db
def test_room_renders_the_static_frame_and_client_settings(client, dialogue, participant):
    """The question, prompts and agenda read well before the socket connects;
    the client learns the websocket URL and the session's attribution default."""
    response = signed_in(client, participant).get(reverse("session_room", args=[dialogue.pk]))
    body = response.content.decode()
    assert dialogue.question.replace("'", "&#x27;") in body
    assert "What are you learning?" in body
    assert "Opening go-around" in body and "Closing and commitments" in body
    config = response.context["room_config"]
    assert config["session_id"] == dialogue.pk
    assert config["ws_url"] == f"ws://testserver/ws/sessions/{dialogue.pk}/"
    assert config["can_facilitate"] is False
    assert config["can_capture"] is False
    assert config["limits"]["text"] == 4000
    assert 'id="room-config" type="application/json"' in body
    assert 'type="module"' in body and "js/room/room.js" in body
    # The consent select starts at the session's default.
    assert '<option value="not_for_attribution" selected>' in body
    # Accessibility scaffolding: the live regions and labelled controls.
    assert 'aria-live="polite"' in body and 'aria-live="assertive"' in body
    assert '<label for="compose-text">' in body
    assert 'id="capture-form"' not in body  # no capture control for a participant
    assert 'id="session-open"' not in body  # no console controls either


@pytest.mark.django_db
def test_projector_connects_as_the_read_only_view(client, dialogue, facilitator):
    """The projector page's socket asks for the projector view, which the
    server never counts as someone present."""
    response = signed_in(client, facilitator).get(reverse("session_projector", args=[dialogue.pk]))
    assert response.context["room_config"]["ws_url"] == f"ws://testserver/ws/sessions/{dialogue.pk}/?view=projector"


@pytest.mark.django_db
def test_room_links_commitments_to_their_check_in(client, dialogue, participant):
    """The client fills in the commitment's id to link to its check-in."""
    response = signed_in(client, participant).get(reverse("session_room", args=[dialogue.pk]))
    template = response.context["room_config"]["checkin_url"]
    assert template.replace("{id}", "7") == reverse("commitment_checkin", args=[7])
    body = response.content.decode()
    assert 'id="commitment-checkin"' in body and "Tell us how it went" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "role"), [("session_room", "participant"), ("session_room", "scribe"), ("session_console", "facilitator")]
)
def test_every_control_names_the_action_it_sends(client, dialogue, make_member, name, role):
    """Each control carries the frame type it sends (data-action), so the client
    shows only those in hello.you.actions; every name is a real frame type."""
    body = signed_in(client, make_member(role)).get(reverse(name, args=[dialogue.pk])).content.decode()
    actions = set(re.findall(r'data-action="([a-z_]+)"', body))
    assert actions <= set(FRAMES)
    assert {"contribute", "hand_raise", "pause_request", "commitment_set"} <= actions
    if role == "facilitator":
        assert {"session_open", "round_start", "turn_skip", "theme_create", "signal_dismiss"} <= actions
    else:
        assert "session_open" not in actions


@pytest.mark.django_db
def test_scribe_room_has_the_capture_control(client, dialogue, scribe):
    response = signed_in(client, scribe).get(reverse("session_room", args=[dialogue.pk]))
    body = response.content.decode()
    assert 'id="capture-form"' in body
    assert response.context["room_config"]["can_capture"] is True


@pytest.mark.django_db
def test_websocket_url_is_secure_over_https(client, dialogue, participant):
    response = signed_in(client, participant).get(reverse("session_room", args=[dialogue.pk]), secure=True)
    assert response.context["room_config"]["ws_url"].startswith("wss://testserver")


@pytest.mark.django_db
def test_pages_carry_no_inline_script_or_style(client, dialogue, facilitator):
    """The content security policy forbids inline code: data goes through json_script only."""
    client = signed_in(client, facilitator)
    for name in PAGES:
        body = client.get(reverse(name, args=[dialogue.pk])).content.decode()
        assert "style=" not in body, name
        assert "<style" not in body, name
        for chunk in body.split("<script")[1:]:
            opening = chunk.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, (name, opening)


@pytest.mark.django_db
def test_projector_shows_no_private_material(client, dialogue, facilitator, participant):
    """Even opened by a facilitator, the projector page holds no contributions,
    notes, pause signals or controls: only the question, prompts and agenda."""
    now = timezone.now()
    Contribution.objects.create(
        session=dialogue,
        author=participant,
        kind="story",
        text="Off the record words about the chief",
        consent="off_record",
        created_at=now,
    )
    ReflectionNote.objects.create(session=dialogue, member=facilitator, text="My private worry", updated_at=now)
    PauseSignal.objects.create(session=dialogue, member=participant, created_at=now)
    response = signed_in(client, facilitator).get(reverse("session_projector", args=[dialogue.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Off the record words" not in body
    assert "My private worry" not in body
    assert participant.display_name not in body
    for control in (
        "compose-form",
        "reflection-notes",
        "pause-signal",
        "signals-list",
        "not-spoken-list",
        "capture-form",
        "commitment-form",
    ):
        assert f'id="{control}"' not in body
    assert "js/room/projector.js" in body
    assert response.context["room_config"]["can_facilitate"] is False
    assert response.context["room_config"]["display_name"] == ""
