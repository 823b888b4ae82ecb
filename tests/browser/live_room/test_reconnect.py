"""Nothing typed is lost when the network drops, and nothing is stored twice.

The page's websocket is routed through Playwright (``page.route_web_socket``),
which lets the test lose an acknowledgement, cut the connection, and refuse
reconnections for a while, exactly as a flaky network would.
"""

import json
import re
import threading

import pytest
from playwright.sync_api import expect

from sessions import services
from sessions.models import Contribution
from tests.browser.conftest import assert_no_console_errors, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
RECONNECT_TIMEOUT_MS = 30_000


class FlakyNetwork:
    """Stands between the page and the server: forwards frames, but can swallow
    the next contribution ack (and cut the line there), or refuse connections."""

    def __init__(self):
        self.lock = threading.Lock()
        self.refusing = False
        self.lose_next_contribute_ack = False
        self.connections = 0
        self.routes = []

    def handle(self, ws):
        with self.lock:
            self.connections += 1
            refusing = self.refusing
        if refusing:
            ws.close(code=4000, reason="network down")
            return
        server = ws.connect_to_server()
        self.routes.append(ws)

        def from_server(message):
            frame = json.loads(message) if isinstance(message, str) else {}
            if frame.get("type") == "ack" and frame.get("action") == "contribute" and self.lose_next_contribute_ack:
                self.lose_next_contribute_ack = False
                # The server stored it and answered; the answer never arrives, and the line drops.
                ws.close(code=4000, reason="network blip")
                server.close()
                return
            ws.send(message)

        server.on_message(from_server)
        ws.on_message(lambda message: server.send(message))

    def cut(self):
        for ws in self.routes:
            try:
                ws.close(code=4000, reason="network down")
            except Exception:  # noqa: BLE001 - already closed
                pass
        self.routes.clear()


def test_contributions_survive_a_lost_ack_and_a_dead_network(new_context, transactional_db):
    """A contribution whose ack is lost is re-sent with the same client_id and
    stored once; one written while the network is down (and kept across a
    reload) is sent when the room is reachable again, also once."""
    exchange = ExchangeFactory()
    facilitator = MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor")
    ana = MemberFactory(exchange=exchange, display_name="Ana Ruiz")
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    PhaseFactory(session=session, order=2, title="Closing", planned_minutes=10)
    # Playwright's event loop owns this thread, so the service (which broadcasts
    # on commit through async_to_sync) runs on its own thread.
    opener = threading.Thread(target=services.session_open, kwargs={"session_id": session.pk, "member": facilitator})
    opener.start()
    opener.join()

    network = FlakyNetwork()
    page = new_context().new_page()
    page.route_web_socket(re.compile(r"/ws/sessions/\d+/$"), network.handle)
    login(page, ana.user.email, PASSWORD)
    page.goto(f"/sessions/{session.pk}/room/")
    status = page.locator("#connection-status")
    expect(status).to_have_attribute("data-status", "open")

    # 1. Sent while connected; the server stores it but the ack is lost with the connection.
    network.lose_next_contribute_ack = True
    first = "We started a youth advisory board that meets at the precinct."
    page.get_by_label("Your contribution", exact=True).fill(first)
    page.get_by_role("button", name="Share", exact=True).click()
    # The client reconnects by itself, re-sends with the same client_id, and is acknowledged.
    expect(status).to_have_attribute("data-status", "open", timeout=RECONNECT_TIMEOUT_MS)
    expect(page.locator("#outbox")).to_be_hidden(timeout=RECONNECT_TIMEOUT_MS)
    expect(page.locator("#contribution-list").get_by_text(first)).to_have_count(1)
    assert network.connections >= 2
    assert Contribution.objects.filter(session=session, text=first).count() == 1

    # 2. The network dies; a contribution is written and shared while it is down, the page is even reloaded.
    network.refusing = True
    network.cut()
    expect(status).to_have_attribute("data-status", "reconnecting")
    expect(status).to_contain_text("Reconnecting")
    second = "What I'm learning: trust comes back one conversation at a time."
    page.get_by_label("Your contribution", exact=True).fill(second)
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("#outbox-list")).to_contain_text("trust comes back one conversation")
    expect(page.get_by_label("Your contribution", exact=True)).to_have_value("")
    assert not Contribution.objects.filter(session=session, text=second).exists()
    page.reload()
    expect(page.locator("#outbox-list")).to_contain_text("trust comes back one conversation")

    # 3. The network comes back: the kept contribution is sent, once.
    network.refusing = False
    expect(status).to_have_attribute("data-status", "open", timeout=RECONNECT_TIMEOUT_MS)
    expect(page.locator("#outbox")).to_be_hidden(timeout=RECONNECT_TIMEOUT_MS)
    expect(page.locator("#contribution-list").get_by_text(second)).to_have_count(1)
    assert Contribution.objects.filter(session=session, text=second).count() == 1
    assert Contribution.objects.filter(session=session, text=first).count() == 1
    assert_no_console_errors(page)
