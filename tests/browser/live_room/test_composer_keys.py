"""The composer as a person used to chat expects it: Enter shares and
Shift+Enter starts a new line (with a hint saying so; on a phone, whose
keyboard has no Shift+Enter, Enter is a new line and the button shares), a long paste is kept
whole and flagged rather than cut, and a draft survives closing the tab until
it is shared (and acknowledged) or the person signs out. A restored draft comes
back under the consent it was written under (or none, to be chosen), and a
session that ends without the sign-out button (expired, signed out by the
server, someone else signing in) leaves nothing on a shared computer."""

import json
import threading

import pytest
from playwright.sync_api import expect

from sessions import limits, services
from sessions.models import Contribution
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

OFF_RECORD_MARK = "Off the record — erased when the session closes"

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
HINT = "Enter to send, Shift+Enter for a new line."


@pytest.fixture
def room(transactional_db):
    exchange = ExchangeFactory()
    fran = MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor")
    ana = MemberFactory(exchange=exchange, display_name="Ana Ruiz")
    ben = MemberFactory(exchange=exchange, display_name="Ben Carter")
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    # Playwright's event loop owns this thread: the service broadcasts on its own.
    opener = threading.Thread(target=services.session_open, kwargs={"session_id": session.pk, "member": fran})
    opener.start()
    opener.join()
    return {"session": session, "ana": ana, "ben": ben, "url": f"/sessions/{session.pk}/room/"}


def open_room(page, url):
    page.goto(url)
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    return page.get_by_label("Your contribution", exact=True)


def draft_keys(page):
    return page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('cg.draft.'))")


def test_enter_shares_and_shift_enter_starts_a_new_line(new_context, room):
    page = new_context().new_page()
    login(page, room["ana"].user.email, PASSWORD)
    box = open_room(page, room["url"])
    hint = page.locator("#compose-keys")
    expect(hint).to_have_text(HINT)
    expect(hint).to_be_visible()
    assert "compose-keys" in box.get_attribute("aria-describedby").split()

    box.click()
    page.keyboard.type("We started a youth board.")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("It meets at the library.")
    expect(box).to_have_value("We started a youth board.\nIt meets at the library.")
    assert not Contribution.objects.filter(session=room["session"]).exists()

    page.keyboard.press("Enter")
    item = page.locator("#contribution-list > li .contribution-text")
    expect(item).to_have_text("We started a youth board.\nIt meets at the library.")
    expect(box).to_have_value("")
    stored = Contribution.objects.get(session=room["session"])
    assert stored.text == "We started a youth board.\nIt meets at the library."
    # Enter in an empty box shares nothing and says why.
    page.keyboard.press("Enter")
    expect(page.locator("#compose-error")).to_have_text("Write something before sharing.")
    assert Contribution.objects.filter(session=room["session"]).count() == 1
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)


def test_on_a_phone_enter_starts_a_new_line_and_the_button_shares(new_context, room):
    """A phone's keyboard has no Shift+Enter: there Enter is a new line, and the hint says how to share."""
    page = new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True).new_page()
    login(page, room["ana"].user.email, PASSWORD)
    box = open_room(page, room["url"])
    expect(page.locator("#compose-keys")).to_have_text("Enter for a new line; the Share button shares.")
    box.tap()
    page.keyboard.type("We started a youth board.")
    page.keyboard.press("Enter")
    page.keyboard.type("It meets at the library.")
    expect(box).to_have_value("We started a youth board.\nIt meets at the library.")
    assert not Contribution.objects.filter(session=room["session"]).exists()
    page.get_by_role("button", name="Share", exact=True).tap()
    expect(page.locator("#contribution-list > li .contribution-text")).to_have_text(
        "We started a youth board.\nIt meets at the library."
    )
    assert (
        Contribution.objects.get(session=room["session"]).text == "We started a youth board.\nIt meets at the library."
    )
    assert_no_console_errors(page)


