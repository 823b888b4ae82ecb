"""Go-arounds and the agenda as a facilitator runs them: a go-around takes the
participants present, not the facilitator or the scribe, unless the
facilitator includes them; facilitators are shown as facilitators; and
opening the session says it starts the first phase, so "Next phase" then
moves to the second."""

import pytest
from playwright.sync_api import expect

from sessions import services
from sessions.models import RoomState
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, in_thread, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def room(transactional_db):
    """A scheduled session (Welcome, Stories, Closing) with a facilitator, a
    scribe and three participants."""
    exchange = ExchangeFactory()
    people = {
        "kathleen": MemberFactory(
            exchange=exchange, exchange_role="facilitator", display_name="Kathleen Moreau", stakeholder_role="other"
        ),
        "sam": MemberFactory(
            exchange=exchange, exchange_role="scribe", display_name="Sam Lee", stakeholder_role="other"
        ),
        "ana": MemberFactory(exchange=exchange, display_name="Ana Ruiz"),
        "ben": MemberFactory(exchange=exchange, display_name="Ben Carter"),
        "cleo": MemberFactory(exchange=exchange, display_name="Cleo Park"),
    }
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    for order, title in enumerate(("Welcome", "Stories", "Closing"), start=1):
        PhaseFactory(session=session, order=order, title=title, planned_minutes=20)
    return {"session": session, "base": f"/sessions/{session.pk}", **people}


def open_as(new_context, member, path):
    page = new_context().new_page()
    page.browser_dialogs = []
    page.on("dialog", lambda dialog: (page.browser_dialogs.append(dialog.message), dialog.dismiss()))
    login(page, member.user.email, PASSWORD)
    page.goto(path)
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    return page


def test_opening_starts_welcome_and_next_phase_moves_to_the_second(new_context, room):
    base = room["base"]
    console = open_as(new_context, room["kathleen"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    # Before opening, the console says what opening will do.
    expect(console.locator("#console-phase-now")).to_contain_text(
        "Opening the session starts the first phase, “Welcome”"
    )
    open_button = console.get_by_role("button", name="Open the session and start “Welcome”")
    expect(open_button).to_be_visible()
    open_button.click()

    expect(console.locator("#console-phase-now")).to_have_text("Now: “Welcome” (phase 1 of 3).")
    expect(ana.locator("#announcer")).to_contain_text("Now: Welcome.")
    expect(ana.locator("#phase-list li[aria-current='step']")).to_contain_text("Welcome")
    expect(ana.locator("#phase-progress")).to_contain_text("Welcome: 0 of 20 minutes")
    # The next phase is named on the button, and that is where it goes.
    next_phase = console.get_by_role("button", name="Next phase: “Stories”")
    expect(next_phase).to_be_enabled()
    next_phase.click()
    expect(ana.locator("#announcer")).to_contain_text("Now: Stories.")
    expect(console.locator("#console-phase-now")).to_have_text("Now: “Stories” (phase 2 of 3).")
    assert RoomState.objects.get(session=room["session"]).current_phase.title == "Stories"
    console.get_by_role("button", name="Next phase: “Closing”").click()
    expect(console.locator("#console-phase-now")).to_have_text("Now: “Closing” (phase 3 of 3). This is the last phase.")
    expect(console.get_by_role("button", name="Next phase", exact=True)).to_be_disabled()
    assert_no_serious_axe_violations(console)
    for page in (console, ana):
        assert_no_console_errors(page)


def test_a_go_around_takes_the_participants_unless_others_are_included(new_context, room):
    session = room["session"]
    in_thread(services.session_open, session_id=session.pk, member=room["kathleen"])
    base = room["base"]
    console = open_as(new_context, room["kathleen"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    # The scribe and two more participants are in the room on their own devices.
    for key in ("sam", "ben", "cleo"):
        in_thread(services.presence_join, session_id=session.pk, member=room[key], channel_name=f"device.{key}")
    ana.reload()
    expect(ana.locator("#presence-list > li")).to_have_count(5)

    console.get_by_label("Order", exact=True).select_option("by_team")
    console.get_by_role("button", name="Start a go-around").click()
    expect(ana.locator("#round-order > li")).to_have_count(3)
    expect(ana.locator("#round-status")).to_contain_text("1 of 3")
    names = ana.locator("#round-order .person-name").all_inner_texts()
    assert sorted(names) == ["Ana Ruiz", "Ben Carter", "Cleo Park"]
    console.get_by_role("button", name="End the go-around").click()
    expect(ana.locator("#round-status")).to_have_text("No go-around under way.")

    # Included, the facilitator and the scribe take turns too, shown as what they are.
    console.get_by_label("Include facilitators and scribes").check()
    console.get_by_label("Order", exact=True).select_option("arranged")
    expect(console.locator("#arrange-list > li")).to_have_count(5)
    expect(console.locator("#arrange-list > li").filter(has_text="Kathleen Moreau")).to_contain_text("Facilitator")
    console.get_by_role("button", name="Start a go-around").click()
    expect(ana.locator("#round-order > li")).to_have_count(5)
    expect(ana.locator("#round-status")).to_contain_text("of 5")
    expect(ana.locator("#round-order > li").filter(has_text="Kathleen Moreau")).to_contain_text("· Facilitator")
    expect(ana.locator("#round-order > li").filter(has_text="Sam Lee")).to_contain_text("· Scribe")
    assert "Other" not in ana.locator("#round-order > li").filter(has_text="Kathleen Moreau").inner_text()
    assert_no_serious_axe_violations(console)
    for page in (console, ana):
        assert_no_console_errors(page)


def test_a_participant_sees_the_facilitator_as_facilitator(new_context, room):
    session = room["session"]
    in_thread(services.session_open, session_id=session.pk, member=room["kathleen"])
    base = room["base"]
    console = open_as(new_context, room["kathleen"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    console.get_by_label("Your contribution", exact=True).fill("Welcome, everyone.")
    console.get_by_role("button", name="Share", exact=True).click()
    said = ana.locator("#contribution-list > li").filter(has_text="Welcome, everyone.")
    expect(said).to_contain_text("Kathleen Moreau · Facilitator")
    expect(ana.locator("#presence-list > li").filter(has_text="Kathleen Moreau")).to_contain_text("Facilitator")
    assert "Other" not in said.inner_text()
