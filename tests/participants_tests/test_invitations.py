"""Inviting people: one at a time, in bulk, replacing, withdrawing and resending."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from participants import services
from participants.invitations import invitation_from_token, invitation_link, invitation_token
from participants.models import Invitation
from tests.factories import MemberFactory, TeamFactory

from .conftest import links_in_outbox, query_count

pytestmark = pytest.mark.django_db


def _invite_payload(team, **overrides):
    data = {
        "name": "Dana Reyes",
        "email": "Dana.Reyes@Example.org",
        "team": team.pk,
        "stakeholder_role": "elected_official",
        "exchange_role": "participant",
    }
    data.update(overrides)
    return data


# --- Who may see and use the people pages ------------------------------------------


@pytest.mark.parametrize("name", ["member_list", "invitation_create", "invitations_bulk"])
def test_anonymous_visitor_is_sent_to_sign_in(client, exchange, name):
    """People pages require signing in."""
    response = client.get(reverse(name, args=[exchange.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name", ["member_list", "invitation_create", "invitations_bulk"])
def test_member_of_another_exchange_gets_404(client, exchange, outsider, name):
    """An outsider is not told the exchange exists."""
    client.force_login(outsider.user)
    assert client.get(reverse(name, args=[exchange.pk])).status_code == 404


@pytest.mark.parametrize("name", ["member_list", "invitation_create", "invitations_bulk"])
@pytest.mark.parametrize("role", ["participant", "scribe"])
def test_member_without_managing_role_gets_403(client, make_member, exchange, name, role):
    """Participants and scribes do not manage invitations."""
    client.force_login(make_member(role).user)
    assert client.get(reverse(name, args=[exchange.pk])).status_code == 403


def test_participant_cannot_post_an_invitation(client, participant, team):
    """A participant's POST is refused and sends nothing."""
    client.force_login(participant.user)
    response = client.post(reverse("invitation_create", args=[participant.exchange_id]), _invite_payload(team))
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_people_page_lists_members_and_unanswered_invitations(
    client, make_member, participant, make_invitation, role, django_assert_max_num_queries
):
    """Facilitators and conveners see members and which invitations have not been answered."""
    manager = make_member(role)
    make_invitation(email="waiting@example.org", name="Wendy Waiting")
    make_invitation(email="late@example.org", name="Larry Late", age=dt.timedelta(days=30))
    accepted = make_invitation(email="done@example.org", name="Dora Done")
    accepted.accepted_at = timezone.now()
    accepted.save()
    for n in range(5):
        MemberFactory(exchange=participant.exchange, team=participant.team, display_name=f"Extra {n}")
    client.force_login(manager.user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("member_list", args=[participant.exchange_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert participant.display_name in body
    assert "Not answered yet (2)" in body
    assert "Wendy Waiting" in body and "Pending: not answered yet" in body
    assert "Larry Late" in body and "Expired: not answered in time" in body
    assert "Accepted" in body


def test_people_page_query_count_does_not_grow(client, facilitator, make_invitation):
    """The people page costs the same number of queries for 2 or 20 members and invitations."""
    client.force_login(facilitator.user)
    url = reverse("member_list", args=[facilitator.exchange_id])
    make_invitation(email="a@example.org")
    small = query_count(lambda: client.get(url))
    for n in range(20):
        MemberFactory(exchange=facilitator.exchange)
        make_invitation(email=f"p{n}@example.org")
    assert query_count(lambda: client.get(url)) == small


# --- Inviting one person ----------------------------------------------------------------


def test_facilitator_invites_one_person_by_email(client, facilitator, team, django_capture_on_commit_callbacks):
    """An invitation is stored (email lowercased), expires in 14 days and its link is emailed on commit."""
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation_create", args=[facilitator.exchange_id]), _invite_payload(team))
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "dana.reyes@example.org"
    assert invitation.team == team
    assert invitation.stakeholder_role == "elected_official"
    assert invitation.invited_by == facilitator.user
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana.reyes@example.org"]
    assert facilitator.exchange.title in message.subject
    link = invitation_link(invitation)
    assert link.startswith("http") and link in message.body
    assert link in message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    assert links_in_outbox() == [link]


def test_invitation_email_waits_for_commit(client, facilitator, team):
    """No email leaves while the transaction that made the invitation is still open."""
    client.force_login(facilitator.user)
    client.post(reverse("invitation_create", args=[facilitator.exchange_id]), _invite_payload(team))
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_token_round_trip_and_tampering(invitation):
    """The signed token leads back to its invitation; a changed token leads nowhere."""
    token = invitation_token(invitation)
    assert invitation_from_token(token) == invitation
    assert invitation.nonce in token
    assert invitation_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert invitation_from_token(invitation.nonce) is None
    assert invitation_from_token("") is None


def test_inviting_again_replaces_the_open_invitation(facilitator, team, django_capture_on_commit_callbacks):
    """A second invitation to the same address withdraws the first, whose link stops working."""
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invitation_create(
            member=facilitator, exchange=facilitator.exchange, name="Dana", email="dana@example.org", team=team
        )
        second = services.invitation_create(
            member=facilitator, exchange=facilitator.exchange, name="Dana R.", email="DANA@example.org", team=team
        )
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None and second.pk != first.pk
    assert Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).count() == 1
    # Both were made in one transaction: only the live link is emailed, never a withdrawn one.
    assert links_in_outbox() == [invitation_link(second)]


def test_inviting_an_existing_member_is_refused(client, facilitator, participant, team):
    """Inviting someone who is already a member says so and creates nothing."""
    client.force_login(facilitator.user)
    response = client.post(
        reverse("invitation_create", args=[facilitator.exchange_id]),
        _invite_payload(team, email=participant.user.email.upper()),
    )
    assert response.status_code == 200
    assert "already a member of this exchange" in response.content.decode()
    assert not Invitation.objects.exists()


def test_member_of_another_exchange_can_be_invited(facilitator, outsider):
    """Being in a different exchange does not block an invitation to this one."""
    invitation = services.invitation_create(
        member=facilitator, exchange=facilitator.exchange, name="Olive", email=outsider.user.email
    )
    assert invitation.pk


def test_team_of_another_exchange_is_refused(facilitator, outsider):
    """An invitation cannot place someone in another exchange's team."""
    with pytest.raises(ValidationError):
        services.invitation_create(
            member=facilitator, exchange=facilitator.exchange, name="X", email="x@example.org", team=outsider.team
        )
    assert not Invitation.objects.exists()


def test_service_refuses_a_participant(participant):
    """The service checks permission itself, whatever view calls it."""
    with pytest.raises(PermissionDenied):
        services.invitation_create(member=participant, exchange=participant.exchange, name="X", email="x@example.org")


def test_service_refuses_a_facilitator_of_another_exchange(outsider, exchange):
    """Managing one exchange gives no rights in another."""
    outsider.exchange_role = "facilitator"
    outsider.save()
    with pytest.raises(PermissionDenied):
        services.invitation_create(member=outsider, exchange=exchange, name="X", email="x@example.org")


# --- Bulk ---------------------------------------------------------------------------------


def test_bulk_invite_from_pasted_rows(client, facilitator, exchange, django_capture_on_commit_callbacks):
    """Pasted rows become invitations: teams matched by name in any case, roles by label or value."""
    riverton = TeamFactory(exchange=exchange, community_name="Riverton")
    lakeside = TeamFactory(exchange=exchange, community_name="Lake Side")
    text = (
        "name, email, team, stakeholder role\n"
        "Ana Ruiz, ana@example.org, riverton, Law enforcement\n"
        "\n"
        '"Lee, Sam", SAM@example.org, LAKE SIDE, law_enforcement\n'
        "Pat Kim, pat@example.org, Lake Side, community leader\n"
        "Noor Ali, noor@example.org, , \n"
    )
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitations_bulk", args=[exchange.pk]), {"rows": text})
    assert response.status_code == 302
    invitations = {i.email: i for i in Invitation.objects.all()}
    assert set(invitations) == {"ana@example.org", "sam@example.org", "pat@example.org", "noor@example.org"}
    assert invitations["ana@example.org"].team == riverton
    assert invitations["ana@example.org"].stakeholder_role == "law_enforcement"
    assert invitations["sam@example.org"].name == "Lee, Sam"
    assert invitations["sam@example.org"].team == lakeside
    assert invitations["pat@example.org"].stakeholder_role == "community_leader"
    assert invitations["noor@example.org"].team is None
    assert invitations["noor@example.org"].stakeholder_role == "other"
    assert all(i.exchange_role == "participant" for i in invitations.values())
    assert sorted(m.to[0] for m in mail.outbox) == sorted(invitations)
    assert len(set(links_in_outbox())) == 4


def test_bulk_invite_is_all_or_nothing(client, facilitator, participant, exchange):
    """One bad row means nobody is invited, and every bad row is reported with its line number."""
    TeamFactory(exchange=exchange, community_name="Riverton")
    text = (
        "Ana Ruiz, ana@example.org, Riverton, Law enforcement\n"
        "Bo, not-an-email, Riverton, Academic\n"
        "Cy, cy@example.org, Atlantis, Academic\n"
        "Di, di@example.org, Riverton, Astronaut\n"
        "Ed, ANA@example.org, Riverton, Academic\n"
        f"Fay, {participant.user.email}, Riverton, Academic\n"
        "just one field\n"
    )
    client.force_login(facilitator.user)
    response = client.post(reverse("invitations_bulk", args=[exchange.pk]), {"rows": text})
    body = response.content.decode()
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    assert mail.outbox == []
    assert "Nobody was invited" in body
    assert "Line 2: “not-an-email” is not a valid email address." in body
    assert "Line 3: no team called “Atlantis” in this exchange." in body
    assert "Line 4: “Astronaut” is not a stakeholder role." in body
    assert "Line 5: ana@example.org is also on line 1." in body
    assert f"Line 6: {participant.user.email} is already a member of this exchange." in body
    assert "Line 7:" in body
    assert "Line 1:" not in body
    # The pasted text is kept so it can be corrected.
    assert "Atlantis" in body


def test_bulk_invite_errors_are_tied_to_the_text_box(client, facilitator, exchange):
    """The box is marked invalid and described by the list of bad lines, so a
    screen reader announces what to fix when it reaches the box."""
    client.force_login(facilitator.user)
    response = client.post(
        reverse("invitations_bulk", args=[exchange.pk]), {"rows": "Cy, cy@example.org, Atlantis, Academic\n"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="bulk-errors"' in body
    textarea = body[body.index("<textarea") : body.index(">", body.index("<textarea"))]
    assert 'aria-invalid="true"' in textarea
    assert 'aria-describedby="bulk-errors id_rows_helptext"' in textarea


def test_bulk_invite_confirms_in_plain_words(client, facilitator, exchange):
    """One invitation is "1 invitation", several are "invitations": no "(s)"."""
    client.force_login(facilitator.user)
    response = client.post(
        reverse("invitations_bulk", args=[exchange.pk]), {"rows": "Ana Ruiz, ana@example.org\n"}, follow=True
    )
    assert "Sent 1 invitation." in response.content.decode()
    response = client.post(
        reverse("invitations_bulk", args=[exchange.pk]),
        {"rows": "Bo Lee, bo@example.org\nCy Park, cy@example.org\n"},
        follow=True,
    )
    assert "Sent 2 invitations." in response.content.decode()


def test_bulk_invite_replaces_open_invitations(facilitator, exchange, make_invitation):
    """Bulk inviting someone with an open invitation replaces it, like a single invitation."""
    old = make_invitation(email="ana@example.org")
    services.invitations_create_bulk(member=facilitator, exchange=exchange, text="Ana, ana@example.org, ,\n")
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert Invitation.objects.filter(email="ana@example.org", revoked_at__isnull=True).count() == 1


def test_bulk_invite_with_nothing_pasted_is_refused(facilitator, exchange):
    """An empty paste is an error, not a silent success."""
    with pytest.raises(ValidationError):
        services.invitations_create_bulk(member=facilitator, exchange=exchange, text="\n  \n")


def test_participant_cannot_bulk_invite(client, participant):
    """A participant's bulk POST is refused and creates nothing."""
    client.force_login(participant.user)
    response = client.post(reverse("invitations_bulk", args=[participant.exchange_id]), {"rows": "A, a@example.org"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- Withdraw and resend -------------------------------------------------------------------


def test_facilitator_withdraws_an_invitation(client, facilitator, invitation):
    """A withdrawn invitation's link no longer works."""
    client.force_login(facilitator.user)
    response = client.post(reverse("invitation_revoke", args=[facilitator.exchange_id, invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    accept = client.get(reverse("invitation_accept", args=[invitation_token(invitation)]))
    assert accept.status_code == 410


@pytest.mark.parametrize("name", ["invitation_revoke", "invitation_resend"])
def test_participant_cannot_withdraw_or_resend(client, participant, invitation, name):
    """Participants get 403 and the invitation is unchanged."""
    client.force_login(participant.user)
    response = client.post(reverse(name, args=[participant.exchange_id, invitation.pk]))
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert mail.outbox == []


@pytest.mark.parametrize("name", ["invitation_revoke", "invitation_resend"])
def test_outsider_cannot_withdraw_or_resend(client, outsider, invitation, name):
    """An outsider gets 404, even naming another exchange's invitation under their own exchange."""
    client.force_login(outsider.user)
    assert client.post(reverse(name, args=[invitation.exchange_id, invitation.pk])).status_code == 404
    outsider.exchange_role = "facilitator"
    outsider.save()
    assert client.post(reverse(name, args=[outsider.exchange_id, invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_anonymous_cannot_withdraw(client, invitation):
    """Withdrawing requires signing in."""
    response = client.post(reverse("invitation_revoke", args=[invitation.exchange_id, invitation.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_resend_emails_the_same_link(client, facilitator, invitation, django_capture_on_commit_callbacks):
    """Sending again emails the very same link."""
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitation_resend", args=[facilitator.exchange_id, invitation.pk]))
    assert links_in_outbox() == [invitation_link(invitation)]


def test_resending_an_expired_invitation_gives_it_new_time(facilitator, make_invitation):
    """An expired invitation sent again works for another full period."""
    invitation = make_invitation(age=dt.timedelta(days=20))
    services.invitation_resend(member=facilitator, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=13)


def test_accepted_invitation_cannot_be_withdrawn_or_resent(facilitator, invitation):
    """Once accepted, an invitation is final."""
    invitation.accepted_at = timezone.now()
    invitation.save()
    with pytest.raises(ValidationError):
        services.invitation_revoke(member=facilitator, invitation=invitation)
    with pytest.raises(ValidationError):
        services.invitation_resend(member=facilitator, invitation=invitation)