def test_a_long_paste_is_kept_whole_flagged_and_not_shared_until_shortened(new_context, room):
    page = new_context().new_page()
    login(page, room["ana"].user.email, PASSWORD)
    box = open_room(page, room["url"])
    limit = limits.max_text()
    sentence = "Trust came back one conversation at a time, and we learned to listen first. "
    pasted = (sentence * 100)[:5519] + "!"
    assert len(pasted) == 5520
    box.click()
    page.keyboard.insert_text(pasted)  # as a paste arrives: all at once
    assert box.input_value() == pasted  # nothing cut
    over = (
        f"This is {5520 - limit} characters over the {limit}-character limit."
        " Nothing has been cut: shorten it to share."
    )
    expect(page.locator("#compose-over")).to_have_text(over)
    expect(page.locator("#compose-counter")).to_have_text(f"5520 of {limit} characters: {5520 - limit} too many")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#announcer")).to_contain_text(f"Over the {limit}-character limit")

    page.keyboard.press("Enter")
    expect(page.locator("#compose-error")).to_have_text(over)
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("#compose-error")).to_have_text(over)
    assert box.input_value() == pasted
    assert not Contribution.objects.filter(session=room["session"]).exists()
    expect(page.locator("#outbox")).to_be_hidden()

    # Shortened by the person: the flag goes, and it is shared whole.
    shortened = pasted[:limit]
    box.fill(shortened)
    expect(page.locator("#compose-over")).to_have_text("")
    expect(box).not_to_have_attribute("aria-invalid", "true")
    page.keyboard.press("Enter")
    expect(box).to_have_value("")
    expect(page.locator("#contribution-list > li")).to_have_count(1)
    assert Contribution.objects.get(session=room["session"]).text == shortened.strip()
    assert_no_console_errors(page)


def test_a_draft_survives_closing_the_tab_and_goes_on_send_and_on_sign_out(new_context, room):
    context = new_context()
    page = context.new_page()
    login(page, room["ana"].user.email, PASSWORD)
    box = open_room(page, room["url"])
    box.fill("Half a thought about the youth board,")
    page.close()

    page = context.new_page()
    box = open_room(page, room["url"])
    expect(box).to_have_value("Half a thought about the youth board,")
    expect(page.locator("#compose-counter")).to_have_text(f"37 of {limits.max_text()} characters")
    box.press("End")
    page.keyboard.type(" now finished.")
    page.keyboard.press("Enter")
    expect(page.locator("#contribution-list > li")).to_have_count(1)
    # Acknowledged by the server: the kept draft is gone, and a new tab starts empty.
    expect(page.locator("#outbox")).to_be_hidden()
    page.wait_for_function("!Object.keys(localStorage).some((k) => k.startsWith('cg.draft.'))")
    assert Contribution.objects.get(session=room["session"]).text == (
        "Half a thought about the youth board, now finished."
    )
    page.close()
    page = context.new_page()
    box = open_room(page, room["url"])
    expect(box).to_have_value("")

    # A draft left when signing out is forgotten: the next person on this laptop finds nothing.
    box.fill("Something private, not yet shared.")
    assert draft_keys(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: f"/sessions/{room['session'].pk}/room/" not in url)
    assert draft_keys(page) == []
    assert_no_console_errors(page)


def kept_keys(page):
    return sorted(page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('cg.'))"))


