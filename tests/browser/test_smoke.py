"""A first visit: the sign-in page and the exchange list, in a real browser."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def test_sign_in_page_is_accessible(page):
    """The sign-in page has labelled fields, passes axe, and runs no script the policy refuses."""
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("heading", name="Sign in").is_visible()
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)


def test_a_person_signs_in_and_sees_their_exchanges(page):
    """A member signs in through the form and lands on the list of their exchanges, which passes axe."""
    member = MemberFactory(exchange__title="Safe Communities Exchange")
    MemberFactory(exchange__title="Someone Else's Exchange")
    login(page, member.user.email, PASSWORD)
    assert page.get_by_role("link", name="Safe Communities Exchange").is_visible()
    assert page.get_by_text("Someone Else's Exchange").count() == 0
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)


def test_a_wrong_password_is_refused(page):
    """A wrong password keeps the person on the sign-in page with an error they can read."""
    user = UserFactory()
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    # Said at the top of the page, in the error summary, and again above the form.
    summary = page.locator("[data-error-summary]")
    assert summary.get_by_text("correct email address and password", exact=False).is_visible()
    assert page.locator("form").get_by_text("correct email address and password", exact=False).is_visible()
    assert_no_serious_axe_violations(page)


def test_the_demo_exchange_reads_well(page):
    """The seeded demonstration: its convener signs in with the printed login and
    reads the exchange, its team composition and its first meeting, each passing axe."""
    from demo import seed as demo

    call_command("seed_demo", stdout=io.StringIO())
    login(page, demo.demo_email("convener"), demo.DEMO_PASSWORD)
    page.get_by_role("link", name=demo.EXCHANGE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.EXCHANGE_TITLE)
    for community in ("Harbor Point", "Prairie Butte"):
        expect(page.get_by_role("row", name=re.compile(community))).to_be_visible()
    assert_no_serious_axe_violations(page)

    page.get_by_role("link", name="Team composition").click()
    assert_no_serious_axe_violations(page)
    page.go_back()

    page.get_by_role("link", name="Where we are starting").click()
    expect(page.locator(".question").first).to_contain_text("improve trust")
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)
