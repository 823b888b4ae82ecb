"""From an empty exchange to a participant's schedule, through the pages a person uses.

A facilitator schedules a meeting and a session with its agenda, invites a
participant by email; the participant opens the emailed link, joins, answers
the RSVP and finds the session in "My schedule" in their own time zone; the
facilitator then sees who is coming. Every page visited passes axe.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from exchanges.models import Meeting, Team
from participants.models import RSVP, Member
from sessions.models import DialogueSession
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, login
from tests.factories import ExchangeFactory, MemberFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
QUESTION = "What is one thing you've been trying to do to improve trust, and what have you learned from it?"
AGENDA = [
    ("Welcome and intentions", 15),
    ("Quiet reflection", 10),
    ("Go-around", 60),
    ("Open dialogue", 60),
    ("Commitments", 20),
]


def check_page(page) -> None:
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)


@pytest.fixture
def setting(transactional_db):
    """An active exchange at home in New York with one team, run by one facilitator."""
    exchange = ExchangeFactory(title="Safe Communities Exchange", time_zone="America/New_York")
    team = Team.objects.create(
        exchange=exchange, community_name="Harbor Point", state_region="CA", locale_type=Team.LocaleType.URBAN
    )
    facilitator = MemberFactory(
        exchange=exchange, exchange_role="facilitator", team=None, display_name="Kathleen Moreau",
        time_zone="America/New_York",
    )  # fmt: skip
    return {"exchange": exchange, "team": team, "facilitator": facilitator}


def test_facilitator_schedules_invites_and_sees_who_is_coming(new_context, setting, live_server_url):
    """A meeting and session made through the forms reach an emailed invitee's schedule in her own time zone,
    and her RSVP reaches the facilitator's pages."""
    exchange = setting["exchange"]
    # A Thursday about five weeks ahead, 09:00–16:30 in New York.
    day = timezone.localdate(timezone=NEW_YORK) + dt.timedelta(days=35)
    day += dt.timedelta(days=(3 - day.weekday()) % 7)

    # --- The facilitator schedules a meeting ------------------------------------
    facilitator = new_context().new_page()
    login(facilitator, setting["facilitator"].user.email, PASSWORD)
    facilitator.get_by_role("link", name="Safe Communities Exchange").click()
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Safe Communities Exchange")
    check_page(facilitator)

    facilitator.get_by_role("link", name="Schedule a meeting").click()
    expect(facilitator.get_by_role("heading", name="Schedule a meeting")).to_be_visible()
    check_page(facilitator)
    expect(facilitator.get_by_label("Number in the series")).to_have_count(0)  # numbered by date
    facilitator.get_by_label("Title").fill("Where we are starting")
    facilitator.get_by_label("Time zone").select_option("America/New_York")
    facilitator.get_by_label("Starts (local time)").fill(f"{day.isoformat()}T09:00")
    facilitator.get_by_label("Ends (local time)").fill(f"{day.isoformat()}T16:30")
    facilitator.get_by_label("Mode").select_option(label="In person")
    facilitator.get_by_label("Place").fill("Civic Learning Foundation, 200 Commons Road, Dayton, Ohio")
    facilitator.get_by_role("button", name="Save meeting").click()
    expect(facilitator.get_by_role("heading", name="Meeting 1: Where we are starting")).to_be_visible()
    check_page(facilitator)
    meeting = Meeting.objects.get(exchange=exchange, number=1)
    assert meeting.starts_at == dt.datetime.combine(day, dt.time(9, 0), tzinfo=NEW_YORK)

    # --- ... and a half-day session on one question, with its agenda ------------
    facilitator.get_by_role("link", name="Add a session").click()
    expect(facilitator.get_by_role("heading", name="Add a session to meeting 1")).to_be_visible()
    check_page(facilitator)
    facilitator.get_by_label("Session title").fill("Morning: improving trust")
    facilitator.get_by_label(re.compile(r"^Question")).fill(QUESTION)
    facilitator.get_by_label("Guiding prompts").fill(
        "What have you tried?\nWhy?\nHow is it working?\nWhat are you learning?\nWhat do you want to try next?"
    )
    facilitator.get_by_label("Starts (local time)").fill(f"{day.isoformat()}T09:00")
    facilitator.get_by_label("Ends (local time)").fill(f"{day.isoformat()}T12:00")
    for number, (title, minutes) in enumerate(AGENDA, start=1):
        facilitator.get_by_label(f"Phase {number} title").fill(title)
        facilitator.get_by_label(f"Phase {number} minutes").fill(str(minutes))
    facilitator.get_by_role("button", name="Save session").click()
    expect(facilitator.get_by_role("heading", name="Morning: improving trust")).to_be_visible()
    expect(facilitator.locator(".question")).to_contain_text("improve trust")
    check_page(facilitator)
    session = DialogueSession.objects.get(meeting=meeting)
    assert [(p.title, p.planned_minutes) for p in session.phases.order_by("order")] == AGENDA

    # --- The facilitator invites a participant ---------------------------------
    facilitator.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=exchange.title).click()
    facilitator.get_by_role("link", name="Members and invitations").click()
    check_page(facilitator)
    facilitator.get_by_role("link", name="Invite someone").click()
    check_page(facilitator)
    facilitator.get_by_label("Name").fill("Rosa Delgado")
    facilitator.get_by_label("Email address").fill("rosa@example.org")
    facilitator.get_by_label("Team").select_option(label="Harbor Point, CA")
    facilitator.get_by_label("Stakeholder role").select_option(label="Elected official")
    facilitator.get_by_label("Role in the exchange").select_option(label="Participant")
    facilitator.get_by_role("button", name="Send invitation").click()
    expect(facilitator.get_by_text("rosa@example.org").first).to_be_visible()
    check_page(facilitator)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["rosa@example.org"]
    link = re.search(re.escape(live_server_url) + r"/invitations/[^\s\"'<>]+/", email.body)
    assert link, email.body

    # --- The participant opens the link and joins ------------------------------
    rosa = new_context(timezone_id="America/Los_Angeles").new_page()
    rosa.goto(link.group(0))
    expect(rosa.get_by_role("heading", name="Join Safe Communities Exchange")).to_be_visible()
    check_page(rosa)
    expect(rosa.get_by_label("Your name as others will see it")).to_have_value("Rosa Delgado")
    rosa.get_by_label("Your time zone").select_option("America/Los_Angeles")
    rosa.get_by_label("Choose a password").fill("a long walk to common ground")
    rosa.get_by_label("I have read the recording terms above and agree to them").check()
    rosa.get_by_role("button", name="Join the exchange").click()
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Safe Communities Exchange")
    check_page(rosa)
    member = Member.objects.get(exchange=exchange, user__email="rosa@example.org")
    assert member.team == setting["team"]
    assert (member.time_zone, member.exchange_role) == ("America/Los_Angeles", "participant")

    # --- ... answers the RSVP and finds the session in her own time ------------
    rosa.get_by_role("link", name="My schedule").click()
    expect(rosa.get_by_role("heading", name="My schedule")).to_be_visible()
    check_page(rosa)
    card = rosa.locator(f"#meeting-{meeting.pk}")
    expect(card.locator(".your-time")).to_contain_text("06:00")  # 09:00 in New York
    expect(card.locator(".local-time")).to_contain_text("09:00")
    expect(card.get_by_text("Morning: improving trust")).to_be_visible()
    expect(card.get_by_text("06:00–09:00 your time")).to_be_visible()
    card.get_by_label("Coming", exact=True).check()
    card.get_by_label("Note for the organisers (optional)").fill("Flying in the night before")
    card.get_by_role("button", name=re.compile("^Send my answer")).click()
    expect(rosa.locator(f"#meeting-{meeting.pk} .current-answer")).to_contain_text("Coming")
    check_page(rosa)
    assert RSVP.objects.get(member=member, meeting=meeting).response == RSVP.Response.COMING

    # --- The facilitator sees who is coming -------------------------------------
    facilitator.reload()
    members = facilitator.get_by_role("region", name=re.compile("^Members"))
    expect(members.get_by_role("row", name=re.compile("Rosa Delgado"))).to_contain_text("Harbor Point")
    expect(facilitator.get_by_text("Everyone invited has answered.")).to_be_visible()
    check_page(facilitator)
    facilitator.get_by_role("link", name="Attendance across meetings").click()
    harbor_point = facilitator.locator("section.series-team", has_text="Harbor Point")
    expect(harbor_point.get_by_role("row", name=re.compile("Rosa Delgado"))).to_contain_text("Coming")
    expect(harbor_point.locator("tfoot")).to_contain_text("1 coming")
    check_page(facilitator)
