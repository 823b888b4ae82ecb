"""The room client's rules, run in Node against fakes: ordering, resume, reconnects and
the outbox (connection.js); the state reducer, event by event (state.js); the panels'
pure helpers and the client's layout (ui/*.js); what sign-out forgets (storage.js).

They are plain ES modules with no build step, so Node runs them as the browser would.
Without Node these tests skip, unless REQUIRE_SERVICES=1 (CI): then they fail.

Also here: the page's config hands the client the server's own limits and choice
labels (sessions/limits.py, the models' choices), which the client no longer copies.
"""

import json
import os
import pathlib
import shutil
import subprocess

import pytest
from django.urls import reverse

from participants.models import StakeholderRole
from sessions import limits
from sessions.models import Attribution, Contribution, QueueEntry
from tests.factories import DialogueSessionFactory, MeetingFactory

NODE = shutil.which("node")
HERE = pathlib.Path(__file__).parent
JS_TESTS = HERE / "js"
# Every Node test file here, and the test below that runs it.
NODE_TEST_FILES = {
    "connection.test.mjs",
    "state.test.mjs",
    "state_events.test.mjs",
    "ui.test.mjs",
    "storage.test.mjs",
    "room_composer_log.test.mjs",
    "text_limit.test.mjs",
}


def node_or_skip() -> str:
    """Node's path; without it, skip with the reason, or fail when services are required."""
    if NODE:
        return NODE
    reason = "needs Node.js: the room client's tests run under `node --test` (apt-get install nodejs)"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def run_node_tests(name: str) -> None:
    node = node_or_skip()
    result = subprocess.run(
        [node, "--test", str(JS_TESTS / name)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=HERE.parents[1],
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_every_node_test_file_is_run():
    """A new *.test.mjs beside the others is run by a test here, not silently left out."""
    assert {path.name for path in JS_TESTS.glob("*.test.mjs")} == NODE_TEST_FILES


def test_connection_rules_in_node():
    """Events in seq order, duplicates ignored, gaps and heartbeats resumed, outbox kept until acked;
    4401 (rights changed) reconnects at once, 4403/4404 never retry."""
    run_node_tests("connection.test.mjs")


def test_state_rules_in_node():
    """Bare events only advance the seq; anonymous authors name nobody; consent_changed
    replaces the author; withdrawn words and, at close, every word leave the state."""
    run_node_tests("state.test.mjs")


def test_every_room_event_in_node():
    """Each room event of docs/protocol.md §4 changes the state as documented (the list is read
    from the document, so a new event needs a case); hello replaces the state; a resume's replay
    lands in order and a fresh hello after a reconnect replaces what was there."""
    run_node_tests("state_events.test.mjs")


def test_panels_in_node():
    """Every room module loads without a page and stays under 600 lines; no server label is
    copied into the client; the panels' words and bounds (turns, timers, queue moves, the
    closing form, the console's limits from the config, the projector's public state) hold."""
    run_node_tests("ui.test.mjs")


def test_signout_forgets_room_keys_in_node():
    """Every key the room keeps shares one prefix, and sign-out removes them all."""
    run_node_tests("storage.test.mjs")


def test_composer_contribution_log_and_arrival_in_node():
    """Enter sends; a draft comes back under the consent it was written under (or none);
    a log line leaves as soon as its words are withdrawn, redacted, edited or made
    anonymous, and a few seconds after it was said in any case; a page forgets the
    device's keys of a signed-out visitor or of another person."""
    run_node_tests("room_composer_log.test.mjs")


def test_no_box_in_the_room_cuts_a_long_paste_in_node():
    """The composer, the capture, the inline edit, "I heard you", the private note, the
    commitment and a theme's name keep a long paste whole: counted as the server counts,
    flagged, said once as it crosses the limit, and not sent until shortened."""
    run_node_tests("text_limit.test.mjs")


def test_missing_node_fails_when_services_are_required(monkeypatch):
    """In CI (REQUIRE_SERVICES=1) a machine without Node fails these tests rather than skipping them."""
    monkeypatch.setattr(f"{__name__}.NODE", None)
    monkeypatch.setenv("REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_SERVICES=1"):
        node_or_skip()
    monkeypatch.delenv("REQUIRE_SERVICES")
    with pytest.raises(pytest.skip.Exception, match="needs Node.js"):
        node_or_skip()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["session_room", "session_console", "session_projector"])
def test_room_config_carries_the_servers_limits_and_labels(client, exchange, facilitator, name):
    """The client reads its bounds and choice labels from the page's config, in the models' order."""
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    client.force_login(facilitator.user)
    response = client.get(reverse(name, args=[session.pk]))
    config = response.context["room_config"]
    assert config["limits"] == limits.client_limits()
    assert config["limits"]["text"] == limits.max_text()
    assert list(config["labels"]["kind"].items()) == list(Contribution.Kind.choices)
    assert list(config["labels"]["stakeholder_role"].items()) == list(StakeholderRole.choices)
    assert list(config["labels"]["attribution"].items()) == list(Attribution.choices)
    assert list(config["labels"]["queue_kind"].items()) == list(QueueEntry.Kind.choices)
    # As the page hands it over: JSON in #room-config, keys in order.
    body = response.content.decode()
    script = body.split('id="room-config" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(script)["labels"] == json.loads(json.dumps(config["labels"]))


@pytest.mark.django_db
def test_forms_take_their_bounds_from_the_limits(client, exchange, facilitator, settings):
    """The server-rendered limits and min/max attributes follow sessions/limits.py; no box
    of people's own words has a maxlength (a long paste is kept whole and flagged, never cut)."""
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "MAX_TEXT": 1234}
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    client.force_login(facilitator.user)
    body = client.get(reverse("session_console", args=[session.pk])).content.decode()
    assert "maxlength" not in body
    assert 'id="compose-text" name="text" rows="5" dir="auto" data-max="1234"' in body
    assert "0 of 1234 characters" in body
    for box, bound in [
        ("reflection-notes", limits.NOTE_MAX),
        ("commitment-text", limits.COMMITMENT_MAX),
        ("theme-name", limits.THEME_NAME_MAX),
        ("capture-text", 1234),
    ]:
        tag = body.split(f'id="{box}"', 1)[1].split(">", 1)[0]
        assert f'data-max="{bound}"' in tag
        assert f'aria-describedby="{box.removesuffix("-text").removesuffix("-name")}' in tag
        assert f"0 of {bound} characters" in body
    assert f'min="{limits.TIMER_SECONDS_MIN}" max="{limits.TIMER_SECONDS_MAX}"' in body
    assert f'min="{limits.EXTEND_SECONDS_MIN}" max="{limits.EXTEND_SECONDS_MAX}"' in body
    assert f'id="reflection-minutes" min="1" max="{limits.TIMER_SECONDS_MAX // 60}"' in body
