"""The admin pages for people work for staff and are closed to everyone else."""

import datetime as dt

import pytest
from django.urls import reverse

from participants import services
from participants.models import Commitment
from tests.factories import DialogueSessionFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

MODELS = ["user", "member", "invitation", "rsvp", "attendance", "commitment", "checkin"]


@pytest.fixture
def staff_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture
def data(participant, facilitator, make_invitation):
    meeting = MeetingFactory(exchange=participant.exchange)
    services.rsvp_set(member=participant, meeting=meeting, response="coming")
    services.attendance_record_live(member=participant, meeting=meeting)
    Commitment.objects.create(member=participant, session=DialogueSessionFactory(meeting=meeting), text="Walk the beat")
    make_invitation(email="open@example.org")
    make_invitation(email="old@example.org", age=dt.timedelta(days=30))
    return participant


@pytest.mark.parametrize("model", MODELS)
def test_staff_see_each_list_and_search(staff_client, data, model):
    """Each people list opens, and searching it works."""
    url = reverse(f"admin:participants_{model}_changelist")
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(url, {"q": "example"}).status_code == 200


@pytest.mark.parametrize("state", ["pending", "expired", "accepted", "revoked"])
def test_invitations_filter_by_state(staff_client, data, state):
    """Conveners can list the invitations nobody has answered, or the expired ones."""
    response = staff_client.get(reverse("admin:participants_invitation_changelist"), {"state": state})
    assert response.status_code == 200
    body = response.content.decode()
    if state == "pending":
        assert "open@example.org" in body and "old@example.org" not in body
    if state == "expired":
        assert "old@example.org" in body and "open@example.org" not in body


def test_staff_open_a_user_and_add_one_by_email(staff_client, data):
    """Accounts are edited and created by email address; there is no username."""
    assert staff_client.get(reverse("admin:participants_user_change", args=[data.user.pk])).status_code == 200
    response = staff_client.post(
        reverse("admin:participants_user_add"),
        {"email": "added@example.org", "password1": "a long unusual phrase", "password2": "a long unusual phrase"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    from participants.models import User

    assert User.objects.filter(email="added@example.org").exists()


def test_non_staff_cannot_open_the_admin(client, facilitator):
    """Facilitators use the people pages, not the admin."""
    client.force_login(facilitator.user)
    response = client.get(reverse("admin:participants_member_changelist"))
    assert response.status_code == 302