def test_a_draft_written_off_the_record_comes_back_off_the_record_and_asks_before_sharing(new_context, room):
    context = new_context()
    page = context.new_page()
    login(page, room["ana"].user.email, PASSWORD)
    box = open_room(page, room["url"])
    menu = page.get_by_label("How it may be attributed", exact=True)
    menu.select_option("off_record")
    words = "The chief called me that night, off the record."
    box.fill(words)
    page.close()

    # The tab is opened again: the words, their consent, the usual marker, and a line saying so.
    page = context.new_page()
    box = open_room(page, room["url"])
    expect(box).to_have_value(words)
    expect(menu := page.get_by_label("How it may be attributed", exact=True)).to_have_value("off_record")
    expect(page.locator("#compose-offrecord-mark")).to_be_visible()
    expect(box).to_have_class("off-record-draft")
    restored = page.locator("#compose-restored")
    expect(restored).to_be_visible()
    expect(restored).to_have_text("Restored draft — it will be shared as: Off the record (never archived)")
    expect(box).to_have_accessible_description(
        "Restored draft — it will be shared as: Off the record (never archived) "
        f"{OFF_RECORD_MARK} Enter to send, Shift+Enter for a new line. {len(words)} of {limits.max_text()} characters"
    )
    assert_no_serious_axe_violations(page)

    # One Enter does not share it named: it asks first, as off the record always does.
    box.press("End")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Share this off the record?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Go back").click()
    assert not Contribution.objects.filter(session=room["session"]).exists()
    box.press("End")
    page.keyboard.press("Enter")
    dialog.get_by_role("button", name="Share off the record").click()
    expect(page.locator("#contribution-list > li")).to_have_count(1)
    assert Contribution.objects.get(session=room["session"]).consent == "off_record"
    # Shared: the line goes, and the next words start from the session's default.
    expect(restored).to_be_hidden()
    expect(menu).to_have_value("named")
    assert_no_console_errors(page)


def test_a_draft_whose_consent_is_not_known_comes_back_with_none_and_enter_waits_for_a_choice(new_context, room):
    context = new_context()
    page = context.new_page()
    login(page, room["ana"].user.email, PASSWORD)
    open_room(page, room["url"])
    # A draft kept without its consent (or under one no longer offered), as an earlier version kept it.
    key = f"cg.draft.{room['session'].pk}.{room['ana'].pk}"
    words = "Written as Anonymous, before consents were kept."
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps({"text": words, "client_id": None})])
    page.reload()
    box = open_room(page, room["url"])
    menu = page.get_by_label("How it may be attributed", exact=True)
    expect(box).to_have_value(words)
    expect(menu).to_have_value("")
    expect(page.locator("#compose-restored")).to_have_text(
        "Restored draft — choose how it may be attributed before sharing it."
    )
    assert_no_serious_axe_violations(page)

    box.press("End")
    page.keyboard.press("Enter")
    expect(page.locator("#compose-error")).to_have_text("Choose how it may be attributed before sharing.")
    expect(menu).to_be_focused()
    page.wait_for_timeout(300)
    assert not Contribution.objects.filter(session=room["session"]).exists()

    menu.select_option("anonymous")
    expect(page.locator("#compose-restored")).to_have_text(
        "Restored draft — it will be shared as: Anonymous (no name, role or team)"
    )
    box.press("End")
    page.keyboard.press("Enter")
    expect(page.locator("#contribution-list > li")).to_have_count(1)
    assert Contribution.objects.get(session=room["session"]).consent == "anonymous"
    assert_no_console_errors(page)


def test_a_session_ended_without_signing_out_leaves_nothing_for_the_next_person(new_context, room):
    context = new_context()
    page = context.new_page()
    login(page, room["ana"].user.email, PASSWORD)
    box = open_room(page, room["url"])
    box.fill("Something private, not yet shared.")
    assert draft_keys(page)
    assert page.evaluate("localStorage.getItem('cg.owner')") == str(room["ana"].user.pk)

    # Someone else signs in on this computer without Ana signing out (her cookie replaced by theirs).
    other = new_context()
    login(other.new_page(), room["ben"].user.email, PASSWORD)
    context.clear_cookies()
    context.add_cookies(other.cookies())
    page.goto(room["url"])
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    expect(page.get_by_label("Your contribution", exact=True)).to_have_value("")
    assert kept_keys(page) == ["cg.owner"]
    assert page.evaluate("localStorage.getItem('cg.owner')") == str(room["ben"].user.pk)

    # Ben's draft; then his session ends on the server (expiry, sign-out elsewhere): the next page forgets it.
    page.get_by_label("Your contribution", exact=True).fill("Ben's half-written thought.")
    assert draft_keys(page)
    context.clear_cookies()
    page.goto("/")
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    assert kept_keys(page) == []
    assert_no_console_errors(page)
