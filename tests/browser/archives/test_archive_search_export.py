"""A convener searches the published archive, reads a transcript and the
equity of voice, and exports, in a real browser; every page passes axe."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.archives_tests.conftest import TEXTS, closed, people, published  # noqa: F401 (fixtures)
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def test_convener_searches_filters_and_exports(live_server_url, published, page):  # noqa: F811
    """Search highlights the match, a not-for-attribution quote shows neither
    name nor team (Chatham House), and the CSV export holds the same
    consent-filtered rows."""
    p = published.people
    exchange_id = published.session.meeting.exchange_id
    login(page, p.convener.user.email, PASSWORD)

    page.goto(f"/exchanges/{exchange_id}/archive/")
    expect(page.get_by_role("heading", name="Search and filter")).to_be_visible()
    assert_no_serious_axe_violations(page)

    page.get_by_label("Search the words").fill("viewing party")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: "q=viewing" in url)
    results = page.locator(".results")
    expect(results.locator("mark").first).to_be_visible()
    # Not for attribution: Bob's role is his alone in the exchange, so "A participant".
    expect(results).to_contain_text("A participant")
    expect(results).not_to_contain_text("Community leader")
    expect(results).not_to_contain_text("Bob Quietname")
    assert_no_serious_axe_violations(page)

    page.get_by_label("Stakeholder role").select_option("faith_leader")
    page.get_by_label("Search the words").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".results")).to_contain_text("Nothing in the archive matches")

    page.goto(f"/exchanges/{exchange_id}/archive/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV of these results").click()
    download = download_info.value
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    by_text = {r["text"]: r for r in rows}
    assert set(by_text) == {TEXTS["named"], TEXTS["nfa"], TEXTS["anonymous"], TEXTS["reply"]}
    assert by_text[TEXTS["nfa"]]["speaker"] == "" and by_text[TEXTS["anonymous"]]["team"] == ""

    page.goto(f"/sessions/{published.session.pk}/archive/")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("zebra")
    assert_no_serious_axe_violations(page)

    page.goto(f"/sessions/{published.session.pk}/archive/equity/")
    expect(page.get_by_role("img", name="Share of the room, contributions and turns by team")).to_be_visible()
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)


def test_participant_reviews_and_releases_and_facilitator_publishes(live_server_url, closed, new_context):  # noqa: F811
    """A participant re-attributes one contribution and releases; the
    facilitator sees who has released; the review pages pass axe."""
    p = closed.people
    review_url = f"/sessions/{closed.session.pk}/archive/review/"
    alice = new_context().new_page()
    login(alice, p.alice.user.email, PASSWORD)
    alice.goto(review_url)
    expect(alice.locator("main")).to_contain_text(TEXTS["named"])
    expect(alice.locator("main")).not_to_contain_text(TEXTS["nfa"])
    assert_no_serious_axe_violations(alice)
    alice.get_by_label("How may these words be attributed?").first.select_option("not_for_attribution")
    alice.get_by_role("button", name="Change attribution").first.click()
    expect(alice.get_by_text("Attribution changed.")).to_be_visible()
    alice.get_by_role("button", name="I have reviewed; publish my words").click()
    expect(alice.get_by_text("You have released your words.")).to_be_visible()

    fac = new_context().new_page()
    login(fac, p.facilitator.user.email, PASSWORD)
    fac.goto(review_url)
    expect(fac.locator("main")).to_contain_text("1 of 3 members")
    expect(fac.get_by_role("button", name="Publish the archive")).to_have_count(0)
    assert_no_serious_axe_violations(fac)
    fac.goto(f"/exchanges/{closed.session.meeting.exchange_id}/archive/themes/")
    assert_no_serious_axe_violations(fac)
    assert_no_console_errors(alice)
    assert_no_console_errors(fac)
