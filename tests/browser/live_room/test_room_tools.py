"""The rest of the room's tools in real browsers: the speaking queue moved by
keyboard, "I heard you", edits and withdrawals, scribe capture, theme tagging,
the private pause signal, and a paused room holding contributions back."""

import re
import threading

import pytest
from playwright.sync_api import expect

from sessions import services
from sessions.models import Acknowledgement, Contribution
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def open_as(new_context, member, path):
    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, member.user.email, PASSWORD)
    page.goto(path)
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    return page


def contribution(page, text):
    return page.locator("#contribution-list > li").filter(has_text=text)


def test_queue_acknowledgement_capture_themes_pause(new_context, transactional_db):
    exchange = ExchangeFactory()
    facilitator = MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor")
    ana = MemberFactory(exchange=exchange, display_name="Ana Ruiz")
    sam = MemberFactory(exchange=exchange, exchange_role="scribe", display_name="Sam Lee")
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    PhaseFactory(session=session, order=2, title="Closing", planned_minutes=10)
    opener = threading.Thread(target=services.session_open, kwargs={"session_id": session.pk, "member": facilitator})
    opener.start()
    opener.join()

    base = f"/sessions/{session.pk}"
    console = open_as(new_context, facilitator, f"{base}/console/")
    ana_page = open_as(new_context, ana, f"{base}/room/")
    sam_page = open_as(new_context, sam, f"{base}/room/")

    # The queue: a direct reply goes ahead of a new point; the facilitator moves Ana up by keyboard.
    ana_page.get_by_role("button", name="Raise hand: new point").click()
    expect(console.locator("#queue-list")).to_contain_text("Ana Ruiz")
    sam_page.get_by_role("button", name="Raise hand: direct reply").click()
    expect(console.locator("#queue-list > li").first).to_contain_text("Sam Lee")
    console.get_by_role("button", name="Move Ana Ruiz up").focus()
    console.keyboard.press("Enter")
    expect(ana_page.locator("#queue-list > li").first).to_contain_text("Ana Ruiz")
    # Focus stays on Ana's entry (its "Move up" is now disabled, so on the next control).
    expect(console.locator("#queue-list > li").first.locator(":focus")).to_have_count(1)
    # The button Ana pressed gave way to "Lower my hand", and the keyboard moved with it.
    expect(ana_page.get_by_role("button", name="Lower my hand")).to_be_focused()
    console.get_by_role("button", name="Call next").click()
    expect(ana_page.locator("#announcer-urgent")).to_contain_text("You have the floor.")
    expect(sam_page.locator("#queue-list")).to_contain_text("Has the floor")

    # Ana writes; Sam says "I heard you" with a line reflected back.
    first = "Our chief started holding coffee mornings in the library."
    ana_page.get_by_label("Your contribution", exact=True).fill(first)
    expect(ana_page.locator("#compose-counter")).to_contain_text(f"{len(first)} of 4000 characters")
    ana_page.get_by_role("button", name="Share", exact=True).click()
    expect(contribution(sam_page, first)).to_have_count(1)
    contribution(sam_page, first).get_by_role("button", name="I heard you, Ana Ruiz").click()
    sam_page.get_by_label("What I heard (optional, one line)").fill("Small regular meetings, on neutral ground.")
    sam_page.get_by_role("button", name="Send “I heard you”").click()
    expect(contribution(ana_page, first)).to_contain_text("Heard by 1 person")
    expect(contribution(ana_page, first)).to_contain_text("Small regular meetings, on neutral ground.")

    # Ana edits her words; everyone sees the edit.
    contribution(ana_page, first).get_by_role("button", name="Edit your contribution").click()
    edited = "Our chief started holding coffee mornings in the branch library."
    ana_page.get_by_label("Edit your contribution").fill(edited)
    ana_page.get_by_role("button", name="Save edit").click()
    expect(contribution(sam_page, edited)).to_contain_text("edited")

    # The scribe captures what the facilitator said aloud.
    sam_page.get_by_label("Speaker (present in the room)").select_option(label="Fran Okafor")
    said = "Let's sit with that for a moment before we respond."
    sam_page.get_by_label("What they said").fill(said)
    sam_page.get_by_role("button", name="Capture", exact=True).click()
    expect(contribution(ana_page, said)).to_contain_text("captured by the scribe")

    # The facilitator tags Ana's contribution with a theme.
    item = contribution(console, edited)
    item.get_by_label("Tag with a theme").select_option(label="Rebuilding relationships")
    item.get_by_role("button", name="Tag", exact=True).click()
    expect(contribution(ana_page, edited)).to_contain_text("Themes: Rebuilding relationships")

    # A private "I need a pause": only the facilitators learn of it.
    ana_page.get_by_role("button", name="I need a pause").click()
    expect(ana_page.locator("#pause-signal-status")).to_contain_text("told, privately")
    expect(console.locator("#signals-list")).to_contain_text("Ana Ruiz asked for a pause")
    assert sam_page.locator("#signals-list").count() == 0
    assert "asked for a pause" not in sam_page.content()
    console.get_by_role("button", name="Dismiss Ana Ruiz's pause signal").click()
    expect(console.locator("#signals-list > li")).to_have_count(0)

    # The room pauses: Ana's words are held back, then sent once the room resumes.
    console.get_by_role("button", name="Pause the room").click()
    expect(ana_page.locator("#pause-banner")).to_be_visible()
    expect(ana_page.locator("#announcer-urgent")).to_contain_text("The room is paused.")
    held = "Held until we resume: what trust means to the youth council."
    ana_page.get_by_label("Your contribution", exact=True).fill(held)
    ana_page.get_by_role("button", name="Share", exact=True).click()
    expect(ana_page.locator("#compose-error")).not_to_be_empty()
    expect(ana_page.locator("#outbox-list")).to_contain_text("Held until we resume")
    assert not Contribution.objects.filter(session=session, text=held).exists()
    console.get_by_role("button", name="Resume the room").click()
    expect(ana_page.locator("#pause-banner")).to_be_hidden()
    expect(contribution(sam_page, held)).to_have_count(1)
    expect(ana_page.locator("#outbox")).to_be_hidden()
    assert Contribution.objects.filter(session=session, text=held).count() == 1

    # Ana withdraws her first contribution (confirmed inside the page); it leaves every screen.
    contribution(ana_page, edited).get_by_role("button", name="Withdraw your contribution").click()
    ana_page.get_by_role("dialog").get_by_role("button", name="Withdraw", exact=True).click()
    expect(contribution(sam_page, edited)).to_have_count(0)

    assert Acknowledgement.objects.filter(contribution__session=session).count() == 1
    captured = Contribution.objects.get(session=session, text=said)
    assert captured.author_id == facilitator.pk and captured.captured_by_id == sam.pk
    assert_no_serious_axe_violations(sam_page)
    for page in (console, ana_page, sam_page):
        assert_no_console_errors(page)
    assert re.search(r"Session open", ana_page.locator("#room-state").inner_text())
