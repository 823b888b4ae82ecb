"""RSVPs per meeting, attendance marking, and the series grid across meetings."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from exchanges import services as exchange_services
from participants import services
from participants.models import RSVP, Attendance, SessionAttendance
from tests.factories import DialogueSessionFactory, MeetingFactory, MemberFactory, TeamFactory

from .conftest import query_count

pytestmark = pytest.mark.django_db


def _open_session(meeting, title="Morning session"):
    """A session of the meeting whose live room is open (the only state in which joining is attending)."""
    return DialogueSessionFactory(meeting=meeting, title=title, state="open")


# --- RSVP ---------------------------------------------------------------------------------


def test_member_answers_and_changes_their_answer(client, participant, meeting):
    """Answering again replaces the earlier answer; the note is kept for the organisers."""
    client.force_login(participant.user)
    url = reverse("meeting_rsvp", args=[meeting.pk])
    response = client.post(url, {"response": "maybe", "note": "depends on childcare"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("my_schedule"))
    client.post(url, {"response": "coming", "note": ""})
    rsvp = RSVP.objects.get(member=participant, meeting=meeting)
    assert (rsvp.response, rsvp.note) == ("coming", "")


def test_rsvp_is_shown_on_my_schedule(client, participant, meeting):
    """The schedule shows the answer already given."""
    exchange_services.rsvp_set(member=participant, meeting=meeting, response="not_coming")
    client.force_login(participant.user)
    body = client.get(reverse("my_schedule")).content.decode()
    assert "Your answer: Not coming" in body
    assert f'value="not_coming" id="rsvp-{meeting.pk}-response_1" required checked' in body


def test_rsvp_redirects_back_to_a_safe_next_only(client, participant, meeting):
    """A next address on another site is ignored."""
    client.force_login(participant.user)
    url = reverse("meeting_rsvp", args=[meeting.pk])
    assert client.post(url, {"response": "coming", "next": "https://evil.example/"})["Location"].startswith(
        reverse("my_schedule")
    )
    assert client.post(url, {"response": "coming", "next": "/exchanges/1/"})["Location"] == "/exchanges/1/"


def test_rsvp_needs_a_valid_answer(client, participant, meeting):
    """An unknown answer stores nothing."""
    client.force_login(participant.user)
    client.post(reverse("meeting_rsvp", args=[meeting.pk]), {"response": "perhaps"})
    assert not RSVP.objects.exists()


def test_rsvp_to_cancelled_or_past_meeting_is_refused(participant, exchange):
    """Nobody answers for a cancelled meeting or one that is over."""
    from django.core.exceptions import ValidationError

    cancelled = MeetingFactory(exchange=exchange, status="cancelled")
    past = MeetingFactory(exchange=exchange, starts_at=timezone.now() - dt.timedelta(days=3))
    for meeting in (cancelled, past):
        with pytest.raises(ValidationError):
            exchange_services.rsvp_set(member=participant, meeting=meeting, response="coming")
    assert not RSVP.objects.exists()


def test_rsvp_from_outside_is_refused(client, outsider, meeting):
    """Anonymous visitors sign in; members of other exchanges get 404; GET is not allowed."""
    url = reverse("meeting_rsvp", args=[meeting.pk])
    assert reverse("login") in client.post(url, {"response": "coming"})["Location"]
    client.force_login(outsider.user)
    assert client.post(url, {"response": "coming"}).status_code == 404
    assert client.get(url).status_code == 405
    assert not RSVP.objects.exists()


# --- Attendance ----------------------------------------------------------------------------


def test_facilitator_marks_who_came(client, facilitator, participant, scribe, meeting):
    """Ticked members are recorded as present and a live join is kept as it was; unticking removes a mark."""
    services.attendance_record_live(member_ids=[scribe.pk], session=_open_session(meeting))
    client.force_login(facilitator.user)
    url = reverse("meeting_attendance", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "joined a live session" in page.content.decode()

    client.post(url, {"present": [participant.pk, facilitator.pk, scribe.pk]})
    rows = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "source"))
    assert rows == {participant.pk: "marked", facilitator.pk: "marked", scribe.pk: "live"}
    assert Attendance.objects.get(member=participant).recorded_by == facilitator.user

    client.post(url, {"present": [facilitator.pk, scribe.pk]})
    rows = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "source"))
    assert rows == {facilitator.pk: "marked", scribe.pk: "live"}


def _ticked(body: str) -> set[int]:
    """The member ids whose "present" box is ticked on the attendance page."""
    return {int(pk) for pk in re.findall(r'name="present" value="(\d+)"[^>]*\bchecked\b', body)}


def test_every_recorded_member_is_ticked_so_saving_unchanged_clears_nobody(
    client, facilitator, participant, scribe, meeting
):
    """Live joins and marks alike are ticked, as real boxes of the form: sending the page back as it
    came changes nothing, the live join's session rows included."""
    session = _open_session(meeting)
    services.attendance_record_live(member_ids=[scribe.pk], session=session)
    exchange_services.attendance_mark(
        member=facilitator, meeting=meeting, present_member_ids=[participant.pk, scribe.pk]
    )
    client.force_login(facilitator.user)
    url = reverse("meeting_attendance", args=[meeting.pk])
    body = client.get(url).content.decode()
    ticked = _ticked(body)
    assert ticked == {participant.pk, scribe.pk}
    assert "disabled" not in body
    before = set(Attendance.objects.values_list("member_id", "meeting_id", "source"))

    response = client.post(url, {"present": sorted(ticked)})
    assert response.status_code == 302
    assert set(Attendance.objects.values_list("member_id", "meeting_id", "source")) == before
    assert list(SessionAttendance.objects.values_list("member_id", "session_id")) == [(scribe.pk, session.pk)]


