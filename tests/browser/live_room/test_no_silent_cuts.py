"""No box in the room cuts a long paste short without a word: a participant
pastes 2,500 characters into the commitment box (limit 2,000), sees them all,
flagged with by how much and that nothing was cut, cannot save them, and saves
once she has shortened them. The other boxes share the same code (checked in
Node: tests/sessions_views_tests/js/text_limit.test.mjs)."""

import threading

import pytest
from playwright.sync_api import expect

from participants.models import Commitment
from sessions import limits, services
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def closing_room(transactional_db):
    """An open session in its only (so last) phase: the commitment form shows."""
    exchange = ExchangeFactory()
    fran = MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor")
    ana = MemberFactory(exchange=exchange, display_name="Ana Ruiz")
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Closing", planned_minutes=10)
    # Playwright's event loop owns this thread: the service broadcasts from its own.
    opener = threading.Thread(target=services.session_open, kwargs={"session_id": session.pk, "member": fran})
    opener.start()
    opener.join()
    return {"session": session, "ana": ana, "url": f"/sessions/{session.pk}/room/"}


def test_a_long_commitment_is_kept_whole_flagged_and_saved_only_once_shortened(new_context, closing_room):
    limit = limits.COMMITMENT_MAX
    page = new_context().new_page()
    login(page, closing_room["ana"].user.email, PASSWORD)
    page.goto(closing_room["url"])
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    box = page.get_by_label("What will you try at home before we meet again?")
    expect(box).to_be_visible()
    assert box.get_attribute("maxlength") is None
    expect(page.locator("#commitment-counter")).to_have_text(f"0 of {limit} characters")

    sentence = "I will ask the youth council to co-host a listening forum at the library. "
    pasted = (sentence * 40)[:2499] + "."
    assert len(pasted) == 2500
    box.click()
    page.keyboard.insert_text(pasted)  # as a paste arrives: all at once
    assert box.input_value() == pasted  # nothing cut
    over = f"This is 500 characters over the {limit}-character limit. Nothing has been cut: shorten it to save."
    expect(page.locator("#commitment-counter")).to_have_text(f"2500 of {limit} characters: 500 too many")
    expect(page.locator("#commitment-over")).to_have_text(over)
    expect(box).to_have_attribute("aria-invalid", "true")
    described = box.get_attribute("aria-describedby").split()
    assert {"commitment-counter", "commitment-over"} <= set(described)
    expect(page.locator("#announcer")).to_have_text(f"Over the {limit}-character limit: shorten it to save.")
    # More keys while still over: the live region says nothing new.
    page.keyboard.type(" Soon")
    expect(page.locator("#commitment-counter")).to_have_text(f"2505 of {limit} characters: 505 too many")
    expect(page.locator("#announcer")).to_have_text(f"Over the {limit}-character limit: shorten it to save.")
    assert_no_serious_axe_violations(page)

    # Refused, kept whole, nothing stored.
    page.get_by_role("button", name="Record my commitment").click()
    expect(page.locator("#commitment-error")).to_have_text(over.replace("500 characters", "505 characters"))
    expect(box).to_be_focused()
    assert box.input_value() == pasted + " Soon"
    assert not Commitment.objects.filter(session=closing_room["session"]).exists()

    # She shortens it herself: the flag goes, it is said once, and it is saved whole.
    shortened = pasted[:limit].strip()
    box.fill(shortened)
    expect(page.locator("#commitment-counter")).to_have_text(f"{len(shortened)} of {limit} characters")
    expect(page.locator("#commitment-over")).to_have_text("")
    expect(box).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#announcer")).to_have_text(f"Within the {limit}-character limit again.")
    page.get_by_role("button", name="Record my commitment").click()
    expect(page.locator("#commitment-status")).to_contain_text("Your commitment is recorded")
    expect(page.locator("#commitment-error")).to_have_text("")
    stored = Commitment.objects.get(session=closing_room["session"], member=closing_room["ana"])
    assert stored.text == shortened
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)
