"""Time zones: the list a person chooses from, the zone each page is read in,
and the instant an invitation email names.

A page shows times in its reader's zone and names that zone; an email shows
them in its recipient's. The invitation email goes to someone with no zone
yet, so it speaks the exchange's, and must convert to it (not label the UTC
time with the exchange's name).
"""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.fields import time_zone_aliases, time_zone_canonical, time_zone_choices
from core.middleware import TIME_ZONE_COOKIE, ReaderTimeZoneMiddleware
from participants.emails import invitation_email_send
from participants.invitations import invitation_token
from participants.models import Member
from sessions.models import DialogueSession
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LA = "America/Los_Angeles"


def _values(choices) -> list[str]:
    return [value for _, group in choices for value, _ in group]


# --- The list ----------------------------------------------------------------


def test_common_zones_come_first_us_then_europe():
    groups = time_zone_choices()
    assert groups[0][0] == "Common"
    common = [value for value, _ in groups[0][1]]
    assert common[:5] == ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", LA]
    assert common.index("Europe/London") < common.index("Asia/Tokyo")
    assert [name for name, _ in groups[1:]] == sorted(name for name, _ in groups[1:])


def test_the_list_has_no_etc_factory_posix_or_old_aliases():
    values = _values(time_zone_choices())
    assert len(values) == len(set(values)), "a zone is offered twice"
    for unwanted in ("Factory", "Etc/GMT+5", "Etc/UTC", "EST5EDT", "US/Pacific", "Asia/Calcutta", "GB"):
        assert unwanted not in values
    assert not [v for v in values if v.startswith("Etc/")]
    for wanted in (LA, "Europe/Amsterdam", "Asia/Kolkata", "Europe/Kyiv", "UTC"):
        assert wanted in values
    assert len(values) < 450


def test_a_browsers_old_name_leads_to_the_zone_listed():
    assert time_zone_canonical("Asia/Calcutta") == "Asia/Kolkata"
    assert time_zone_canonical("US/Pacific") == LA
    assert time_zone_canonical("Etc/UTC") == "UTC"
    assert time_zone_canonical("Factory") is None
    assert time_zone_canonical("Mars/Base") is None
    assert time_zone_canonical("") is None
    assert time_zone_aliases()["Asia/Calcutta"] == "Asia/Kolkata"


# --- The question ------------------------------------------------------------


@pytest.fixture
def invitation_url(invitation):
    return reverse("invitation_accept", args=[invitation_token(invitation)])


def test_accept_form_starts_from_the_exchanges_zone_and_asks_the_browser(client, invitation, invitation_url):
    """Without a script the exchange's zone is chosen; the script is told to choose the browser's."""
    response = client.get(invitation_url)
    field = response.context["form"]["time_zone"]
    assert field.value() == invitation.exchange.time_zone
    html = str(field)
    assert 'data-time-zone-picker="preselect"' in html
    assert '<optgroup label="Common">' in html
    assert 'value="Factory"' not in html and 'value="Etc/' not in html


@pytest.mark.parametrize("zone", ["Factory", "Etc/GMT+5", "US/Pacific", "Mars/Base"])
def test_a_zone_off_the_list_is_refused_and_nobody_joins(client, invitation, invitation_url, zone):
    data = {"display_name": "Dana", "time_zone": zone, "password": "a long and unusual passphrase", "consent": "on"}
    response = client.post(invitation_url, data)
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert "Select a valid choice" in response.context["form"].errors["time_zone"][0]
    assert not Member.objects.filter(user__email=invitation.email).exists()


def test_a_refused_form_keeps_the_persons_answer(client, invitation, invitation_url):
    """Shown again after an error, the question keeps what was chosen: the script must not replace it."""
    response = client.post(invitation_url, {"display_name": "", "time_zone": LA})
    field = response.context["form"]["time_zone"]
    assert field.value() == LA
    assert 'data-time-zone-picker=""' in str(field)


def test_own_details_suggest_the_browsers_zone_without_changing_it(client, participant):
    client.force_login(participant.user)
    response = client.get(reverse("member_edit_self", args=[participant.exchange_id]))
    field = response.context["form"]["time_zone"]
    assert field.value() == participant.time_zone
    assert 'data-time-zone-picker="suggest"' in str(field)


# --- The reader's zone -------------------------------------------------------


def _zone_during(request, view_kwargs=None) -> str:
    """The zone active while the view runs, through the middleware."""
    seen = {}

    def view(req):
        seen["zone"] = str(timezone.get_current_timezone())
        return HttpResponse()

    middleware = ReaderTimeZoneMiddleware(view)

    def respond(req):
        middleware.process_view(req, view, (), view_kwargs or {})
        return view(req)

    middleware.get_response = respond
    middleware(request)
    return seen["zone"]


def _request(user=None, cookie=None):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    if cookie is not None:
        request.COOKIES[TIME_ZONE_COOKIE] = cookie
    return request


def test_a_visitor_reads_in_their_browsers_zone(settings):
    assert _zone_during(_request(cookie=LA)) == LA
    assert _zone_during(_request(cookie="US/Pacific")) == LA  # an old name, read as the zone it names
    assert _zone_during(_request(cookie="Mars/Base")) == settings.TIME_ZONE
    assert _zone_during(_request(cookie="")) == settings.TIME_ZONE
    assert _zone_during(_request()) == settings.TIME_ZONE
    assert str(timezone.get_current_timezone()) == settings.TIME_ZONE  # and nothing stays active after


def test_a_member_reads_in_their_own_zone_not_the_browsers():
    member = MemberFactory(time_zone="Europe/London")
    assert _zone_during(_request(member.user, cookie=LA)) == "Europe/London"