def test_unticking_a_live_join_clears_it_and_its_sessions(client, facilitator, participant, scribe, meeting):
    """Someone recorded by the live room but not really there is cleared from the meeting and from
    each of its sessions; others' rows, and the same person's rows at other meetings, stay."""
    morning, afternoon = _open_session(meeting), _open_session(meeting, "Afternoon session")
    other_meeting_session = _open_session(MeetingFactory(exchange=meeting.exchange, number=2))
    for session in (morning, afternoon, other_meeting_session):
        services.attendance_record_live(member_ids=[participant.pk, scribe.pk], session=session)
    client.force_login(facilitator.user)

    response = client.post(reverse("meeting_attendance", args=[meeting.pk]), {"present": [scribe.pk]})

    assert response.status_code == 302
    assert not Attendance.objects.filter(member=participant, meeting=meeting).exists()
    assert not SessionAttendance.objects.filter(member=participant, session__meeting=meeting).exists()
    assert Attendance.objects.get(member=scribe, meeting=meeting).source == "live"
    assert set(SessionAttendance.objects.filter(member=scribe).values_list("session_id", flat=True)) == {
        morning.pk,
        afternoon.pk,
        other_meeting_session.pk,
    }
    assert Attendance.objects.filter(member=participant, meeting=other_meeting_session.meeting).exists()
    assert SessionAttendance.objects.filter(member=participant, session=other_meeting_session).exists()


def test_clearing_everyone_clears_every_row_of_the_meeting(facilitator, participant, scribe, meeting):
    """Nobody ticked: every attendance row of the meeting goes, marked or live, with its session rows."""
    session = _open_session(meeting)
    services.attendance_record_live(member_ids=[participant.pk], session=session)
    exchange_services.attendance_mark(
        member=facilitator, meeting=meeting, present_member_ids=[participant.pk, scribe.pk]
    )
    exchange_services.attendance_mark(member=facilitator, meeting=meeting, present_member_ids=[])
    assert not Attendance.objects.filter(meeting=meeting).exists()
    assert not SessionAttendance.objects.exists()


def test_a_deactivated_account_is_not_listed_and_its_row_is_left_alone(facilitator, participant, meeting):
    """Rows the form cannot show (a deactivated account) are not cleared by saving it."""
    services.attendance_record_live(member_ids=[participant.pk], session=_open_session(meeting))
    participant.user.is_active = False
    participant.user.save()
    exchange_services.attendance_mark(member=facilitator, meeting=meeting, present_member_ids=[facilitator.pk])
    assert Attendance.objects.filter(member=participant, meeting=meeting).exists()
    assert SessionAttendance.objects.filter(member=participant).exists()


@pytest.mark.parametrize("role", ["participant", "scribe"])
def test_only_facilitators_clear_attendance(client, make_member, facilitator, meeting, role):
    """A participant or scribe posting an empty list is refused (403) and every row, live ones included, stays."""
    actor = make_member(role)
    session = _open_session(meeting)
    services.attendance_record_live(member_ids=[actor.pk, facilitator.pk], session=session)
    before = (
        set(Attendance.objects.values_list("member_id", "source")),
        set(SessionAttendance.objects.values_list("member_id", "session_id")),
    )
    client.force_login(actor.user)
    assert client.post(reverse("meeting_attendance", args=[meeting.pk]), {}).status_code == 403
    after = (
        set(Attendance.objects.values_list("member_id", "source")),
        set(SessionAttendance.objects.values_list("member_id", "session_id")),
    )
    assert after == before


