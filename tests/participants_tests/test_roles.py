"""Roles in an exchange, from the side of the person who must be refused.

Only conveners make conveners (by invitation or by a change of role); a
facilitator cannot touch a convener's place; nobody changes their own role;
an exchange keeps at least one convener. A refusal says why on the form and
changes nothing; a change that does go through closes the member's live-room
sockets once it has committed.
"""

import re
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from participants import services
from participants.models import Invitation, Member
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _offered_roles(body: str) -> list[str]:
    """The values of the "Role in the exchange" select on a page."""
    select = re.search(r'<select name="exchange_role".*?</select>', body, re.S)
    assert select, "no exchange_role select on the page"
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def _roles(*members: Member) -> list[str]:
    return [Member.objects.get(pk=m.pk).exchange_role for m in members]


def _edit(client, target: Member, exchange_role: str, **overrides):
    data = {"team": target.team_id or "", "stakeholder_role": target.stakeholder_role, "exchange_role": exchange_role}
    data.update(overrides)
    return client.post(reverse("member_edit", args=[target.exchange_id, target.pk]), data)


@pytest.fixture
def sent():
    """Every access-changed message that left after a commit: a list of member-id lists."""
    with mock.patch("participants.access._send") as send:
        yield send


# --- Inviting -----------------------------------------------------------------------------


def test_facilitator_is_not_offered_convener_when_inviting(client, facilitator, convener):
    """The invitation form offers a facilitator every role but Convener; a convener, all four."""
    url = reverse("invitation_create", args=[facilitator.exchange_id])
    client.force_login(facilitator.user)
    assert _offered_roles(client.get(url).content.decode()) == ["facilitator", "scribe", "participant"]
    client.force_login(convener.user)
    assert _offered_roles(client.get(url).content.decode()) == ["convener", "facilitator", "scribe", "participant"]


def test_facilitator_cannot_invite_a_convener(client, facilitator, team):
    """A facilitator posting Convener anyway is told why on the form; no invitation, no email."""
    client.force_login(facilitator.user)
    response = client.post(
        reverse("invitation_create", args=[facilitator.exchange_id]),
        {
            "name": "Dana Reyes",
            "email": "dana@example.org",
            "team": team.pk,
            "stakeholder_role": "elected_official",
            "exchange_role": "convener",
        },
    )
    assert response.status_code == 200
    assert "Only a convener can make someone a convener." in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_invitation_service_refuses_a_facilitator_inviting_a_convener(facilitator):
    """The service holds the rule whatever calls it."""
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(
            member=facilitator, exchange=facilitator.exchange, name="X", email="x@example.org", exchange_role="convener"
        )
    assert refused.value.message_dict == {"exchange_role": ["Only a convener can make someone a convener."]}
    assert not Invitation.objects.exists()


def test_convener_invites_a_convener(client, convener, team):
    """A convener may bring in another convener."""
    client.force_login(convener.user)
    response = client.post(
        reverse("invitation_create", args=[convener.exchange_id]),
        {
            "name": "Co Convener",
            "email": "co@example.org",
            "team": team.pk,
            "stakeholder_role": "academic",
            "exchange_role": "convener",
        },
    )
    assert response.status_code == 302
    assert Invitation.objects.get().exchange_role == "convener"


