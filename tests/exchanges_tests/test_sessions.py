"""Scheduling a session inside a meeting: its question, prompts, times and agenda."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sessions import services
from sessions.models import DialogueSession, Phase

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _state():
    return (
        list(DialogueSession.objects.order_by("pk").values()),
        list(Phase.objects.order_by("pk").values()),
    )


@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_manager_adds_a_session_with_an_agenda(client, meeting, session_data, role, request):
    """Times are read in the meeting's zone; phases keep the order of the rows; blank rows are skipped."""
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    data = session_data(phases=[("Welcome", 15), ("Go-around", 90), ("Closing", 30)])
    response = client.post(reverse("session_create", args=[meeting.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting_detail", args=[meeting.pk])
    session = DialogueSession.objects.get(meeting=meeting, title="Afternoon session")
    assert session.planned_start == dt.datetime(2030, 3, 7, 18, 0, tzinfo=UTC)
    assert session.planned_end == dt.datetime(2030, 3, 7, 21, 0, tzinfo=UTC)
    assert session.prompt_list == ["What have you tried?", "Why?", "How is it working?"]
    assert session.state == "scheduled"
    assert [(p.order, p.title, p.planned_minutes) for p in session.phases.order_by("order")] == [
        (1, "Welcome", 15),
        (2, "Go-around", 90),
        (3, "Closing", 30),
    ]


def test_session_form_has_clear_labels_and_button(client, facilitator, meeting):
    client.force_login(facilitator.user)
    response = client.get(reverse("session_create", args=[meeting.pk]))
    body = response.content.decode()
    for label in ("Session title", "Question", "Guiding prompts", "Starts (local time)", "Ends (local time)"):
        assert f">{label} <span" in body or f">{label}</label>" in body, label
    assert "Phase 1 title" in body and "Phase 1 minutes" in body
    assert "Save session" in body
    # A half-day at the start of the meeting is suggested.
    assert response.context["form"].initial["starts_local"] == dt.datetime(2030, 3, 7, 9, 0)
    assert response.context["form"].initial["ends_local"] == dt.datetime(2030, 3, 7, 12, 0)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"starts_local": "2030-03-07T08:00", "ends_local": "2030-03-07T10:00"}, "starts_local"),
        ({"starts_local": "2030-03-07T15:00", "ends_local": "2030-03-07T18:00"}, "ends_local"),
        ({"starts_local": "2030-03-07T14:00", "ends_local": "2030-03-07T13:00"}, "ends_local"),
        ({"starts_local": "2030-03-07T11:00", "ends_local": "2030-03-07T13:00"}, "starts_local"),
        ({"question": ""}, "question"),
        ({"title": ""}, "title"),
        ({"attribution_default": "shouted"}, "attribution_default"),
    ],
)
def test_invalid_session_is_explained_and_changes_nothing(
    client, facilitator, meeting, session, session_data, overrides, field
):
    """Outside the meeting, ending before starting, overlapping the morning session: all refused."""
    client.force_login(facilitator.user)
    before = _state()
    response = client.post(reverse("session_create", args=[meeting.pk]), session_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _state() == before


def test_agenda_longer_than_the_session_is_refused_and_creates_nothing(client, facilitator, meeting, session_data):
    client.force_login(facilitator.user)
    before = _state()
    response = client.post(
        reverse("session_create", args=[meeting.pk]), session_data(phases=[("Long", 120), ("Longer", 90)])
    )
    assert response.status_code == 200
    assert "210 minutes" in " ".join(response.context["phase_errors"])
    assert _state() == before


@pytest.mark.parametrize("row", [("Welcome", ""), ("", 15), ("Welcome", 0)])
def test_half_filled_phase_row_is_refused(client, facilitator, meeting, session_data, row):
    client.force_login(facilitator.user)
    before = _state()
    response = client.post(reverse("session_create", args=[meeting.pk]), session_data(phases=[row]))
    assert response.status_code == 200
    assert any(response.context["formset"].errors)
    assert _state() == before


def test_edit_replaces_the_agenda_removing_and_reordering(client, facilitator, meeting, session, session_data):
    client.force_login(facilitator.user)
    data = session_data(
        phases=[("Quiet reflection", 10), ("Go-around", 90), ("Welcome", 20)],
        title="Morning session",
        starts_local="2030-03-07T09:00",
        ends_local="2030-03-07T12:00",
    )
    data["phases-1-DELETE"] = "on"
    response = client.post(reverse("session_edit", args=[meeting.pk, session.pk]), data)
    assert response.status_code == 302
    assert [(p.order, p.title) for p in session.phases.order_by("order")] == [(1, "Quiet reflection"), (2, "Welcome")]


def test_edit_form_shows_current_values(client, facilitator, meeting, session):
    client.force_login(facilitator.user)
    response = client.get(reverse("session_edit", args=[meeting.pk, session.pk]))
    body = response.content.decode()
    assert 'value="2030-03-07T09:00"' in body
    assert 'value="Welcome"' in body and 'value="Go-around"' in body
    assert response.context["formset"].total_form_count() == 5  # two phases and three blank rows


def test_edit_may_move_a_session_within_the_meeting(client, convener, meeting, session, session_data):
    """A session does not overlap itself."""
    client.force_login(convener.user)
    response = client.post(
        reverse("session_edit", args=[meeting.pk, session.pk]),
        session_data(title="Morning session", starts_local="2030-03-07T10:00", ends_local="2030-03-07T12:30"),
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.planned_start == dt.datetime(2030, 3, 7, 15, 0, tzinfo=UTC)
    assert session.phases.count() == 0


@pytest.mark.parametrize("state", ["open", "closed"])
def test_sessions_that_have_opened_cannot_be_edited(client, facilitator, meeting, session, session_data, state):
    DialogueSession.objects.filter(pk=session.pk).update(state=state)
    client.force_login(facilitator.user)
    before = _state()
    url = reverse("session_edit", args=[meeting.pk, session.pk])
    assert client.get(url).status_code == 302
    response = client.post(url, session_data(title="Changed", phases=[("New", 10)]))
    assert response.status_code == 302
    assert _state() == before


def test_meeting_page_offers_edit_only_for_scheduled_sessions(client, facilitator, meeting, session):
    client.force_login(facilitator.user)
    url = reverse("session_edit", args=[meeting.pk, session.pk])
    assert url in client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    DialogueSession.objects.filter(pk=session.pk).update(state="open")
    assert url not in client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()


# --- Services on their own ----------------------------------------------------


def test_session_services_refuse_participants_and_scribes(participant, scribe, meeting, session):
    for member in (participant, scribe):
        with pytest.raises(PermissionDenied):
            services.session_phases_replace(member=member, session=session, phases=[("x", 5)])
        with pytest.raises(PermissionDenied):
            services.dialogue_session_create(
                member=member,
                meeting=meeting,
                title="x",
                question="y?",
                starts_local=dt.datetime(2030, 3, 7, 13),
                ends_local=dt.datetime(2030, 3, 7, 14),
            )
    assert session.phases.count() == 2


def test_phases_replace_refuses_an_open_session(facilitator, session):
    DialogueSession.objects.filter(pk=session.pk).update(state="open")
    with pytest.raises(ValidationError):
        services.session_phases_replace(member=facilitator, session=session, phases=[("x", 5)])
    assert session.phases.count() == 2


def test_phases_replace_numbers_from_one(facilitator, session):
    phases = services.session_phases_replace(member=facilitator, session=session, phases=[("B", 5), ("A", 5)])
    assert [(p.order, p.title) for p in phases] == [(1, "B"), (2, "A")]
    assert list(session.phases.order_by("order").values_list("title", flat=True)) == ["B", "A"]


def test_agenda_row_errors_are_announced_with_their_input(client, facilitator, meeting, session_data):
    """A phase with a title but no minutes: the minutes box is marked invalid and
    its aria-describedby names an element that holds the message, so a screen
    reader reads the message with the box."""
    client.force_login(facilitator.user)
    response = client.post(reverse("session_create", args=[meeting.pk]), session_data(phases=[("Welcome", "")]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_phases-0-planned_minutes_error"' in body
    assert 'id="id_phases-0-planned_minutes_error"' in body
    start = body.index('id="id_phases-0-planned_minutes_error"')
    assert "How many minutes does this phase take?" in body[start : start + 200]


def test_a_clashing_session_is_named_with_its_hours_in_the_meetings_zone(facilitator, meeting, session):
    """The refusal says when the other session runs, in the meeting's zone and named as pages name it."""
    from django.utils import translation

    from core.fields import zone_label

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        services.dialogue_session_create(
            member=facilitator,
            meeting=meeting,
            title="Overlapping",
            question="Why now?",
            starts_local=dt.datetime(2030, 3, 7, 11),
            ends_local=dt.datetime(2030, 3, 7, 13),
        )
    assert refused.value.message_dict["starts_local"] == [
        f"This overlaps “Morning session” (09:00–12:00 {zone_label('America/New_York')}). Sessions run one at a time."
    ]
