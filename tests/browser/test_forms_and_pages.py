"""Forms that say what is wrong at the top, and the small things of every page, in Chromium.

A facilitator who schedules an online meeting without its link, in a window
900 px high, lands on the error summary at the top of the page (focused, so a
screen reader reads it), and its link takes them to the box to fill. A
transcript opened before publication says when it will be; the site has an
icon; a name written right to left reads right to left.
"""

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import DialogueSessionFactory, MeetingFactory

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 900}
PASSWORD = "correct horse battery"  # tests.factories.UserFactory


def test_a_refused_form_opens_on_its_error_summary(new_context, facilitator, exchange):
    page = new_context(viewport=LAPTOP).new_page()
    login(page, facilitator.user.email, PASSWORD)
    page.goto(f"/exchanges/{exchange.pk}/meetings/new/")
    day = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    number = page.get_by_label("Number in the series")
    if number.count():  # numbered by hand, where the form asks for it
        number.fill("1")
    page.get_by_label("Title").fill("Online check-in")
    page.get_by_label("Starts (local time)").fill(f"{day}T18:00")
    page.get_by_label("Ends (local time)").fill(f"{day}T19:30")
    page.get_by_label("Mode").select_option("online")
    page.get_by_role("button", name="Save meeting").click()

    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], box
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    assert_no_serious_axe_violations(page)

    summary.get_by_role("link", name="Give the video call link").click()
    assert page.evaluate("document.activeElement.id") == "id_link"
    link_box = page.locator("#id_link").bounding_box()
    assert link_box is not None and 0 <= link_box["y"] <= LAPTOP["height"]
    # The label of the box is in view too, not scrolled off the top.
    label_box = page.locator("label[for=id_link]").bounding_box()
    assert label_box is not None and label_box["y"] >= 0

    page.locator("#id_link").fill("https://meet.example.org/check-in")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(lambda url: "/meetings/new/" not in url)
    assert page.locator("[data-error-summary]").count() == 0
    assert not page.title().startswith("Error: ")
    assert_no_console_errors(page)


def test_an_unpublished_transcript_says_when(new_context, facilitator, exchange):
    from archives.models import ArchiveReview
    from sessions.models import DialogueSession

    now = timezone.now()
    session = DialogueSessionFactory(
        meeting=MeetingFactory(exchange=exchange, starts_at=now - dt.timedelta(days=1)),
        state=DialogueSession.State.CLOSED,
        closed_at=now,
    )
    ArchiveReview.objects.create(session=session, opens_at=now, closes_at=now + dt.timedelta(days=7))
    page = new_context(viewport=LAPTOP).new_page()
    login(page, facilitator.user.email, PASSWORD)
    response = page.goto(f"/sessions/{session.pk}/archive/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "This transcript is not published yet"
    assert "reviewing their own words until" in page.locator("main").inner_text()
    page.get_by_role("link", name="Review your own words in this session").click()
    page.wait_for_url(f"**/sessions/{session.pk}/archive/review/")
    page.go_back()
    assert_no_serious_axe_violations(page)
    # Chromium logs the page's own 404 status as a console error; nothing else may be.
    assert all("status of 404" in error for error in page.console_errors), page.console_errors


def test_the_site_has_an_icon(page):
    page.goto("/accounts/login/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href and href.endswith(".svg")
    icon = page.request.get(href)
    assert icon.status == 200 and "svg" in icon.headers["content-type"]
    # Browsers also ask for /favicon.ico on their own.
    automatic = page.request.get("/favicon.ico")
    assert automatic.status == 200 and "svg" in automatic.headers["content-type"]


def test_a_right_to_left_name_reads_right_to_left(new_context, facilitator, make_member):
    make_member("participant", display_name="سلمى الحسيني")
    page = new_context(viewport=LAPTOP).new_page()
    login(page, facilitator.user.email, PASSWORD)
    page.goto(f"/exchanges/{facilitator.exchange_id}/people/")
    name = page.locator("[dir=auto]", has_text="سلمى الحسيني").first
    assert name.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # The page around it stays left to right.
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "ltr"
    assert_no_serious_axe_violations(page)