def test_marking_someone_outside_the_exchange_changes_nothing(client, facilitator, outsider, meeting):
    """Member ids from another exchange are refused and nothing is recorded."""
    client.force_login(facilitator.user)
    client.post(reverse("meeting_attendance", args=[meeting.pk]), {"present": [facilitator.pk, outsider.pk]})
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("role", ["participant", "scribe"])
def test_only_facilitators_mark_attendance(client, make_member, meeting, role):
    """Participants and scribes get 403 and cannot mark anyone."""
    actor = make_member(role)
    client.force_login(actor.user)
    url = reverse("meeting_attendance", args=[meeting.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"present": [actor.pk]}).status_code == 403
    assert not Attendance.objects.exists()


def test_attendance_from_outside_is_refused(client, outsider, meeting):
    """Anonymous visitors sign in; members of other exchanges get 404."""
    url = reverse("meeting_attendance", args=[meeting.pk])
    assert reverse("login") in client.get(url)["Location"]
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404


def test_attendance_page_queries_do_not_grow(client, facilitator, meeting):
    """The attendance page reads a fixed number of queries however many members there are."""
    client.force_login(facilitator.user)
    url = reverse("meeting_attendance", args=[meeting.pk])
    small = query_count(lambda: client.get(url))
    session = _open_session(meeting)
    for _ in range(15):
        m = MemberFactory(exchange=facilitator.exchange)
        exchange_services.rsvp_set(member=m, meeting=meeting, response="coming")
        services.attendance_record_live(member_ids=[m.pk], session=session)
    assert Attendance.objects.filter(meeting=meeting).count() == 15
    assert query_count(lambda: client.get(url)) == small


# --- Series --------------------------------------------------------------------------------


def test_series_shows_rsvps_and_attendance_per_member_and_team(client, exchange, facilitator, participant):
    """Every member sees, per team, who answered and who came to each meeting, with team counts."""
    first = MeetingFactory(exchange=exchange, number=1, title="Opening")
    second = MeetingFactory(exchange=exchange, number=2, title="Return")
    other_team = TeamFactory(exchange=exchange, community_name="Zuni Flats")
    newcomer = MemberFactory(exchange=exchange, team=other_team, display_name="Nia Newcomer")
    exchange_services.rsvp_set(member=participant, meeting=first, response="coming", note="bringing my deputy")
    exchange_services.rsvp_set(member=newcomer, meeting=second, response="not_coming")
    exchange_services.attendance_mark(
        member=facilitator, meeting=first, present_member_ids=[participant.pk, facilitator.pk]
    )

    client.force_login(participant.user)
    response = client.get(reverse("exchange_series", args=[exchange.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert participant.team.community_name in body and "Zuni Flats" in body
    assert "Nia Newcomer" in body
    assert "✓ Attended" in body and "Not coming" in body
    assert "1 coming · 2 of 2 attended" in body  # the participant's team at meeting 1
    assert "0 coming · 0 of 1 attended" in body  # Zuni Flats at meeting 1
    assert "bringing my deputy" not in body  # notes are for organisers
    assert "Mark who came" not in body

    client.force_login(facilitator.user)
    body = client.get(reverse("exchange_series", args=[exchange.pk])).content.decode()
    assert "bringing my deputy" in body
    assert reverse("meeting_attendance", args=[first.pk]) in body


def test_series_from_outside_is_refused(client, exchange, outsider):
    """Anonymous visitors sign in; members of other exchanges get 404."""
    url = reverse("exchange_series", args=[exchange.pk])
    assert reverse("login") in client.get(url)["Location"]
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404


def test_series_reads_a_fixed_number_of_queries(client, exchange, facilitator, django_assert_max_num_queries):
    """The series grid costs the same whether there are 2 members and 1 meeting or 30 and 5."""
    client.force_login(facilitator.user)
    url = reverse("exchange_series", args=[exchange.pk])
    MeetingFactory(exchange=exchange, number=1)
    small = query_count(lambda: client.get(url))
    teams = [TeamFactory(exchange=exchange) for _ in range(4)]
    meetings = [MeetingFactory(exchange=exchange, number=n) for n in range(2, 6)]
    sessions = {meeting.pk: _open_session(meeting) for meeting in meetings}
    for n in range(28):
        m = MemberFactory(exchange=exchange, team=teams[n % 4])
        for meeting in meetings:
            exchange_services.rsvp_set(member=m, meeting=meeting, response="coming")
            services.attendance_record_live(member_ids=[m.pk], session=sessions[meeting.pk])
    assert Attendance.objects.filter(meeting__in=meetings, source="live").count() == 28 * 4
    assert query_count(lambda: client.get(url)) == small
    with django_assert_max_num_queries(10):
        client.get(url)
