"""The live room in real browsers: a facilitator and two participants, each in
their own browser context (their own cookies), run a session end to end.

Runs the real ASGI application (uvicorn in a thread) with the in-memory
channel layer, so every socket shares one process.
"""

import pytest
from playwright.sync_api import expect

from exchanges.models import Team
from participants.models import Commitment
from sessions.models import Contribution, SessionEvent
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def room(transactional_db):
    """A session with two participants in different teams and a facilitator in none,
    so a go-around by team runs Ana, then Ben, then the facilitator."""
    exchange = ExchangeFactory()
    ashford = Team.objects.create(exchange=exchange, community_name="Ashford", state_region="CT", locale_type="rural")
    brookfield = Team.objects.create(
        exchange=exchange, community_name="Brookfield", state_region="OH", locale_type="suburban"
    )
    facilitator = MemberFactory(exchange=exchange, exchange_role="facilitator", team=None, display_name="Fran Okafor")
    ana = MemberFactory(exchange=exchange, team=ashford, display_name="Ana Ruiz")
    ben = MemberFactory(exchange=exchange, team=brookfield, display_name="Ben Carter")
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Opening go-around", planned_minutes=30)
    PhaseFactory(session=session, order=2, title="Closing and commitments", planned_minutes=15)
    return {"session": session, "facilitator": facilitator, "ana": ana, "ben": ben}


def open_as(new_context, member, path):
    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, member.user.email, PASSWORD)
    page.goto(path)
    wait_connected(page)
    return page


def wait_connected(page):
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")


def wait_announced(page, text, region="announcer"):
    """Wait until a live region says ``text``.

    Locator assertions, not wait_for_function: the page's content security
    policy forbids the eval that a string predicate needs.
    """
    expect(page.locator(f"#{region}")).to_contain_text(text)


def test_a_session_runs_from_opening_to_commitments(new_context, room):
    """Open, a go-around (one speaks, one passes), quiet reflection with a shared
    note, close, commitments; the events are stored in seq order and each page
    passes axe."""
    session = room["session"]
    base = f"/sessions/{session.pk}"
    console = open_as(new_context, room["facilitator"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    ben = open_as(new_context, room["ben"], f"{base}/room/")

    # Everyone sees everyone arrive.
    for page in (console, ana, ben):
        presence = page.locator("#presence-list")
        for name in ("Fran Okafor", "Ana Ruiz", "Ben Carter"):
            presence.get_by_text(name).wait_for()

    console.get_by_role("button", name="Open the session").click()
    for page in (ana, ben):
        page.locator("#room-state").get_by_text("Session open").wait_for()
        wait_announced(page, "Now: Opening go-around.")

    # A go-around by team: Ana (Ashford), then Ben (Brookfield); the facilitator holds the room.
    console.get_by_label("Order", exact=True).select_option("by_team")
    console.get_by_label("Seconds per turn").fill("120")
    console.get_by_role("button", name="Start a go-around").click()
    wait_announced(ana, "Your turn", region="announcer-urgent")
    ana.locator("#turn-timer").get_by_text("Time left for this turn").wait_for()
    wait_announced(ben, "It is now Ana Ruiz's turn.")
    ana.get_by_role("button", name="I'm done").click()

    wait_announced(ben, "Your turn", region="announcer-urgent")
    wait_announced(ana, "It is now Ben Carter's turn.")
    assert ana.locator("#my-turn-controls").is_hidden()
    # Her turn controls went away; the keyboard lands on the go-around's status, not at the top of the page.
    expect(ana.locator("#round-status")).to_be_focused()
    ben.get_by_role("button", name="Pass").click()
    # Ben was the last: the go-around ends of itself.
    wait_announced(ben, "The go-around has ended.")

    # Quiet reflection: a private note, part of it shared into the room.
    console.get_by_label("Minutes").fill("2")
    console.get_by_role("button", name="Start quiet reflection").click()
    ana.locator("#reflection-panel").wait_for(state="visible")
    wait_announced(ana, "Quiet reflection has begun")
    ana.locator("#reflection-countdown").get_by_text("of quiet reflection left").wait_for()
    ana.get_by_label("My private notes").fill("Walking the beat with youth workers rebuilt some trust.")
    ana.get_by_role("button", name="Share into the room").click()
    # Sharing asks, there and then, how the note may be attributed: the session's default is chosen.
    expect(ana.get_by_role("radio", name="On the record, named")).to_be_checked()
    ana.get_by_role("button", name="Share with this attribution").click()
    ben.locator("#contribution-list").get_by_text("Walking the beat with youth workers").wait_for()
    # The exchange's starting themes appeared when the session opened; the console tags with one.
    shared_item = console.locator("#contribution-list > li").filter(has_text="Walking the beat")
    shared_item.get_by_label("Tag with a theme").select_option(label="Mutual mistrust")
    shared_item.get_by_role("button", name="Tag", exact=True).click()
    expect(ben.locator("#contribution-list > li").filter(has_text="Walking the beat")).to_contain_text(
        "Themes: Mutual mistrust"
    )
    console.get_by_role("button", name="End reflection").click()
    wait_announced(ben, "Quiet reflection has ended.")
    assert ben.locator("#reflection-panel").is_hidden()

    # The projector: read-only, big, no private material.
    projector = ben.context.new_page()
    projector.goto(f"{base}/projector/")
    wait_connected(projector)
    projector.locator("#projector-phase").get_by_text("Opening go-around").wait_for()
    assert projector.get_by_text("Walking the beat").count() == 0

    assert_no_serious_axe_violations(ana)
    assert_no_serious_axe_violations(console)
    assert_no_serious_axe_violations(projector)

    # Close; both participants say what they will try at home.
    console.get_by_role("button", name="Close the session").click()
    console.locator("#confirm-dialog").get_by_role("button", name="Close the session").click()
    for page, words in ((ana, "Invite the youth council to a listening session."), (ben, "Ride along with patrol.")):
        wait_announced(page, "The session has closed.")
        page.get_by_label("What will you try at home before we meet again?").fill(words)
        page.get_by_role("button", name="Record my commitment").click()
        page.locator("#commitment-status").get_by_text("Your commitment is recorded").wait_for()

    seqs = list(SessionEvent.objects.filter(session=session).order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    names = list(SessionEvent.objects.filter(session=session).order_by("seq").values_list("name", flat=True))
    for expected in (
        "session_opened",
        "round_started",
        "turn_spoke",
        "turn_passed",
        "reflection_started",
        "contribution_added",
        "reflection_ended",
        "session_closed",
    ):
        assert expected in names
    assert names.index("turn_spoke") < names.index("turn_passed") < names.index("reflection_started")
    commitments = {c.member_id: c.text for c in Commitment.objects.filter(session=session)}
    assert commitments == {
        room["ana"].pk: "Invite the youth council to a listening session.",
        room["ben"].pk: "Ride along with patrol.",
    }
    shared = Contribution.objects.get(session=session, author=room["ana"])
    assert shared.kind == "reflection"
    for page in (console, ana, ben, projector):
        assert_no_console_errors(page)
