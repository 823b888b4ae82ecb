"""The demonstration exchange matches the reference case and can be seeded again safely."""

import datetime as dt
import io
import zoneinfo
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from demo import seed as demo
from exchanges.models import Exchange, Meeting, Team
from participants.models import RSVP, ExchangeRole, Member, StakeholderRole, User
from sessions.models import DialogueSession, Phase

pytestmark = pytest.mark.django_db

OFFICIALS = {StakeholderRole.ELECTED_OFFICIAL, StakeholderRole.APPOINTED_OFFICIAL}


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=io.StringIO())
    return Exchange.objects.get(title=demo.EXCHANGE_TITLE)


def _snapshot():
    """Every seeded row, as values, so a second run can be compared field by field."""
    return {
        model.__name__: sorted(map(repr, model.objects.order_by("pk").values()))
        for model in (User, Exchange, Team, Member, Meeting, DialogueSession, Phase, RSVP)
    }


def test_exchange_is_the_reference_case(seeded):
    """One active exchange convened by a foundation, at home in New York's time zone, with recording terms."""
    assert Exchange.objects.count() == 1
    assert seeded.status == Exchange.Status.ACTIVE
    assert seeded.time_zone == "America/New_York"
    assert "Foundation" in seeded.convening_organisation
    assert seeded.recording_terms
    assert seeded.created_by.email == "convener@demo.commonground.test"


def test_nine_communities_in_the_articles_states(seeded):
    """Nine teams, one per state named in the article, urban, suburban and rural alike."""
    teams = list(seeded.teams.all())
    assert len(teams) == 9
    assert sorted(t.state_region for t in teams) == ["CA", "CT", "FL", "GA", "MN", "NM", "NY", "OH", "SD"]
    assert {t.locale_type for t in teams} == set(Team.LocaleType.values)


def test_thirty_nine_participants_and_the_people_who_run_it(seeded):
    """39 participants, every one in a team, plus a convener, two facilitators and a scribe."""
    roles = Counter(seeded.members.values_list("exchange_role", flat=True))
    assert roles == {
        ExchangeRole.PARTICIPANT: 39,
        ExchangeRole.CONVENER: 1,
        ExchangeRole.FACILITATOR: 2,
        ExchangeRole.SCRIBE: 1,
    }
    assert not seeded.members.filter(exchange_role=ExchangeRole.PARTICIPANT, team=None).exists()
    emails = set(seeded.members.values_list("user__email", flat=True))
    assert {demo.participant_email(i) for i in range(1, 40)} <= emails


def test_every_team_is_deliberately_mixed(seeded):
    """Each team has an official, a community leader and law enforcement; some bring academics or faith leaders."""
    extra = set()
    for team in seeded.teams.all():
        roles = set(team.members.values_list("stakeholder_role", flat=True))
        assert roles & OFFICIALS, team
        assert StakeholderRole.COMMUNITY_LEADER in roles, team
        assert StakeholderRole.LAW_ENFORCEMENT in roles, team
        extra |= roles & {StakeholderRole.ACADEMIC, StakeholderRole.FAITH_LEADER}
    assert extra == {StakeholderRole.ACADEMIC, StakeholderRole.FAITH_LEADER}


def test_members_keep_their_states_time_zone(seeded):
    """A participant sees times in the zone of their own community."""
    for member in seeded.members.filter(exchange_role=ExchangeRole.PARTICIPANT).select_related("team"):
        assert member.time_zone == demo.STATE_TIME_ZONES[member.team.state_region]
    assert seeded.members.filter(team__state_region="CA", time_zone="America/Los_Angeles").exists()


def test_three_meetings_in_person_over_ten_months_then_online(seeded):
    """The first meeting is a few weeks ahead; the three in-person ones span ten months; a follow-up is online."""
    meetings = list(seeded.meetings.order_by("number"))
    assert [m.mode for m in meetings] == [Meeting.Mode.IN_PERSON] * 3 + [Meeting.Mode.ONLINE]
    now = timezone.now()
    # Three weeks on, to the Thursday, and up to two weeks later to clear the holidays of the year's end.
    assert now + dt.timedelta(days=14) < meetings[0].starts_at < now + dt.timedelta(days=42)
    span = meetings[2].ends_at - meetings[0].starts_at
    assert dt.timedelta(days=240) < span <= dt.timedelta(days=305)
    assert meetings[3].starts_at > meetings[2].ends_at
    for meeting in meetings[:3]:
        assert "Dayton, Ohio" in meeting.place
        assert meeting.time_zone == "America/New_York"
        assert meeting.starts_at.astimezone(zoneinfo.ZoneInfo("America/New_York")).hour == 9
    assert meetings[3].link.startswith("https://")


