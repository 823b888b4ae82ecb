"""Scheduling meetings in local time, editing, viewing and cancelling them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from exchanges import services
from exchanges.models import Meeting
from sessions.models import DialogueSession
from tests.factories import DialogueSessionFactory

from .helpers import page_text

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _meetings():
    return list(Meeting.objects.order_by("pk").values())


@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_manager_schedules_a_meeting_in_local_time(client, exchange, meeting_data, role, request):
    """09:00 in New York in June (EDT, UTC−4) is stored as 13:00 UTC."""
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    response = client.post(reverse("meeting_create", args=[exchange.pk]), meeting_data())
    meeting = Meeting.objects.get(exchange=exchange, title="Second meeting")
    assert meeting.number == 1  # the first of its exchange, whatever was typed
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting_detail", args=[meeting.pk])
    assert meeting.starts_at == dt.datetime(2030, 6, 10, 13, 0, tzinfo=UTC)
    assert meeting.ends_at == dt.datetime(2030, 6, 10, 21, 0, tzinfo=UTC)
    assert meeting.time_zone == "America/New_York"
    assert meeting.place == "Town Hall, 5 Elm Street"


def test_meeting_across_the_march_dst_change(client, facilitator, exchange, meeting_data):
    """A New York meeting from Saturday 9 March 2030 09:00 (EST) to Sunday 10 March 17:00 (EDT)
    lasts 31 hours, not 32: the clocks go forward overnight."""
    client.force_login(facilitator.user)
    client.post(
        reverse("meeting_create", args=[exchange.pk]),
        meeting_data(starts_local="2030-03-09T09:00", ends_local="2030-03-10T17:00"),
    )
    meeting = Meeting.objects.get(exchange=exchange, title="Second meeting")
    assert meeting.starts_at == dt.datetime(2030, 3, 9, 14, 0, tzinfo=UTC)
    assert meeting.ends_at == dt.datetime(2030, 3, 10, 21, 0, tzinfo=UTC)
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(hours=31)
    text = page_text(client.get(reverse("meeting_detail", args=[meeting.pk])))
    # Two days of 09:00–17:00 on New York's clock (exchanges.days), either side of the change.
    assert "Day 1 of 2: Sat 9 Mar 2030, 09:00–17:00 EST" in text
    assert "Day 2 of 2: Sun 10 Mar 2030, 09:00–17:00 EDT" in text
    # The viewer is in Chicago, which changes on the same night.
    assert "Day 1 of 2: Sat 9 Mar 2030, 08:00–16:00 CST" in text
    assert "Day 2 of 2: Sun 10 Mar 2030, 08:00–16:00 CDT" in text


def test_a_time_skipped_by_the_clocks_is_refused(client, facilitator, exchange, meeting_data):
    """02:30 on 10 March 2030 never happens in New York."""
    client.force_login(facilitator.user)
    before = _meetings()
    response = client.post(
        reverse("meeting_create", args=[exchange.pk]),
        meeting_data(starts_local="2030-03-10T02:30", ends_local="2030-03-10T05:00"),
    )
    assert response.status_code == 200
    assert "does not exist in America/New_York" in " ".join(response.context["form"].errors["starts_local"])
    assert _meetings() == before


def test_a_repeated_time_when_clocks_go_back_means_the_first(facilitator, exchange):
    """01:30 on 3 November 2030 happens twice in New York; it means the first (EDT)."""
    meeting = services.meeting_create(
        member=facilitator,
        exchange=exchange,
        title="Early",
        time_zone="America/New_York",
        starts_local=dt.datetime(2030, 11, 3, 1, 30),
        ends_local=dt.datetime(2030, 11, 3, 4, 0),
        mode="online",
        link="https://meet.example.org/early",
    )
    assert meeting.starts_at == dt.datetime(2030, 11, 3, 5, 30, tzinfo=UTC)
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(hours=3, minutes=30)


def test_the_meeting_zone_may_differ_from_the_exchange(client, facilitator, exchange, meeting_data):
    client.force_login(facilitator.user)
    client.post(
        reverse("meeting_create", args=[exchange.pk]),
        meeting_data(time_zone="America/Denver", starts_local="2030-01-15T09:00", ends_local="2030-01-15T12:00"),
    )
    meeting = Meeting.objects.get(exchange=exchange, title="Second meeting")
    assert meeting.starts_at == dt.datetime(2030, 1, 15, 16, 0, tzinfo=UTC)


def test_new_meeting_form_suggests_home_zone_and_asks_no_number(client, facilitator, exchange, meeting):
    """The number is the meeting's place by date, so there is none to type."""
    client.force_login(facilitator.user)
    response = client.get(reverse("meeting_create", args=[exchange.pk]))
    form = response.context["form"]
    assert "number" not in form.fields
    assert "Number in the series" not in response.content.decode()
    assert form.initial["time_zone"] == exchange.time_zone


