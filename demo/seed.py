"""The reference learning exchange, for demonstrations and first runs.

It follows the exchange described in "Community-Led Efforts to Create Safe
Communities" (National Civic Review, Spring 2021): 39 people in mixed
jurisdictional teams from nine communities in California, Connecticut,
Florida, Georgia, Minnesota, New Mexico, New York, Ohio and South Dakota, who
met three times in person at a foundation in Dayton, Ohio over ten months and
once more online. The communities and people here are invented.

``demo_seed`` is idempotent: every row is found by a natural key (an email,
a title, a number in the series) before it is written, so running it again
creates nothing new. Dates are fixed when a meeting is first created, relative
to that day, and are never moved afterwards: a demonstration that has been
running for a while keeps its calendar.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from exchanges.models import Exchange, Meeting, Team
from participants.models import RSVP, ExchangeRole, Member, StakeholderRole, User
from sessions.models import Attribution, DialogueSession, Phase

from .holidays import clear_of_days_off

DEMO_PASSWORD = "common-ground-demo"
DEMO_DOMAIN = "demo.commonground.test"

EXCHANGE_TITLE = "Community-Led Safe Communities Learning Exchange"
CONVENING_ORGANISATION = "Civic Learning Foundation"
HOME_TIME_ZONE = "America/New_York"
PURPOSE = (
    "To explore, together and without hurry, how communities might work through the mutual mistrust that "
    "burdens community members' relationship with government and police, and how safety can be defined and "
    "co-produced by residents and public institutions rather than by crime statistics alone.\n"
    "Each jurisdictional team brings elected and appointed officials, community leaders and local law "
    "enforcement, and sometimes academics and faith leaders. Between meetings, teams act at home; each meeting "
    "starts from what they tried."
)
RECORDING_TERMS = (
    "What is said in this exchange is said in a safe and brave space. Sessions are recorded in writing so that "
    "we can learn from them later. Each contribution is not for attribution unless you choose otherwise: "
    "under the Chatham House rule the archive shows neither your name nor your team. Anything you mark off "
    "the record is never archived. "
    "Before an archive is shared, you can review your own words and redact them. Nothing is shared outside the "
    "exchange without the group's agreement."
)

GUIDING_INQUIRY = (
    "What have you tried?\n"
    "Why did you do what you did?\n"
    "How is it working?\n"
    "What are you learning?\n"
    "What do you want to try next?"
)

# (title, minutes): a half day that leaves room for quiet and for going slowly.
IN_PERSON_PHASES = [
    ("Welcome and intentions", 15),
    ("Quiet reflection", 10),
    ("Go-around", 60),
    ("Open dialogue", 60),
    ("Commitments", 20),
]
ONLINE_PHASES = [
    ("Welcome and intentions", 10),
    ("Quiet reflection", 5),
    ("Go-around", 45),
    ("Open dialogue", 40),
    ("Commitments", 15),
]

STATE_TIME_ZONES = {
    "CA": "America/Los_Angeles",
    "CT": "America/New_York",
    "FL": "America/New_York",
    "GA": "America/New_York",
    "MN": "America/Chicago",
    "NM": "America/Denver",
    "NY": "America/New_York",
    "OH": "America/New_York",
    # West River South Dakota keeps Mountain time.
    "SD": "America/Denver",
}

E = StakeholderRole.ELECTED_OFFICIAL
A = StakeholderRole.APPOINTED_OFFICIAL
C = StakeholderRole.COMMUNITY_LEADER
L = StakeholderRole.LAW_ENFORCEMENT
U = StakeholderRole.ACADEMIC
F = StakeholderRole.FAITH_LEADER

# community, state, locale, [(display name, stakeholder role), ...]: 39 people.
TEAMS = [
    (
        "Harbor Point",
        "CA",
        Team.LocaleType.URBAN,
        [
            ("Rosa Delgado", E),
            ("Daniel Nguyen", A),
            ("Imani Brooks", C),
            ("Sgt. Marcus Hale", L),
            ("Dr. Priya Raman", U),
        ],
    ),
    (
        "New Lyndon",
        "CT",
        Team.LocaleType.SUBURBAN,
        [
            ("Ellen Whitaker", E),
            ("Jamal Carter", C),
            ("Chief Thomas Reilly", L),
            ("Rev. Grace Okafor", F),
        ],
    ),
    (
        "Palmetto Springs",
        "FL",
        Team.LocaleType.SUBURBAN,
        [
            ("Luis Ortega", A),
            ("Naomi Pierre", C),
            ("Lt. Dana Moore", L),
            ("Sam Levin", E),
        ],
    ),
    (
        "Oconee Falls",
        "GA",
        Team.LocaleType.RURAL,
        [
            ("Mayor Ruth Tillman", E),
            ("Pastor Andre Jenkins", F),
            ("Sheriff Wade Colquitt", L),
            ("Keisha Barnes", C),
        ],
    ),
    (
        "Cedar Lake",
        "MN",
        Team.LocaleType.URBAN,
        [
            ("Council Member Abdi Hassan", E),
            ("Mai Vang", C),
            ("Cmdr. Erik Lindqvist", L),
            ("Dr. Hannah Berg", U),
            ("Fartun Ali", A),
        ],
    ),
    (
        "Rio Alto",
        "NM",
        Team.LocaleType.RURAL,
        [
            ("Carmen Baca", E),
            ("Joseph Yazzie", C),
            ("Chief Ramon Archuleta", L),
            ("Dr. Elena Montoya", U),
        ],
    ),
    (
        "Eastbrook",
        "NY",
        Team.LocaleType.URBAN,
        [
            ("Angela Ruiz", A),
            ("Devon Price", C),
            ("Capt. Michael O'Brien", L),
            ("Imam Yusuf Rahman", F),
            ("Tanisha Coleman", E),
        ],
    ),
    (
        "Miami Valley Heights",
        "OH",
        Team.LocaleType.SUBURBAN,
        [
            ("Karen Schultz", E),
            ("Marcus Bell", C),
            ("Officer Jenna Park", L),
            ("Dr. Olumide Adeyemi", U),
        ],
    ),
    (
        "Prairie Butte",
        "SD",
        Team.LocaleType.RURAL,
        [
            ("Lorraine Two Bulls", C),
            ("Dale Jorgensen", A),
            ("Deputy Cody Reinholt", L),
            ("Father Paul Mertens", F),
        ],
    ),
]

# email local part, display name, exchange role: the people who run the exchange.
STAFF = [
    ("convener", "Dana Whitfield", ExchangeRole.CONVENER),
    ("facilitator1", "Kathleen Moreau", ExchangeRole.FACILITATOR),
    ("facilitator2", "Bernard Achebe", ExchangeRole.FACILITATOR),
    ("scribe", "Tomás Rivera", ExchangeRole.SCRIBE),
]

DAYTON = "Civic Learning Foundation, 200 Commons Road, Dayton, Ohio 45459"
FOLLOW_UP_LINK = "https://meet.example.org/safe-communities-follow-up"


@dataclass(frozen=True)
class SessionPlan:
    title: str
    question: str
    day: int  # 0 for the meeting's first day
    start: dt.time
    online: bool = False


@dataclass(frozen=True)
class MeetingPlan:
    number: int
    title: str
    days_after_first: int
    days: int
    mode: str
    sessions: list[SessionPlan] = field(default_factory=list)


MORNING = dt.time(9, 0)
AFTERNOON = dt.time(13, 30)

MEETINGS = [
    MeetingPlan(
        1,
        "Where we are starting",
        0,
        2,
        Meeting.Mode.IN_PERSON,
        [
            SessionPlan(
                "Day 1 morning: improving trust",
                "What is one thing you've been trying to do to improve trust, and what have you learned from it?",
                0,
                MORNING,
            ),
            SessionPlan(
                "Day 1 afternoon: what safety means here",
                "What does it mean to be safe in your community, and who gets to say what safety looks like?",
                0,
                AFTERNOON,
            ),
            SessionPlan(
                "Day 2 morning: taking it home",
                "What do you want to try at home before we meet again, and who will you try it with?",
                1,
                MORNING,
            ),
        ],
    ),
    MeetingPlan(
        2,
        "What we tried at home",
        140,
        2,
        Meeting.Mode.IN_PERSON,
        [
            SessionPlan(
                "Day 1 morning: what we tried",
                "What did you try at home since we last met, why did you do it, and how is it working?",
                0,
                MORNING,
            ),
            SessionPlan(
                "Day 1 afternoon: mistrust and trauma",
                "Where does mistrust come from in your community, and what have you seen begin to heal it?",
                0,
                AFTERNOON,
            ),
            SessionPlan(
                "Day 2 morning: sustaining optimism",
                "When this work wears you down, what keeps you going, and what could we do for one another?",
                1,
                MORNING,
            ),
        ],
    ),
    MeetingPlan(
        3,
        "Getting to “we”",
        290,
        2,
        Meeting.Mode.IN_PERSON,
        [
            SessionPlan(
                "Day 1 morning: community in the lead",
                "What are you learning about keeping the community in the lead, with police as partners?",
                0,
                MORNING,
            ),
            SessionPlan(
                "Day 1 afternoon: a “with” strategy",
                "What does a “we” or “with” strategy, citizens and government working in complementary ways, "
                "look like in your community?",
                0,
                AFTERNOON,
            ),
            SessionPlan(
                "Day 2 morning: what next",
                "What do you want to try next, and what support will you need to keep going?",
                1,
                MORNING,
            ),
        ],
    ),
    MeetingPlan(
        4,
        "Online follow-up",
        380,
        1,
        Meeting.Mode.ONLINE,
        [
            SessionPlan(
                "Looking back, looking ahead",
                "Looking back over our meetings, what has changed at home, and what have you learned from it?",
                0,
                dt.time(13, 0),
                online=True,
            ),
        ],
    ),
]

# How far ahead the first meeting is when the demonstration is first seeded.
FIRST_MEETING_DAYS_AHEAD = 21
IN_PERSON_SESSION_HOURS = 3
ONLINE_SESSION_HOURS = 2


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


def participant_email(index: int) -> str:
    """``participant01@…`` to ``participant39@…``, in team order."""
    return demo_email(f"participant{index:02d}")


@dataclass
class SeedResult:
    exchange: Exchange
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, was_created: bool) -> None:
        if was_created:
            self.created[kind] = self.created.get(kind, 0) + 1

    @property
    def anything_created(self) -> bool:
        return any(self.created.values())


TITLE_WORDS = {"Mayor", "Council", "Member", "Chief", "Sheriff", "Deputy", "Officer", "Pastor", "Imam", "Father"}


def _split_name(display_name: str) -> tuple[str, str]:
    words = [w for w in display_name.split() if not w.endswith(".") and w not in TITLE_WORDS]
    return (words[0], " ".join(words[1:])) if words else ("", "")


def _user(email: str, display_name: str, password_hash: str, result: SeedResult) -> User:
    first, last = _split_name(display_name)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, first_name=first, last_name=last, password=password_hash)
        user.save()
        result.count("users", True)
    return user


def _local(day: dt.date, at: dt.time, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(tz))


def _on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def meeting_day(plan: MeetingPlan, first_day: dt.date) -> dt.date:
    """The first day of a planned meeting: its weekday on or after its place in
    the series, a week later while any of its days is a public holiday."""
    online = plan.mode == Meeting.Mode.ONLINE
    day = _on_or_after(first_day + dt.timedelta(days=plan.days_after_first), 1 if online else 3)
    return clear_of_days_off(day, plan.days)


def _meeting(exchange: Exchange, plan: MeetingPlan, first_day: dt.date, result: SeedResult) -> Meeting:
    """In-person meetings run Thursday morning to Friday lunch; the online one is a Tuesday afternoon."""
    online = plan.mode == Meeting.Mode.ONLINE
    day = meeting_day(plan, first_day)
    if online:
        starts_at = _local(day, plan.sessions[0].start, HOME_TIME_ZONE)
        ends_at = starts_at + dt.timedelta(hours=ONLINE_SESSION_HOURS)
    else:
        starts_at = _local(day, MORNING, HOME_TIME_ZONE)
        ends_at = _local(day + dt.timedelta(days=plan.days - 1), dt.time(12, 30), HOME_TIME_ZONE)
    meeting, created = Meeting.objects.get_or_create(
        exchange=exchange,
        number=plan.number,
        defaults={
            "title": plan.title,
            "time_zone": HOME_TIME_ZONE,
            "mode": plan.mode,
            "place": "" if online else DAYTON,
            "link": FOLLOW_UP_LINK if online else "",
            "starts_at": starts_at,
            "ends_at": ends_at,
        },
    )
    result.count("meetings", created)
    return meeting


def _session(meeting: Meeting, plan: SessionPlan, result: SeedResult) -> DialogueSession:
    """A session placed on its meeting's stored dates, so it moves with the meeting."""
    first_day = meeting.starts_at.astimezone(zoneinfo.ZoneInfo(meeting.time_zone)).date()
    start = _local(first_day + dt.timedelta(days=plan.day), plan.start, meeting.time_zone)
    hours = ONLINE_SESSION_HOURS if plan.online else IN_PERSON_SESSION_HOURS
    session, created = DialogueSession.objects.get_or_create(
        meeting=meeting,
        title=plan.title,
        defaults={
            "question": plan.question,
            "guiding_prompts": GUIDING_INQUIRY,
            "planned_start": start,
            "planned_end": start + dt.timedelta(hours=hours),
            "attribution_default": Attribution.NOT_FOR_ATTRIBUTION,
        },
    )
    result.count("sessions", created)
    if session.state == DialogueSession.State.SCHEDULED:
        # Once a session has opened, its agenda is what was run: leave it be.
        for order, (title, minutes) in enumerate(ONLINE_PHASES if plan.online else IN_PERSON_PHASES, start=1):
            _, phase_created = Phase.objects.get_or_create(
                session=session, order=order, defaults={"title": title, "planned_minutes": minutes}
            )
            result.count("phases", phase_created)
    return session


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> SeedResult:
    """Create (or find) the reference exchange with its people, teams, meetings and sessions.

    Only missing rows are created; rows that already exist are left as they
    are, so people's own changes in a running demonstration (an RSVP, a moved
    meeting, a new password) survive another run.
    """
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(HOME_TIME_ZONE))
    password_hash = make_password(DEMO_PASSWORD)
    result = SeedResult(exchange=None)  # type: ignore[arg-type]

    convener_email, convener_name, _ = STAFF[0]
    convener = _user(demo_email(convener_email), convener_name, password_hash, result)
    exchange, created = Exchange.objects.get_or_create(
        title=EXCHANGE_TITLE,
        defaults={
            "purpose": PURPOSE,
            "convening_organisation": CONVENING_ORGANISATION,
            "time_zone": HOME_TIME_ZONE,
            "status": Exchange.Status.ACTIVE,
            "recording_terms": RECORDING_TERMS,
            "created_by": convener,
        },
    )
    result.exchange = exchange
    result.count("exchanges", created)

    for local_part, name, role in STAFF:
        user = _user(demo_email(local_part), name, password_hash, result)
        _, created = Member.objects.get_or_create(
            exchange=exchange,
            user=user,
            defaults={
                "exchange_role": role,
                "stakeholder_role": StakeholderRole.OTHER,
                "display_name": name,
                "time_zone": HOME_TIME_ZONE,
                "consented_at": timezone.now(),
            },
        )
        result.count("members", created)

    index = 0
    for community, state, locale, people in TEAMS:
        team, created = Team.objects.get_or_create(
            exchange=exchange, community_name=community, defaults={"state_region": state, "locale_type": locale}
        )
        result.count("teams", created)
        for name, stakeholder in people:
            index += 1
            user = _user(participant_email(index), name, password_hash, result)
            _, created = Member.objects.get_or_create(
                exchange=exchange,
                user=user,
                defaults={
                    "exchange_role": ExchangeRole.PARTICIPANT,
                    "stakeholder_role": stakeholder,
                    "team": team,
                    "display_name": name,
                    "time_zone": STATE_TIME_ZONES[state],
                    "consented_at": timezone.now(),
                },
            )
            result.count("members", created)

    first_day = today + dt.timedelta(days=FIRST_MEETING_DAYS_AHEAD)
    for plan in MEETINGS:
        meeting = _meeting(exchange, plan, first_day, result)
        for session_plan in plan.sessions:
            _session(meeting, session_plan, result)

    _first_meeting_rsvps(exchange, result)
    return result