def test_with_two_memberships_the_exchange_in_the_address_else_the_latest_joined():
    older = MemberFactory(time_zone="Europe/London")
    newer = MemberFactory(user=older.user, time_zone="Asia/Tokyo")
    Member.objects.filter(pk=older.pk).update(joined_at=timezone.now() - dt.timedelta(days=30))
    assert _zone_during(_request(older.user)) == "Asia/Tokyo"
    assert _zone_during(_request(older.user), {"exchange_id": older.exchange_id}) == "Europe/London"
    assert _zone_during(_request(older.user), {"exchange_id": newer.exchange_id}) == "Asia/Tokyo"
    Member.objects.filter(pk=newer.pk).update(joined_at=timezone.now() - dt.timedelta(days=60))
    assert _zone_during(_request(older.user)) == "Europe/London"


def test_an_account_without_memberships_reads_in_the_browsers_zone():
    assert _zone_during(_request(UserFactory(), cookie="Asia/Tokyo")) == "Asia/Tokyo"


# --- Pages -------------------------------------------------------------------


def test_the_review_deadline_is_in_the_readers_zone_and_named(client, exchange, make_member):
    """The review page once said "Until 6 December 2026, 09:36": UTC, unnamed."""
    facilitator = make_member("facilitator", time_zone=LA)
    closed_at = dt.datetime(2030, 11, 29, 17, 36, tzinfo=UTC)
    session = DialogueSessionFactory(
        meeting=MeetingFactory(exchange=exchange, starts_at=closed_at - dt.timedelta(hours=3)),
        state=DialogueSession.State.CLOSED,
        closed_at=closed_at,
    )
    client.force_login(facilitator.user)
    with timezone.override(dt.UTC):  # what "now" is doesn't matter; the window is far ahead
        body = client.get(reverse("archive_review", args=[session.pk])).content.decode()
    review = session.archive_review
    expected = timezone.localtime(review.closes_at, zoneinfo.ZoneInfo(LA))
    tz_abbr = expected.tzname()
    assert f"{expected.day} {expected:%B %Y, %H:%M} {tz_abbr}" in body
    utc = review.closes_at.astimezone(UTC)
    assert f"{utc.day} {utc:%B %Y, %H:%M}" not in body


def test_meeting_reminders_page_in_the_readers_zone_and_the_meetings(client, exchange, make_member):
    facilitator = make_member("facilitator", time_zone=LA)
    starts = dt.datetime(2030, 12, 5, 17, 0, tzinfo=UTC)  # 12:00 in New York, 09:00 in Los Angeles
    meeting = MeetingFactory(exchange=exchange, starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
    client.force_login(facilitator.user)
    body = client.get(reverse("meeting_reminders", args=[meeting.pk])).content.decode()
    assert "Thursday 5 December 2030, 12:00 EST (America/New_York)" in body
    assert "Thursday 5 December 2030, 09:00 PST in your time zone (America/Los_Angeles)" in body
    assert "Thu 21 Nov 2030, 09:00 PST" in body  # 14 days before, when it goes out, in the reader's time


# --- The invitation email ----------------------------------------------------


def test_invitation_email_names_the_right_instant_in_the_exchanges_zone(make_invitation):
    """09:31 UTC is 04:31 in New York: the email once said "09:31 (America/New_York)"."""
    invitation = make_invitation()
    invitation.expires_at = dt.datetime(2026, 12, 13, 9, 31, tzinfo=UTC)
    invitation.save(update_fields=["expires_at"])
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):  # whatever zone the sender's process is in
        assert invitation_email_send(invitation_id=invitation.pk)
    message = mail.outbox[-1]
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "Sunday 13 December 2026, 04:31 EST (America/New York time)" in body
        assert "09:31" not in body


def test_invitation_email_in_an_exchange_far_from_utc():
    exchange = ExchangeFactory(time_zone="Pacific/Auckland")
    inviter = MemberFactory(exchange=exchange, exchange_role="facilitator")
    invitation = exchange.invitations.create(
        email="kiri@example.org",
        name="Kiri",
        invited_by=inviter.user,
        created_at=dt.datetime(2027, 1, 3, 20, 0, tzinfo=UTC),
        expires_at=dt.datetime(2027, 1, 10, 20, 0, tzinfo=UTC),  # already the 11th in Auckland
    )
    assert invitation_email_send(invitation_id=invitation.pk)
    assert "Monday 11 January 2027, 09:00 NZDT (Pacific/Auckland time)" in mail.outbox[-1].body


def test_an_address_about_a_meeting_or_session_reads_in_that_exchanges_zone():
    """Meeting, session, theme and check-in pages are in the zone of the exchange
    they belong to, not of whichever membership came last."""
    from participants.models import Commitment
    from sessions.models import Theme
    from tests.factories import DialogueSessionFactory, MeetingFactory

    older = MemberFactory(time_zone="Europe/London")
    MemberFactory(user=older.user, time_zone="Asia/Tokyo")
    Member.objects.filter(pk=older.pk).update(joined_at=timezone.now() - dt.timedelta(days=30))
    meeting = MeetingFactory(exchange=older.exchange)
    session = DialogueSessionFactory(meeting=meeting)
    theme = Theme.objects.create(exchange=older.exchange, name="Trust")
    commitment = Commitment.objects.create(member=older, session=session, text="Hold a listening session.")
    for about in (
        {"exchange_id": older.exchange_id},
        {"meeting_id": meeting.pk},
        {"session_id": session.pk},
        {"theme_id": theme.pk},
        {"commitment_id": commitment.pk},
    ):
        assert _zone_during(_request(older.user), about) == "Europe/London", about
    # An address about an exchange the person is not in: their latest membership's.
    stranger = MeetingFactory()
    assert _zone_during(_request(older.user), {"meeting_id": stranger.pk}) == "Asia/Tokyo"
