"""The room's remaining paths in real browsers: go-arounds in random and
arranged order with a turn skipped, extended and run out; a quiet reflection
running out; the projector as a read-only viewer; controls that follow the
member's permissions; phases with their elapsed and planned time; theme
untagging; Escape on the inline forms; and the closing panel while the last
phase is still open, with the link to the commitment's check-in after close."""

import datetime as dt
import re
import threading

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from participants.models import Attendance, Commitment
from sessions import presence, services
from sessions.models import RoomState, Round, Turn
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def room(transactional_db):
    """An open session (Stories, then Closing) with a facilitator, two
    participants, and a participant who only ever looks at the projector."""
    exchange = ExchangeFactory()
    people = {
        "fran": MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor"),
        "ana": MemberFactory(exchange=exchange, display_name="Ana Ruiz"),
        "ben": MemberFactory(exchange=exchange, display_name="Ben Carter"),
        "pat": MemberFactory(exchange=exchange, display_name="Pat Screen"),
    }
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    PhaseFactory(session=session, order=2, title="Closing", planned_minutes=10)
    # The ORM is called from a thread: the browser's event loop owns this one.
    opener = threading.Thread(target=services.session_open, kwargs={"session_id": session.pk, "member": people["fran"]})
    opener.start()
    opener.join()
    return {"session": session, "base": f"/sessions/{session.pk}", **people}


def open_as(new_context, member, path):
    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, member.user.email, PASSWORD)
    page.goto(path)
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    return page


def item(page, text):
    return page.locator("#contribution-list > li").filter(has_text=text)


def names_in_round(page) -> list[str]:
    return page.locator("#round-order .person-name").all_inner_texts()


