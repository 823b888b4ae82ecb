"""Accepting an invitation: new accounts, existing accounts, and links that must not work."""

import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from participants.invitations import invitation_token
from participants.models import Invitation, Member, User
from tests.factories import UserFactory

from .conftest import links_in_outbox

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"


def _url(invitation) -> str:
    return reverse("invitation_accept", args=[invitation_token(invitation)])


def _form(**overrides):
    data = {
        "display_name": "Officer Dana",
        "pronouns": "she/her",
        "time_zone": "America/Denver",
        "password": PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return data


def _snapshot():
    return (
        User.objects.count(),
        Member.objects.count(),
        list(Invitation.objects.order_by("pk").values_list("accepted_at", "revoked_at", "member_id")),
    )


def test_invitation_page_shows_exchange_purpose_and_recording_terms(client, exchange, invitation):
    """Opening the link shows what the person is joining and what they agree to; nothing changes."""
    exchange.recording_terms = "Words are recorded unless you choose off the record."
    exchange.save()
    before = _snapshot()
    response = client.get(_url(invitation))
    body = response.content.decode()
    assert response.status_code == 200
    assert exchange.title in body
    assert exchange.purpose in body
    assert "Words are recorded unless you choose off the record." in body
    assert "Choose a password" in body
    assert 'value="America/New_York" selected' in body  # defaults to the exchange's zone
    assert _snapshot() == before


def test_new_person_joins_from_the_emailed_link(client, facilitator, team, django_capture_on_commit_callbacks):
    """Following the emailed link creates the account and membership, signs the person in and opens the exchange."""
    from participants import services

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            member=facilitator,
            exchange=facilitator.exchange,
            name="Dana Reyes",
            email="dana@example.org",
            team=team,
            stakeholder_role="law_enforcement",
            exchange_role="scribe",
        )
    (link,) = links_in_outbox()
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path, _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange_detail", args=[facilitator.exchange_id])
    user = User.objects.get(email="dana@example.org")
    assert user.check_password(PASSWORD)
    member = Member.objects.get(user=user)
    assert member.exchange == facilitator.exchange
    assert member.team == team
    assert member.stakeholder_role == "law_enforcement"
    assert member.exchange_role == "scribe"
    assert member.display_name == "Officer Dana"
    assert member.pronouns == "she/her"
    assert member.time_zone == "America/Denver"
    assert member.consented_at is not None
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.member == member
    assert int(client.session[SESSION_KEY]) == user.pk
    assert client.get(response["Location"]).status_code == 200


def test_consent_is_required(client, invitation):
    """Without agreeing to the recording terms nobody joins."""
    before = _snapshot()
    response = client.post(_url(invitation), _form(consent=""))
    assert response.status_code == 200
    assert "You need to agree to the recording terms to join." in response.content.decode()
    assert _snapshot() == before


def test_weak_password_is_refused(client, invitation):
    """A new account needs a password that passes the validators."""
    before = _snapshot()
    response = client.post(_url(invitation), _form(password="12345678"))
    assert response.status_code == 200
    assert 'id="id_password_error"' in response.content.decode()
    assert _snapshot() == before


def test_existing_account_signed_in_accepts_without_password(client, make_invitation, outsider):
    """Someone already signed in as the invited address just confirms; no password is asked."""
    invitation = make_invitation(email=outsider.user.email.upper())
    client.force_login(outsider.user)
    page = client.get(_url(invitation))
    assert page.status_code == 200
    assert "Choose a password" not in page.content.decode()
    response = client.post(_url(invitation), _form(password=""))
    assert response.status_code == 302
    member = Member.objects.get(user=outsider.user, exchange=invitation.exchange)
    assert member.display_name == "Officer Dana"
    assert User.objects.filter(email__iexact=outsider.user.email).count() == 1


def test_existing_account_not_signed_in_is_asked_to_sign_in(client, make_invitation):
    """An account exists for the address: the visitor is sent to sign in and brought back; nothing changes."""
    person = UserFactory(email="known@example.org")
    invitation = make_invitation(email="known@example.org")
    before = _snapshot()
    page = client.get(_url(invitation))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Sign in to accept" in body
    login_link = reverse("login") + "?next=" + _url(invitation).replace(":", "%3A").replace("/", "%2F")
    assert login_link in body
    response = client.post(_url(invitation), _form())
    assert response.status_code == 200
    assert "Sign in to accept" in response.content.decode()
    assert _snapshot() == before
    assert person.check_password("correct horse battery")  # password not replaced

    # After signing in, the same link accepts.
    signed_in = client.post(
        reverse("login"),
        {"username": "known@example.org", "password": "correct horse battery", "next": _url(invitation)},
    )
    assert signed_in["Location"] == _url(invitation)
    assert client.post(_url(invitation), _form(password="")).status_code == 302
    assert Member.objects.filter(user=person, exchange=invitation.exchange).exists()


def test_signed_in_as_someone_else_is_refused(client, invitation, stranger):
    """A visitor signed in as another account is refused clearly, and nothing changes."""
    client.force_login(stranger)
    before = _snapshot()
    page = client.get(_url(invitation))
    assert page.status_code == 403
    assert "This invitation is for someone else" in page.content.decode()
    assert client.post(_url(invitation), _form()).status_code == 403
    assert _snapshot() == before
    assert not Member.objects.filter(user=stranger).exists()