def test_meeting_form_has_clear_labels_and_button(client, facilitator, exchange):
    client.force_login(facilitator.user)
    body = client.get(reverse("meeting_create", args=[exchange.pk])).content.decode()
    for label in ("Title", "Starts (local time)", "Ends (local time)", "Time zone", "Mode", "Place", "Video call link"):
        assert f">{label} <span" in body or f">{label}</label>" in body, label
    assert 'type="datetime-local"' in body
    assert "Save meeting" in body


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"ends_local": "2030-06-10T08:00"}, "ends_local"),
        ({"ends_local": "2030-06-10T09:00"}, "ends_local"),
        ({"mode": "in_person", "place": ""}, "place"),
        ({"mode": "online", "place": "", "link": ""}, "link"),
        ({"mode": "hybrid", "place": "Hall", "link": ""}, "link"),
        ({"mode": "hybrid", "place": "", "link": "https://meet.example.org/x"}, "place"),
        ({"starts_local": "next Tuesday"}, "starts_local"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"link": "not a url", "mode": "online"}, "link"),
        ({"title": ""}, "title"),
    ],
)
def test_invalid_meeting_is_explained_and_changes_nothing(
    client, facilitator, exchange, meeting, meeting_data, overrides, field
):
    client.force_login(facilitator.user)
    before = _meetings()
    response = client.post(reverse("meeting_create", args=[exchange.pk]), meeting_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _meetings() == before


def test_online_meeting_needs_no_place(client, facilitator, exchange, meeting_data):
    client.force_login(facilitator.user)
    response = client.post(
        reverse("meeting_create", args=[exchange.pk]),
        meeting_data(mode="online", place="", link="https://meet.example.org/room"),
    )
    assert response.status_code == 302
    assert Meeting.objects.get(exchange=exchange, title="Second meeting").link == "https://meet.example.org/room"


# --- Detail -------------------------------------------------------------------


def test_detail_shows_times_in_meeting_zone_and_viewer_zone(client, participant, meeting, session):
    """A Chicago member sees the New York meeting at 09:00 EST and 08:00 CST, with its sessions."""
    client.force_login(participant.user)
    response = client.get(reverse("meeting_detail", args=[meeting.pk]))
    text = page_text(response)
    assert "Thu 7 Mar 2030, 09:00–17:00 EST" in text
    assert "Thu 7 Mar 2030, 08:00–16:00 CST" in text
    assert "Morning session" in text
    assert session.question.replace("'", "&#x27;") in response.content.decode()
    assert "How is it working?" in text
    assert text.index("Welcome") < text.index("Go-around")
    assert reverse("meeting_edit", args=[meeting.pk]) not in response.content.decode()


def test_detail_queries_do_not_grow_with_sessions(client, participant, meeting, django_assert_max_num_queries):
    for hour in range(6):
        s = DialogueSessionFactory(
            meeting=meeting,
            planned_start=meeting.starts_at + dt.timedelta(hours=hour),
            planned_end=meeting.starts_at + dt.timedelta(hours=hour, minutes=50),
        )
        for order in range(1, 4):
            s.phases.create(order=order, title=f"Phase {order}", planned_minutes=10)
    client.force_login(participant.user)
    with django_assert_max_num_queries(7):  # one of them finds the reader's time zone (core.middleware)
        assert client.get(reverse("meeting_detail", args=[meeting.pk])).status_code == 200


# --- Editing ------------------------------------------------------------------


def test_edit_form_shows_local_times(client, facilitator, meeting):
    client.force_login(facilitator.user)
    body = client.get(reverse("meeting_edit", args=[meeting.pk])).content.decode()
    assert 'value="2030-03-07T09:00"' in body
    assert 'value="2030-03-07T17:00"' in body


def test_moving_a_meeting_moves_its_sessions_in_local_time(client, facilitator, meeting, session, meeting_data):
    """Moved a week later, across the DST change, the 09:00 session is still at 09:00 local."""
    client.force_login(facilitator.user)
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        meeting_data(number="1", starts_local="2030-03-14T09:00", ends_local="2030-03-14T17:00"),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    session.refresh_from_db()
    assert meeting.starts_at == dt.datetime(2030, 3, 14, 13, 0, tzinfo=UTC)
    assert session.planned_start == dt.datetime(2030, 3, 14, 13, 0, tzinfo=UTC)
    assert session.planned_end == dt.datetime(2030, 3, 14, 16, 0, tzinfo=UTC)


def test_shortening_a_meeting_below_its_sessions_is_refused(client, facilitator, meeting, session, meeting_data):
    client.force_login(facilitator.user)
    before = _meetings()
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        meeting_data(number="1", starts_local="2030-03-07T09:00", ends_local="2030-03-07T10:00"),
    )
    assert response.status_code == 200
    assert "Morning session" in " ".join(response.context["form"].errors["ends_local"])
    assert _meetings() == before


