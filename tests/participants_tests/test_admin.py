"""The admin pages for people work for staff and are closed to everyone else; a change made there
closes the person's live-room sockets like a change made on the people pages."""

import datetime as dt
from unittest import mock

import pytest
from django.forms import MultiWidget
from django.urls import reverse

from exchanges import services as exchange_services
from participants import services
from participants.models import Attendance, Commitment, Member, SessionAttendance, User
from tests.factories import DialogueSessionFactory, MeetingFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

MODELS = ["user", "member", "invitation", "rsvp", "attendance"]


@pytest.fixture
def staff_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture
def data(participant, facilitator, make_invitation):
    meeting = MeetingFactory(exchange=participant.exchange)
    session = DialogueSessionFactory(meeting=meeting, state="open")
    exchange_services.rsvp_set(member=participant, meeting=meeting, response="coming")
    services.attendance_record_live(member_ids=[participant.pk], session=session)
    assert Attendance.objects.get(member=participant).source == Attendance.Source.LIVE
    assert SessionAttendance.objects.filter(member=participant, session=session).exists()
    Commitment.objects.create(member=participant, session=session, text="Walk the beat")
    make_invitation(email="open@example.org")
    make_invitation(email="old@example.org", age=dt.timedelta(days=30))
    return participant


def test_peoples_words_are_not_in_the_admin(staff_client, data):
    """Commitments and check-ins are people's words: like contributions, they
    are read only through the pages that ask the visibility policy."""
    from django.urls import NoReverseMatch

    for model in ("commitment", "checkin"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:participants_{model}_changelist")
    assert "Walk the beat" not in staff_client.get(reverse("admin:index")).content.decode()


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


# --- Rights follow the person ---------------------------------------------------------------


@pytest.fixture
def sent():
    """The member ids each access-changed message named, as sent after a commit."""
    with mock.patch("participants.access._send") as send:
        yield send


def _sent_ids(sent) -> list[int]:
    return sorted(pk for call in sent.call_args_list for pk in call.args[0])


def _post_data(response) -> dict:
    """What the admin change page would post back unchanged: its form and every inline formset."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.forms)
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    for form in forms:
        for bound in form:
            if bound.field.disabled:
                continue
            value, widget = bound.value(), bound.field.widget
            if isinstance(widget, MultiWidget):
                for i, part in enumerate(widget.decompress(value)):
                    data[f"{bound.html_name}_{i}"] = "" if part is None else part
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = "" if value is None else value
    return data


def _change(staff_client, url, **changes):
    data = _post_data(staff_client.get(url))
    data.update(changes)
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_changing_a_member_in_the_admin_closes_their_sockets(
    staff_client, participant, sent, django_capture_on_commit_callbacks
):
    """A role changed through the admin reaches the member's open sockets, after the commit."""
    url = reverse("admin:participants_member_change", args=[participant.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _change(staff_client, url, exchange_role="facilitator")
    assert Member.objects.get(pk=participant.pk).exchange_role == "facilitator"
    sent.assert_not_called()
    for callback in callbacks:
        callback()
    assert _sent_ids(sent) == [participant.pk]


def test_deleting_a_member_in_the_admin_closes_their_sockets(
    staff_client, participant, sent, django_capture_on_commit_callbacks
):
    """A membership deleted through the admin ends the sockets it opened."""
    url = reverse("admin:participants_member_delete", args=[participant.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Member.objects.filter(pk=participant.pk).exists()
    assert _sent_ids(sent) == [participant.pk]


def test_deleting_members_in_bulk_in_the_admin_closes_their_sockets(
    staff_client, participant, scribe, facilitator, sent, django_capture_on_commit_callbacks
):
    """The list's "delete selected" action tells every deleted member's sockets, and nobody else's."""
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:participants_member_changelist"),
            {"action": "delete_selected", "_selected_action": [participant.pk, scribe.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert set(Member.objects.values_list("pk", flat=True)) == {facilitator.pk}
    assert _sent_ids(sent) == sorted([participant.pk, scribe.pk])


def test_changing_a_user_in_the_admin_closes_every_one_of_their_memberships_sockets(
    staff_client, participant, sent, django_capture_on_commit_callbacks
):
    """Deactivating an account reaches the sockets of each exchange the person is in."""
    elsewhere = MemberFactory(user=participant.user)
    bystander = MemberFactory()
    url = reverse("admin:participants_user_change", args=[participant.user.pk])
    data = _post_data(staff_client.get(url))
    data.pop("is_active", None)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=participant.user.pk).is_active is False
    assert _sent_ids(sent) == sorted([participant.pk, elsewhere.pk])
    assert bystander.pk not in _sent_ids(sent)


def test_deleting_a_user_in_the_admin_closes_their_sockets(
    staff_client, participant, sent, django_capture_on_commit_callbacks
):
    """Deleting an account, alone or from the list, reaches every membership it had."""
    elsewhere = MemberFactory(user=participant.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:participants_user_delete", args=[participant.user.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert _sent_ids(sent) == sorted([participant.pk, elsewhere.pk])

    sent.reset_mock()
    other = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:participants_user_changelist"),
            {"action": "delete_selected", "_selected_action": [other.user.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not User.objects.filter(pk=other.user.pk).exists()
    assert _sent_ids(sent) == [other.pk]


def test_a_new_password_set_in_the_admin_closes_their_sockets(
    staff_client, participant, sent, django_capture_on_commit_callbacks
):
    """Resetting a password (say, after a stolen laptop) ends the sockets the old sign-in opened."""
    url = reverse("admin:auth_user_password_change", args=[participant.user.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url, {"password1": "a brand new long phrase", "password2": "a brand new long phrase"}
        )
    assert response.status_code == 302
    assert _sent_ids(sent) == [participant.pk]


def test_a_refused_admin_change_closes_nothing(staff_client, participant, sent, django_capture_on_commit_callbacks):
    """An admin form with an error saves nothing and disturbs nobody's room."""
    url = reverse("admin:participants_member_change", args=[participant.pk])
    data = _post_data(staff_client.get(url))
    data["exchange_role"] = "overlord"
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(url, data).status_code == 200
    assert Member.objects.get(pk=participant.pk).exchange_role == "participant"
    sent.assert_not_called()