def test_sessions_are_half_days_on_one_meaty_question(seeded):
    """Each session explores one question through the guiding inquiry and a timed agenda that fits its half day."""
    sessions = DialogueSession.objects.filter(meeting__exchange=seeded).prefetch_related("phases")
    assert sessions.count() == 10
    assert sessions.filter(
        question="What is one thing you've been trying to do to improve trust, and what have you learned from it?"
    ).exists()
    for session in sessions:
        assert session.question.endswith("?")
        assert session.prompt_list[0] == "What have you tried?"
        assert session.prompt_list[-1] == "What do you want to try next?"
        hours = (session.planned_end - session.planned_start) / dt.timedelta(hours=1)
        assert 2 <= hours <= 4
        phases = list(session.phases.all())
        assert [p.title for p in phases][:3] == ["Welcome and intentions", "Quiet reflection", "Go-around"]
        assert sum(p.planned_minutes for p in phases) <= hours * 60
        assert session.meeting.starts_at <= session.planned_start < session.planned_end <= session.meeting.ends_at


def test_first_meeting_has_rsvps_with_some_still_open(seeded):
    """Most participants have answered for the first meeting; participant01 still has to."""
    meeting = seeded.meetings.get(number=1)
    assert RSVP.objects.filter(meeting=meeting, response=RSVP.Response.COMING).count() >= 25
    assert not RSVP.objects.filter(meeting=meeting, member__user__email=demo.participant_email(1)).exists()


def test_seeding_twice_changes_nothing():
    """A second run creates no duplicates and changes no field."""
    call_command("seed_demo", stdout=io.StringIO())
    before = _snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == before


def test_seeding_again_keeps_peoples_changes(seeded):
    """An RSVP changed and a meeting moved during a demonstration survive another run."""
    member = seeded.members.get(user__email=demo.participant_email(10))
    meeting = seeded.meetings.get(number=2)
    RSVP.objects.update_or_create(member=member, meeting=meeting, defaults={"response": RSVP.Response.NOT_COMING})
    moved = meeting.starts_at + dt.timedelta(days=7)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=moved, ends_at=moved + dt.timedelta(hours=8))
    call_command("seed_demo", stdout=io.StringIO())
    assert RSVP.objects.get(member=member, meeting=meeting).response == RSVP.Response.NOT_COMING
    assert Meeting.objects.get(pk=meeting.pk).starts_at == moved


def test_seeding_later_does_not_move_the_calendar():
    """Dates are fixed on the first run: seeding a month later finds the same meetings where they were."""
    demo.demo_seed(today=dt.date(2030, 1, 7))
    before = list(Meeting.objects.order_by("number").values_list("starts_at", flat=True))
    demo.demo_seed(today=dt.date(2030, 2, 7))
    assert list(Meeting.objects.order_by("number").values_list("starts_at", flat=True)) == before
    assert before[0].date() == dt.date(2030, 1, 31)  # the Thursday on or after three weeks ahead


def test_prints_logins_and_the_address(capsys):
    """The command tells a newcomer where to go and whom to sign in as."""
    call_command("seed_demo")
    out = capsys.readouterr().out
    for email in ("convener@", "facilitator1@", "facilitator2@", "scribe@", "participant01@"):
        assert f"{email}{demo.DEMO_DOMAIN}" in out
    assert demo.DEMO_PASSWORD in out
    assert "http://" in out or "https://" in out


@pytest.mark.parametrize("local_part", ["convener", "facilitator1", "scribe", "participant01", "participant39"])
def test_demo_logins_work(seeded, client, local_part):
    """Every printed login signs in through the real sign-in form with the demo password."""
    response = client.post(
        reverse("login"), {"username": demo.demo_email(local_part), "password": demo.DEMO_PASSWORD}, follow=True
    )
    assert response.context["user"].is_authenticated
    assert response.context["user"].email == demo.demo_email(local_part)
    page = client.get(reverse("exchange_list"))
    assert demo.EXCHANGE_TITLE in page.content.decode()