def test_signed_in_as_another_existing_account_is_refused(client, make_invitation, stranger):
    """Even when the invited address has an account, a different signed-in account cannot use the link."""
    UserFactory(email="owner@example.org")
    invitation = make_invitation(email="owner@example.org")
    client.force_login(stranger)
    before = _snapshot()
    assert client.post(_url(invitation), _form()).status_code == 403
    assert _snapshot() == before


def test_expired_link_is_gone(client, make_invitation):
    """An expired invitation shows a clear page (410) and changes nothing."""
    invitation = make_invitation(age=dt.timedelta(days=15))
    before = _snapshot()
    for response in (client.get(_url(invitation)), client.post(_url(invitation), _form())):
        assert response.status_code == 410
        assert "This invitation has expired" in response.content.decode()
    assert _snapshot() == before


def test_used_link_is_gone(client, invitation):
    """An invitation works once: the second use is refused with 410 and changes nothing."""
    assert client.post(_url(invitation), _form()).status_code == 302
    client.logout()
    before = _snapshot()
    for response in (client.get(_url(invitation)), client.post(_url(invitation), _form(display_name="Twice"))):
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
    assert _snapshot() == before
    assert not Member.objects.filter(display_name="Twice").exists()


def test_revoked_link_is_gone(client, invitation):
    """A withdrawn invitation shows a clear page (410) and changes nothing."""
    invitation.revoked_at = timezone.now()
    invitation.save()
    before = _snapshot()
    for response in (client.get(_url(invitation)), client.post(_url(invitation), _form())):
        assert response.status_code == 410
        assert "withdrawn" in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + "xx",
        lambda token: "x" + token,
        lambda token: token.split(":")[0],
        lambda token: "not-a-token",
    ],
)
def test_tampered_link_is_not_found(client, invitation, mangle):
    """A link this site did not sign is a 404 with an explanation, and changes nothing."""
    url = reverse("invitation_accept", args=[mangle(invitation_token(invitation))])
    before = _snapshot()
    for response in (client.get(url), client.post(url, _form())):
        assert response.status_code == 404
        assert "This invitation link does not work" in response.content.decode()
    assert _snapshot() == before


def test_existing_member_opening_an_invitation_is_told(client, make_invitation, participant):
    """Someone already in the exchange is told so instead of joining twice."""
    invitation = make_invitation(email=participant.user.email)
    client.force_login(participant.user)
    response = client.get(_url(invitation))
    assert response.status_code == 409
    assert "already a member" in response.content.decode()
    assert client.post(_url(invitation), _form()).status_code == 409
    assert Member.objects.filter(user=participant.user).count() == 1


# --- Rate limits -------------------------------------------------------------------------


def test_invitation_link_is_rate_limited_per_address(client, settings, invitation):
    """Too many tries from one address are answered 429, for GET and POST alike."""
    settings.INVITATION_RATE = "3/m"
    url = _url(invitation)
    before = _snapshot()
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    blocked = client.post(url, _form())
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert client.get(url).status_code == 429
    assert _snapshot() == before
    # Another address is not affected.
    assert client.get(url, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_guessing_invitation_tokens_is_rate_limited(client, settings, exchange):
    """Bad tokens count too, so links cannot be guessed at speed."""
    settings.INVITATION_RATE = "2/m"
    codes = [client.get(reverse("invitation_accept", args=[f"guess{n}"])).status_code for n in range(4)]
    assert codes == [404, 404, 429, 429]


def test_sign_in_is_rate_limited_per_address(client, settings, participant):
    """Password guessing is cut off with 429 after LOGIN_RATE attempts; then even the right password waits."""
    settings.LOGIN_RATE = "3/m"
    url = reverse("login")
    wrong = {"username": participant.user.email, "password": "wrong"}
    assert [client.post(url, wrong).status_code for _ in range(3)] == [200, 200, 200]
    right = {"username": participant.user.email, "password": "correct horse battery"}
    response = client.post(url, right)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert client.get(url).status_code == 200  # the page itself still shows


def test_sign_in_is_rate_limited_per_account_across_addresses(client, settings, participant, make_member):
    """Guesses spread over many addresses still count against the one account
    (whatever the case of the address typed); another account is unaffected."""
    settings.LOGIN_ACCOUNT_RATE = "3/h"
    url = reverse("login")
    email = participant.user.email
    for n, typed in enumerate([email, email.upper(), f"  {email}  "]):
        response = client.post(url, {"username": typed, "password": "wrong"}, REMOTE_ADDR=f"10.1.0.{n}")
        assert response.status_code == 200
    right = {"username": email, "password": "correct horse battery"}
    assert client.post(url, right, REMOTE_ADDR="10.1.0.99").status_code == 429
    assert SESSION_KEY not in client.session
    other = make_member("participant").user
    response = client.post(url, {"username": other.email, "password": "correct horse battery"}, REMOTE_ADDR="10.1.0.7")
    assert response.status_code == 302
