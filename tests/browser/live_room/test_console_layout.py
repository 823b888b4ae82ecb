"""The facilitator's console as a person uses it: on a laptop the contributions
scroll in their own box while the writing box and the controls stay in view;
closing the session is apart from pausing and asks first (cancelling keeps the
room open); on a phone the writing box is one tap away."""

import pytest
from playwright.sync_api import expect

from sessions import services
from sessions.models import DialogueSession
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, in_thread, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def room(transactional_db):
    """An open session with a facilitator and a participant."""
    exchange = ExchangeFactory()
    people = {
        "fran": MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor"),
        "ana": MemberFactory(exchange=exchange, display_name="Ana Ruiz"),
    }
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    PhaseFactory(session=session, order=2, title="Closing", planned_minutes=10)
    in_thread(services.session_open, session_id=session.pk, member=people["fran"])
    return {"session": session, "base": f"/sessions/{session.pk}", **people}


def open_as(new_context, member, path, viewport):
    page = new_context(viewport=viewport).new_page()
    page.browser_dialogs = []
    page.on("dialog", lambda dialog: (page.browser_dialogs.append(dialog.message), dialog.dismiss()))
    login(page, member.user.email, PASSWORD)
    page.goto(path)
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    return page


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0


def test_on_a_laptop_the_writing_box_and_controls_stay_in_view(new_context, room):
    session = room["session"]
    for n in range(30):
        in_thread(
            services.contribution_create,
            session_id=session.pk,
            member=room["ana"],
            client_id=f"many-{n}",
            text=f"Contribution number {n + 1}: what the neighbourhood watch did next, at some length.",
        )
    console = open_as(new_context, room["fran"], f"{room['base']}/console/", LAPTOP)
    contributions = console.locator("#contribution-list")
    expect(contributions.locator("> li")).to_have_count(30)

    # The contributions scroll in their own box; the page does not grow with them.
    sizes = contributions.evaluate("(list) => [list.scrollHeight, list.clientHeight, getComputedStyle(list).overflowY]")
    assert sizes[0] > sizes[1] and sizes[2] == "auto", sizes
    page_height = console.evaluate("document.documentElement.scrollHeight")
    # The box shows the newest words.
    newest = contributions.locator("> li").last
    list_box, newest_box = contributions.bounding_box(), newest.bounding_box()
    assert newest_box["y"] + newest_box["height"] <= list_box["y"] + list_box["height"] + 2

    # Writing: once the writing box is scrolled to, it, the newest words and the
    # facilitator's controls are all in view at once.
    console.locator("#compose-panel").scroll_into_view_if_needed()
    writing = console.get_by_label("Your contribution", exact=True)
    writing.focus()
    for control in (
        writing,
        console.get_by_role("button", name="Share", exact=True),
        console.locator("#contributions-heading"),
        newest,
        console.get_by_role("button", name="Next phase"),
        console.get_by_role("button", name="Pause the room"),
    ):
        assert in_viewport(console, control), control

    # Words arriving while the box shows the newest keep it at the newest.
    in_thread(
        services.contribution_create,
        session_id=session.pk,
        member=room["ana"],
        client_id="latest",
        text="The very latest words.",
    )
    latest = contributions.locator("> li").filter(has_text="The very latest words.")
    expect(latest).to_have_count(1)
    expect(latest).to_be_in_viewport()
    assert console.evaluate("document.documentElement.scrollHeight") == page_height
    # The box takes the keyboard, so it scrolls without a mouse.
    contributions.focus()
    expect(contributions).to_be_focused()
    console.keyboard.press("Home")
    expect(contributions.locator("> li").first).to_be_in_viewport()

    assert_no_serious_axe_violations(console)
    assert_no_console_errors(console)


def test_closing_is_apart_from_pausing_and_asks_first(new_context, room):
    session = room["session"]
    console = open_as(new_context, room["fran"], f"{room['base']}/console/", LAPTOP)
    close = console.get_by_role("button", name="Close the session")
    pause = console.get_by_role("button", name="Pause the room")
    # Not in the same group: pausing is with the running controls, closing in a section of its own.
    assert console.locator("#console-session-panel").get_by_role("button", name="Close the session").count() == 0
    expect(console.locator("#console-close-panel")).to_contain_text("cannot be undone")
    assert "danger" in (close.get_attribute("class") or "")
    assert close.bounding_box()["y"] > pause.bounding_box()["y"] + 200

    dialog = console.locator("#confirm-dialog")
    # By mouse, then "Keep it open".
    close.click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Close the session?")
    expect(dialog.get_by_role("button", name="Keep it open")).to_be_focused()
    dialog.get_by_role("button", name="Keep it open").click()
    expect(dialog).to_be_hidden()
    expect(close).to_be_focused()
    # By keyboard, then Escape.
    console.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    console.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(close).to_be_focused()
    session.refresh_from_db()
    assert session.state == DialogueSession.State.OPEN
    expect(console.locator("#room-state")).to_contain_text("Session open")
    assert console.browser_dialogs == []

    # Saying yes, from the keyboard, closes it.
    console.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    console.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Close the session")).to_be_focused()
    console.keyboard.press("Enter")
    expect(console.locator("#room-state")).to_contain_text("Session closed", timeout=15_000)
    session.refresh_from_db()
    assert session.state == DialogueSession.State.CLOSED
    assert_no_console_errors(console)


@pytest.mark.parametrize("path", ["room", "console"])
def test_on_a_phone_the_writing_box_is_one_tap_away(new_context, room, path):
    member = room["ana"] if path == "room" else room["fran"]
    phone = open_as(new_context, member, f"{room['base']}/{path}/", PHONE)
    jump = phone.get_by_role("link", name="Jump to the writing box")
    expect(jump).to_be_visible()
    assert in_viewport(phone, jump)
    jump.click()
    writing = phone.get_by_label("Your contribution", exact=True)
    expect(writing).to_be_focused()
    expect(writing).to_be_in_viewport()
    # Scrolled down to the last of the room's panels, the link is still at the top of the screen.
    phone.locator("#presence-heading").scroll_into_view_if_needed()
    expect(jump).to_be_in_viewport()
    assert_no_serious_axe_violations(phone)
    assert_no_console_errors(phone)


def test_on_a_laptop_there_is_no_jump_link(new_context, room):
    page = open_as(new_context, room["ana"], f"{room['base']}/room/", LAPTOP)
    expect(page.get_by_role("link", name="Jump to the writing box")).to_be_hidden()
