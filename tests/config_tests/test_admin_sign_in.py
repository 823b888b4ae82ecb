"""The admin's sign-in is held to the same limits as the site's own.

Seen from the guesser: once the limit is reached, even the right password is
refused (429, the "Too many attempts" page) and no session is created. Rates
are per hour here: a count per minute restarts at a boundary the test could
straddle.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def _sign_in(client, email, password, **extra):
    return client.post(reverse("admin:login"), {"username": email, "password": password}, **extra)


def test_admin_sign_in_still_works(client, staff):
    """Below the limits, the right password signs a staff member in."""
    response = _sign_in(client, staff.email, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(staff.pk)


def test_admin_sign_in_is_limited_per_address(client, settings, staff):
    """After LOGIN_RATE wrong passwords from one address, the right one is refused too."""
    settings.LOGIN_RATE = "3/h"
    assert [_sign_in(client, staff.email, "wrong").status_code for _ in range(3)] == [200, 200, 200]
    response = _sign_in(client, staff.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    # Another address is not affected.
    assert _sign_in(client, staff.email, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_admin_sign_in_is_limited_per_account_across_addresses(client, settings, staff):
    """Guesses spread over many addresses still count against the one account they name."""
    settings.LOGIN_ACCOUNT_RATE = "3/h"
    for n, typed in enumerate([staff.email, staff.email.upper(), f" {staff.email} "]):
        assert _sign_in(client, typed, "wrong", REMOTE_ADDR=f"10.1.0.{n}").status_code == 200
    assert _sign_in(client, staff.email, PASSWORD, REMOTE_ADDR="10.1.0.99").status_code == 429
    assert SESSION_KEY not in client.session


def test_the_reported_forty_guesses_then_the_right_password(client, settings, staff):
    """The review's case: 40 wrong passwords, then the right one, is refused."""
    # The default count; per hour rather than per minute, so the run cannot straddle a window.
    settings.LOGIN_RATE = settings.LOGIN_RATE.replace("/m", "/h")
    codes = [_sign_in(client, staff.email, f"guess {n}").status_code for n in range(40)]
    assert 429 in codes
    assert _sign_in(client, staff.email, PASSWORD).status_code == 429
    assert SESSION_KEY not in client.session


def test_site_and_admin_sign_in_share_one_count(client, settings, staff):
    """Alternating between the two sign-in forms buys a guesser nothing."""
    settings.LOGIN_RATE = "4/h"
    for _ in range(2):
        assert client.post(reverse("login"), {"username": staff.email, "password": "wrong"}).status_code == 200
        assert _sign_in(client, staff.email, "wrong").status_code == 200
    assert _sign_in(client, staff.email, PASSWORD).status_code == 429
    assert client.post(reverse("login"), {"username": staff.email, "password": PASSWORD}).status_code == 429
    assert SESSION_KEY not in client.session


def test_the_admin_sign_in_page_itself_still_shows(client, settings):
    """Only attempts count: the page opens however often it is asked for."""
    settings.LOGIN_RATE = "1/h"
    assert all(client.get(reverse("admin:login")).status_code == 200 for _ in range(3))