def test_times_are_fixed_once_a_session_has_opened(client, facilitator, meeting, session, meeting_data):
    DialogueSession.objects.filter(pk=session.pk).update(state="open")
    client.force_login(facilitator.user)
    before = _meetings()
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        meeting_data(number="1", starts_local="2030-03-08T09:00", ends_local="2030-03-08T17:00"),
    )
    assert response.status_code == 200
    assert _meetings() == before
    # Place and title may still change.
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        meeting_data(number="1", title="Renamed", starts_local="2030-03-07T09:00", ends_local="2030-03-07T17:00"),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Renamed"


def test_editing_keeps_its_own_number(client, convener, meeting, meeting_data):
    client.force_login(convener.user)
    response = client.post(reverse("meeting_edit", args=[meeting.pk]), meeting_data(number="1", title="New title"))
    assert response.status_code == 302


# --- Cancelling ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_manager_cancels_a_meeting(client, meeting, role, request):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    response = client.post(reverse("meeting_cancel", args=[meeting.pk]))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.is_cancelled
    text = page_text(client.get(reverse("meeting_detail", args=[meeting.pk])))
    assert "This meeting is cancelled." in text


def test_cancel_asks_for_confirmation_first(client, facilitator, meeting):
    client.force_login(facilitator.user)
    response = client.get(reverse("meeting_cancel", args=[meeting.pk]))
    assert "Cancel this meeting" in response.content.decode()
    meeting.refresh_from_db()
    assert not meeting.is_cancelled


def test_a_meeting_with_an_open_session_cannot_be_cancelled(client, facilitator, meeting, session):
    DialogueSession.objects.filter(pk=session.pk).update(state="open")
    client.force_login(facilitator.user)
    response = client.post(reverse("meeting_cancel", args=[meeting.pk]))
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert not meeting.is_cancelled


def test_cancelled_meetings_take_no_new_sessions(client, facilitator, meeting, session_data):
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled")
    client.force_login(facilitator.user)
    assert client.get(reverse("session_create", args=[meeting.pk])).status_code == 302
    response = client.post(reverse("session_create", args=[meeting.pk]), session_data())
    assert response.status_code == 302
    assert not DialogueSession.objects.filter(meeting=meeting).exists()


# --- Services refuse on their own ---------------------------------------------


def test_services_refuse_participants(participant, exchange, meeting):
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            member=participant,
            exchange=exchange,
            title="x",
            time_zone="UTC",
            starts_local=dt.datetime(2030, 1, 1, 9),
            ends_local=dt.datetime(2030, 1, 1, 10),
            mode="online",
            link="https://x.example.org",
        )
    with pytest.raises(PermissionDenied):
        services.meeting_cancel(member=participant, meeting=meeting)


def test_services_refuse_a_manager_of_another_exchange(meeting, outsider):
    outsider.exchange_role = "facilitator"
    with pytest.raises(PermissionDenied):
        services.meeting_cancel(member=outsider, meeting=meeting)


def test_local_to_aware_refuses_aware_input():
    with pytest.raises(ValueError):
        services.local_to_aware(dt.datetime(2030, 1, 1, tzinfo=UTC), "UTC")


def test_local_to_aware_names_the_field():
    with pytest.raises(ValidationError) as exc:
        services.local_to_aware(dt.datetime(2030, 3, 10, 2, 30), "America/New_York", field="starts_local")
    assert "starts_local" in exc.value.message_dict


def test_aware_to_local_round_trips_in_every_season():
    zone = "America/New_York"
    for month in (1, 4, 7, 11):
        local = dt.datetime(2030, month, 15, 9, 30)
        assert services.aware_to_local(services.local_to_aware(local, zone), zone) == local
    assert services.local_to_aware(dt.datetime(2030, 7, 1, 9), zone) == dt.datetime(2030, 7, 1, 13, tzinfo=UTC)
    assert services.local_to_aware(dt.datetime(2030, 1, 1, 9), zone) == dt.datetime(2030, 1, 1, 14, tzinfo=UTC)