def _first_meeting_rsvps(exchange: Exchange, result: SeedResult) -> None:
    """Most teams have answered for the first meeting; a few people have not yet.

    Only people who have never answered are given an answer, so an RSVP
    changed during a demonstration stays changed.
    """
    meeting = exchange.meetings.filter(number=1).first()
    if meeting is None:
        return
    participants = exchange.members.filter(exchange_role=ExchangeRole.PARTICIPANT).order_by("user__email")
    answered = set(RSVP.objects.filter(meeting=meeting).values_list("member_id", flat=True))
    for position, member in enumerate(participants, start=1):
        response = _demo_response(position)
        if response is None or member.pk in answered:
            continue
        RSVP.objects.create(member=member, meeting=meeting, response=response)
        result.count("rsvps", True)


def _demo_response(position: int) -> str | None:
    """Participants 01–04 are left to answer themselves, so the demo shows an open RSVP."""
    if position <= 4:
        return None
    if position % 11 == 0:
        return RSVP.Response.MAYBE
    if position % 17 == 0:
        return RSVP.Response.NOT_COMING
    return RSVP.Response.COMING


def demo_logins() -> list[tuple[str, str]]:
    """(role, email) for the accounts worth signing in as."""
    return [
        ("Convener", demo_email("convener")),
        ("Facilitator", demo_email("facilitator1")),
        ("Facilitator", demo_email("facilitator2")),
        ("Scribe", demo_email("scribe")),
        ("Participant (Harbor Point, CA)", participant_email(1)),
        ("Participant (New Lyndon, CT)", participant_email(6)),
    ]


def demo_url() -> str:
    return f"{settings.SITE_URL}/"