def test_bulk_invitations_cannot_name_a_convener(client, facilitator, exchange):
    """Pasted rows carry no exchange role: a fifth column or "Convener" as the stakeholder role is an
    error, and nobody is invited."""
    client.force_login(facilitator.user)
    response = client.post(
        reverse("invitations_bulk", args=[exchange.pk]),
        {"rows": "Ana Ruiz, ana@example.org, , Convener\nBo Lee, bo@example.org, , Academic, convener\n"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Line 1: “Convener” is not a stakeholder role." in body
    assert "Line 2: expected" in body
    assert not Invitation.objects.exists()


def test_bulk_invitations_are_all_participants_even_from_a_convener(convener, exchange):
    """Bulk invitations make participants only: roles beyond that are given one person at a time."""
    invitations = services.invitations_create_bulk(
        member=convener, exchange=exchange, text="Ana Ruiz, ana@example.org\nBo Lee, bo@example.org\n"
    )
    assert {i.exchange_role for i in invitations} == {"participant"}


# --- Appointing ---------------------------------------------------------------------------


def test_facilitator_is_not_offered_convener_for_a_member(client, facilitator, convener, participant):
    """Changing a participant's role, a facilitator is offered every role but Convener; a convener, all four."""
    url = reverse("member_edit", args=[participant.exchange_id, participant.pk])
    client.force_login(facilitator.user)
    assert _offered_roles(client.get(url).content.decode()) == ["facilitator", "scribe", "participant"]
    client.force_login(convener.user)
    assert _offered_roles(client.get(url).content.decode()) == ["convener", "facilitator", "scribe", "participant"]


def test_facilitator_cannot_make_someone_a_convener(
    client, facilitator, participant, sent, django_capture_on_commit_callbacks
):
    """A facilitator posting Convener for a participant is told why; the participant stays a participant."""
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _edit(client, participant, "convener")
    assert response.status_code == 200
    assert "Only a convener can make someone a convener." in response.content.decode()
    assert _roles(participant) == ["participant"]
    sent.assert_not_called()


def test_facilitator_cannot_make_themselves_convener(
    client, facilitator, convener, sent, django_capture_on_commit_callbacks
):
    """The reported hole: a facilitator promoting themselves to convener is refused, and nothing changes."""
    client.force_login(facilitator.user)
    url = reverse("member_edit", args=[facilitator.exchange_id, facilitator.pk])
    assert _offered_roles(client.get(url).content.decode()) == ["facilitator"]
    with django_capture_on_commit_callbacks(execute=True):
        response = _edit(client, facilitator, "convener")
    assert response.status_code == 200
    assert "You cannot change your own role in the exchange" in response.content.decode()
    assert _roles(facilitator, convener) == ["facilitator", "convener"]
    with pytest.raises(ValidationError):
        services.member_update(
            actor=facilitator, member=facilitator, team=None, stakeholder_role="other", exchange_role="convener"
        )
    assert _roles(facilitator) == ["facilitator"]
    sent.assert_not_called()


def test_convener_makes_someone_a_convener(client, convener, participant):
    """Conveners appoint conveners."""
    client.force_login(convener.user)
    assert _edit(client, participant, "convener").status_code == 302
    assert _roles(participant) == ["convener"]


# --- A convener's place ---------------------------------------------------------------------


def test_facilitator_cannot_open_or_change_a_conveners_place(client, facilitator, convener, exchange):
    """A facilitator gets 403 for a convener's page, for a demotion and for a mere change of team;
    the people page offers them no link to it."""
    other_team = TeamFactory(exchange=exchange)
    client.force_login(facilitator.user)
    url = reverse("member_edit", args=[exchange.pk, convener.pk])
    assert client.get(url).status_code == 403
    assert _edit(client, convener, "participant").status_code == 403
    assert _edit(client, convener, "convener", team=other_team.pk, stakeholder_role="academic").status_code == 403
    row = Member.objects.get(pk=convener.pk)
    assert (row.exchange_role, row.team_id, row.stakeholder_role) == ("convener", convener.team_id, "community_leader")
    people = client.get(reverse("member_list", args=[exchange.pk])).content.decode()
    assert url not in people
    assert reverse("member_edit", args=[exchange.pk, facilitator.pk]) in people


def test_member_update_refuses_a_facilitator_demoting_a_convener(facilitator, convener):
    """The service refuses with PermissionDenied and leaves the convener as they were."""
    with pytest.raises(PermissionDenied):
        services.member_update(
            actor=facilitator, member=convener, team=None, stakeholder_role="other", exchange_role="participant"
        )
    assert _roles(convener) == ["convener"]


def test_convener_cannot_demote_themselves(client, convener, make_member):
    """Even with another convener in place, a convener's own role is changed by that other convener."""
    other = make_member("convener")
    client.force_login(convener.user)
    url = reverse("member_edit", args=[convener.exchange_id, convener.pk])
    body = client.get(url).content.decode()
    assert _offered_roles(body) == ["convener"]
    assert "You cannot change your own role in the exchange: another convener must." in body
    response = _edit(client, convener, "facilitator")
    assert response.status_code == 200
    assert "You cannot change your own role in the exchange: another convener must." in response.content.decode()
    assert _roles(convener, other) == ["convener", "convener"]


def test_own_team_and_stakeholder_role_can_still_be_changed(client, facilitator, exchange):
    """Only the exchange role is off limits on one's own row."""
    other_team = TeamFactory(exchange=exchange)
    client.force_login(facilitator.user)
    assert _edit(client, facilitator, "facilitator", team=other_team.pk, stakeholder_role="academic").status_code == 302
    row = Member.objects.get(pk=facilitator.pk)
    assert (row.team_id, row.stakeholder_role, row.exchange_role) == (other_team.pk, "academic", "facilitator")


def test_another_convener_demotes_a_convener(client, convener, make_member):
    """A convener stepping down is demoted by another convener."""
    other = make_member("convener")
    client.force_login(other.user)
    assert _edit(client, convener, "facilitator").status_code == 302
    assert _roles(convener, other) == ["facilitator", "convener"]


def test_the_only_convener_stays_a_convener(client, convener, facilitator):
    """With one convener, nobody can demote them: not a facilitator (403), not themselves."""
    client.force_login(facilitator.user)
    assert _edit(client, convener, "facilitator").status_code == 403
    client.force_login(convener.user)
    assert _edit(client, convener, "facilitator").status_code == 200
    assert Member.objects.filter(exchange=convener.exchange, exchange_role="convener").count() == 1


def test_a_demoted_convener_keeps_no_rights_from_a_stale_row(convener, make_member):
    """Two conveners demoting each other: the second to act is judged by their role now, not when their
    page loaded, so the exchange keeps a convener."""
    other = make_member("convener")
    stale_other = Member.objects.get(pk=other.pk)
    services.member_update(
        actor=convener,
        member=other,
        team=other.team,
        stakeholder_role=other.stakeholder_role,
        exchange_role="facilitator",
    )
    with pytest.raises(PermissionDenied):
        services.member_update(
            actor=stale_other,
            member=convener,
            team=convener.team,
            stakeholder_role=convener.stakeholder_role,
            exchange_role="facilitator",
        )
    assert _roles(convener, other) == ["convener", "facilitator"]


# --- Rights follow the person ---------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"exchange_role": "scribe"},
        {"stakeholder_role": "academic"},
        {"team": "other"},
    ],
)
def test_a_change_closes_the_members_sockets_after_commit(
    client, facilitator, participant, exchange, sent, django_capture_on_commit_callbacks, change
):
    """A new role, stakeholder role or team tells the member's open sockets to close, once committed."""
    if change.get("team") == "other":
        change = {"team": TeamFactory(exchange=exchange).pk}
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _edit(client, participant, change.pop("exchange_role", "participant"), **change)
    assert response.status_code == 302
    sent.assert_not_called()  # nothing before the commit
    for callback in callbacks:
        callback()
    sent.assert_called_once_with([participant.pk])


def test_saving_unchanged_closes_nothing(client, facilitator, participant, sent, django_capture_on_commit_callbacks):
    """Sending the form back as it came changes nobody's rights and disturbs nobody's room."""
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert _edit(client, participant, "participant").status_code == 302
    sent.assert_not_called()