def test_go_arounds_timers_and_the_projector(new_context, room):
    """A random go-around covers the two participants present, not the projector;
    a turn is skipped and extended; an arranged go-around keeps the order
    arranged; when a turn and a reflection run out, every screen says so once
    while the room waits for the facilitator; a participant sees no
    facilitator control, and a facilitator whose role is taken away loses them."""
    base = room["base"]
    console = open_as(new_context, room["fran"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    ben = open_as(new_context, room["ben"], f"{base}/room/")
    screen = open_as(new_context, room["pat"], f"{base}/projector/")
    expect(screen.locator("#projector-phase")).to_have_text("Stories")
    expect(ana.locator("#presence-list > li")).to_have_count(3)
    assert "Pat Screen" not in ana.locator("#presence-list").inner_text()
    assert room["pat"].pk not in presence.store().member_ids(room["session"].pk)
    assert not Attendance.objects.filter(member=room["pat"]).exists()

    # A participant is offered none of the facilitator's controls.
    ben.get_by_label("Your contribution", exact=True).fill("We met at the rec centre.")
    ben.get_by_role("button", name="Share", exact=True).click()
    expect(item(ana, "rec centre")).to_have_count(1)
    for control in ("Remove Ben Carter's contribution", "Tag", "Open the session", "Next phase", "Start a go-around"):
        expect(ana.get_by_role("button", name=control, exact=True)).to_have_count(0)
    expect(ana.get_by_label("Tag with a theme")).to_have_count(0)
    expect(item(console, "rec centre").get_by_label("Tag with a theme")).to_be_visible()

    # Random order: exactly the participants present, the projector's viewer not among them
    # (the facilitator takes a turn only when included).
    console.get_by_label("Order", exact=True).select_option("random")
    console.get_by_label("Seconds per turn").fill("30")
    console.get_by_role("button", name="Start a go-around").click()
    expect(ana.locator("#round-order > li")).to_have_count(2)
    assert sorted(names_in_round(ana)) == ["Ana Ruiz", "Ben Carter"]
    first, second = names_in_round(ana)[:2]
    expect(screen.locator("#projector-speaker")).to_have_text(first)
    # The facilitator skips the first turn and gives the second more time.
    console.get_by_role("button", name="Skip this turn").click()
    expect(ana.locator("#round-order > li").first).to_contain_text("skipped")
    expect(ana.locator("#round-status")).to_contain_text(f"{second}'s turn" if second != "Ana Ruiz" else "Your turn")
    console.get_by_label("Extend by (seconds)").fill("120")
    console.get_by_role("button", name="Extend this turn").click()
    expect(ben.locator("#turn-timer")).to_contain_text(re.compile(r"Time left for this turn: 2:[0-5]\d"))
    console.get_by_role("button", name="End the go-around").click()
    expect(ana.locator("#round-status")).to_have_text("No go-around under way.")

    # Arranged: the facilitator includes herself and puts herself first.
    console.get_by_label("Order", exact=True).select_option("arranged")
    expect(console.locator("#arrange-list .person-name")).to_have_text(["Ana Ruiz", "Ben Carter"])
    console.get_by_label("Include facilitators and scribes").check()
    console.get_by_role("button", name="Move Fran Okafor earlier").click()
    console.get_by_role("button", name="Move Fran Okafor earlier").click()
    expect(console.locator("#arrange-list .person-name")).to_have_text(["Fran Okafor", "Ana Ruiz", "Ben Carter"])
    console.get_by_label("Seconds per turn").fill("10")
    console.get_by_role("button", name="Start a go-around").click()
    expect(ana.locator("#round-order .person-name")).to_have_text(["Fran Okafor", "Ana Ruiz", "Ben Carter"])
    assert Round.objects.get(session=room["session"], status="active").order == "arranged"
    # A quiet reflection of 0.2 minutes (12 s) runs alongside the 10-second turn.
    console.get_by_label("Minutes").fill("0.2")
    console.get_by_role("button", name="Start quiet reflection").click()
    expect(ana.locator("#reflection-panel")).to_be_visible()
    expect(screen.locator("#projector-reflection")).to_be_visible()

    for page in (ana, ben, screen):
        expect(page.locator("#announcer")).to_contain_text("Time is up for Fran Okafor's turn.", timeout=20_000)
    for page in (ana, ben, screen):
        expect(page.locator("#announcer")).to_contain_text("Quiet reflection has ended.", timeout=20_000)
    expect(ana.locator("#turn-timer")).to_have_text("Time for this turn is up.")
    # The room waits for the facilitator: the turn is still Fran's, the reflection still open.
    expect(ana.locator("#round-status")).to_contain_text("Fran Okafor's turn")
    expect(ana.locator("#reflection-panel")).to_be_visible()
    assert Turn.objects.get(round__session=room["session"], status="current").member_id == room["fran"].pk
    console.get_by_role("button", name="End reflection").click()
    expect(ana.locator("#reflection-panel")).to_be_hidden()

    assert_no_serious_axe_violations(screen)

    # Fran's role is taken away; once her console reconnects, its controls are gone.
    type(room["fran"]).objects.filter(pk=room["fran"].pk).update(exchange_role="participant")
    console.evaluate("window.commonGroundRoom.connection.drop()")
    expect(console.get_by_role("button", name="Skip this turn")).to_be_hidden()
    expect(console.get_by_role("button", name="Start a go-around")).to_be_hidden()
    expect(console.get_by_role("button", name="Next phase")).to_be_hidden()
    expect(console.locator("#connection-status")).to_have_attribute("data-status", "open")
    expect(item(console, "rec centre").get_by_label("Tag with a theme")).to_have_count(0)
    for page in (console, ana, ben, screen):
        assert_no_console_errors(page)


def test_phases_themes_escape_and_the_closing_panel(new_context, room):
    """The agenda shows time spent against time planned and flags an overrun;
    a theme comes off a contribution; Escape closes the inline forms back to
    the button that opened them; in the last phase the closing panel takes a
    commitment while the session is open, and after close links to its check-in."""
    state = RoomState.objects.get(session=room["session"])
    state.phase_started_at = timezone.now() - dt.timedelta(minutes=31)
    state.save(update_fields=["phase_started_at"])
    base = room["base"]
    console = open_as(new_context, room["fran"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    expect(ana.locator("#phase-progress")).to_have_text("Stories: 31 of 30 minutes (over the planned time)")
    expect(ana.locator("#closing-panel")).to_be_hidden()

    # A theme is tagged, then taken off again.
    words = "The youth council wrote the new curfew rules with us."
    ana.get_by_label("Your contribution", exact=True).fill(words)
    ana.get_by_role("button", name="Share", exact=True).click()
    tagged = item(console, words)
    tagged.get_by_label("Tag with a theme").select_option(label="Trauma")
    tagged.get_by_role("button", name="Tag", exact=True).click()
    expect(item(ana, words)).to_contain_text("Themes: Trauma")
    tagged.get_by_role("button", name="Remove theme: Trauma").click()
    expect(item(ana, words).locator(".contribution-themes")).to_have_count(0)

    # Escape closes the edit form and the "I heard you" form, back to their buttons.
    item(ana, words).get_by_role("button", name="Edit your contribution").click()
    expect(ana.get_by_label("Edit your contribution")).to_be_focused()
    ana.keyboard.press("Escape")
    expect(item(ana, words).locator("form.inline-edit")).to_have_count(0)
    expect(item(ana, words).get_by_role("button", name="Edit your contribution")).to_be_focused()
    item(console, words).get_by_role("button", name="I heard you, Ana Ruiz").click()
    console.get_by_label("What I heard (optional, one line)").fill("Not sent")
    console.keyboard.press("Escape")
    expect(console.get_by_label("What I heard (optional, one line)")).to_have_count(0)
    expect(item(console, words).get_by_role("button", name="I heard you, Ana Ruiz")).to_be_focused()

    # The last phase: the closing panel opens while the session is still open.
    console.get_by_role("button", name="Next phase").click()
    expect(ana.locator("#announcer")).to_contain_text("Now: Closing.")
    expect(ana.locator("#phase-progress")).to_have_text("Closing: 0 of 10 minutes")
    expect(ana.locator("#closing-panel")).to_be_visible()
    ana.get_by_label("What will you try at home before we meet again?").fill("Ask the council to co-host a forum.")
    ana.get_by_role("button", name="Record my commitment").click()
    expect(ana.locator("#commitment-status")).to_contain_text("Your commitment is recorded")
    expect(ana.get_by_role("link", name="Tell us how it went")).to_have_count(0)
    assert ana.locator("#room-state").inner_text().startswith("Session open")

    console.get_by_role("button", name="Close the session").click()
    console.locator("#confirm-dialog").get_by_role("button", name="Close the session").click()
    link = ana.get_by_role("link", name="Tell us how it went")
    expect(link).to_be_visible()
    commitment = Commitment.objects.get(session=room["session"], member=room["ana"])
    assert link.get_attribute("href").endswith(f"/commitments/{commitment.pk}/checkin/")
    assert_no_serious_axe_violations(ana)
    for page in (console, ana):
        assert_no_console_errors(page)
