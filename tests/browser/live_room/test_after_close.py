"""After the facilitator closes the session, the room's controls are gone and
it says where the archive will be; and when the network silently drops, the
connection pill says "Reconnecting…" within two heartbeats, then recovers."""

import json
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from archives import services as archive_services
from archives.models import ArchiveReview
from sessions import services
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, in_thread, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
HEARTBEAT_SECONDS = 2


@pytest.fixture
def room(transactional_db):
    exchange = ExchangeFactory()
    fran = MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor")
    ana = MemberFactory(exchange=exchange, display_name="Ana Ruiz")
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    in_thread(services.session_open, session_id=session.pk, member=fran)
    return {"session": session, "fran": fran, "ana": ana, "url": f"/sessions/{session.pk}/room/"}


def open_room(page, member, url):
    login(page, member.user.email, PASSWORD)
    page.goto(url)
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")


def test_after_close_the_controls_are_gone_and_the_room_says_where_the_archive_will_be(
    new_context, room, live_server_url
):
    session = room["session"]
    ana = new_context().new_page()
    open_room(ana, room["ana"], room["url"])
    ana.get_by_role("button", name="Raise hand: new point").click()
    in_thread(services.queue_call_next, session_id=session.pk, member=room["fran"])
    expect(ana.locator("#queue-panel")).to_contain_text("Has the floor")
    ana.get_by_label("Your contribution", exact=True).fill("A thought I was about to share.")
    controls = ("Share", "Raise hand: new point", "Raise hand: direct reply", "Lower my hand", "I need a pause")
    expect(ana.get_by_role("button", name="I need a pause", exact=True)).to_be_visible()

    in_thread(services.session_close, session_id=session.pk, member=room["fran"])
    archive_url = reverse("archive_transcript", args=[session.pk])
    said = ana.locator("#closed-archive")
    expect(said).to_be_visible()
    expect(said).to_have_text(
        f"This session has ended. Its archive will be at {live_server_url}{archive_url}"
        " once the facilitators publish it."
    )
    expect(said.get_by_role("link")).to_have_attribute("href", archive_url)
    expect(ana.get_by_text("Has the floor")).to_have_count(0)
    for control in controls:
        expect(ana.get_by_role("button", name=control, exact=True)).to_have_count(0)
    expect(ana.get_by_label("Your contribution", exact=True)).to_be_hidden()
    assert ana.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('cg.draft.'))") == []
    assert_no_serious_axe_violations(ana)

    # Coming back later: still no controls, still the archive's place; once published, it is there.
    ana.reload()
    expect(ana.locator("#connection-status")).to_have_attribute("data-status", "open")
    expect(said).to_contain_text("once the facilitators publish it")
    for control in controls:
        expect(ana.get_by_role("button", name=control, exact=True)).to_have_count(0)
    session.refresh_from_db()
    archive_services.archive_review_open(session=session)
    assert ArchiveReview.objects.filter(session=session).update(published_at=timezone.now()) == 1
    ana.reload()
    expect(said).to_have_text(f"This session has ended. Its archive is at {live_server_url}{archive_url}.")
    assert_no_console_errors(ana)


class SilentNetwork:
    """Between the page and the server: forwards frames until told to go silent,
    then drops everything both ways without closing anything (a dead Wi-Fi,
    which a browser often does not notice by itself)."""

    def __init__(self):
        self.silent = False
        self.connections = 0

    def handle(self, ws):
        self.connections += 1
        server = ws.connect_to_server()

        def from_server(message):
            if not self.silent:
                ws.send(message)

        def from_page(message):
            if not self.silent:
                server.send(message)

        server.on_message(from_server)
        ws.on_message(from_page)


def test_the_pill_says_reconnecting_within_two_heartbeats_of_the_network_dropping(new_context, room, settings):
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "HEARTBEAT_SECONDS": HEARTBEAT_SECONDS}
    network = SilentNetwork()
    context = new_context()
    ana = context.new_page()
    ana.route_web_socket(re.compile(r"/ws/sessions/\d+/$"), network.handle)
    open_room(ana, room["ana"], room["url"])
    config = json.loads(ana.locator("#room-config").text_content())
    assert config["heartbeat_seconds"] == HEARTBEAT_SECONDS
    pill = ana.locator("#connection-status")
    expect(pill).to_have_text("Connected")
    # Heartbeats keep the link alive while nothing happens in the room.
    ana.wait_for_timeout(HEARTBEAT_SECONDS * 1000 * 3)
    expect(pill).to_have_text("Connected")
    assert network.connections == 1

    # The network drops: nothing arrives, nothing closes. Chromium's offline mode does not
    # end an open websocket, so the silence is made in the route as well.
    context.set_offline(True)
    network.silent = True
    dropped_at = time.monotonic()
    expect(pill).to_contain_text("Reconnecting…", timeout=2 * HEARTBEAT_SECONDS * 1000 + 1000)
    assert time.monotonic() - dropped_at <= 2 * HEARTBEAT_SECONDS + 1
    expect(pill).to_have_attribute("data-status", "reconnecting")

    # The network comes back: the room reconnects by itself.
    context.set_offline(False)
    network.silent = False
    expect(pill).to_have_text("Connected", timeout=15_000)
    assert network.connections >= 2
    assert_no_console_errors(ana)
