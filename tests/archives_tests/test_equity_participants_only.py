"""Equity of voice counts the participants only: facilitators, conveners and
scribes hold or record the room, so their turns and words are in no figure or
share, even when the facilitator included them in a go-around."""

import pytest
from django.urls import reverse

from archives import services as archive_services
from archives.selectors import equity_get
from participants.models import Attendance
from sessions import services as room
from sessions.models import Attribution, DialogueSession
from tests.archives_tests.conftest import join, release_all, say
from tests.factories import MeetingFactory, session_with_agenda

pytestmark = pytest.mark.django_db


@pytest.fixture
def staffed(exchange, people):
    """A published session where the facilitator and the scribe each took a
    turn (included in the go-around) and spoke on the record beside Alice."""
    from types import SimpleNamespace

    p = people
    session = session_with_agenda(MeetingFactory(exchange=exchange, title="Staffed"), title="Voices")
    room.session_open(session_id=session.pk, member=p.facilitator)
    for m in (p.facilitator, p.scribe, p.alice, p.carol):
        join(session, m)
        Attendance.objects.get_or_create(member=m, meeting=session.meeting, defaults={"source": "marked"})
    room.round_start(session_id=session.pk, member=p.facilitator, order="by_team", include_facilitators=True)
    holders = [p.alice, p.scribe, p.facilitator, p.carol]
    from sessions.models import Turn

    for turn in Turn.objects.filter(round__session=session).order_by("position"):
        room.turn_done(session_id=session.pk, member=next(m for m in holders if m.pk == turn.member_id))
    say(session, p.facilitator, "Welcome, everyone; let us begin.", consent=Attribution.NAMED)
    say(session, p.scribe, "A note from the scribe's own seat.", consent=Attribution.NAMED)
    say(session, p.alice, "Our precinct holds open hours now.", consent=Attribution.NAMED)
    room.session_close(session_id=session.pk, member=p.facilitator)
    world = SimpleNamespace(session=session, people=p)
    release_all(world)
    for m in (p.facilitator, p.scribe):
        archive_services.review_release(session_id=session.pk, member=m)
    archive_services.archive_publish(session_id=session.pk, member=p.facilitator)
    return world


def test_facilitators_and_scribes_are_in_no_figure(staffed):
    p = staffed.people
    eq = equity_get(member=p.convener, sessions=DialogueSession.objects.filter(pk=staffed.session.pk))
    # Alice and Carol only: four turns were spoken, two of them by those who hold or record the room.
    assert eq.people == 2
    assert eq.turns == 2 and eq.passes == 0
    assert eq.contributions == 1
    roles = {g.key for g in eq.by_role}
    assert roles == {p.alice.stakeholder_role, p.carol.stakeholder_role}
    assert "other" not in roles  # the facilitator's and the scribe's stakeholder role
    assert sum(g.turns for g in eq.by_team) == 2
    assert round(sum(g.turn_share for g in eq.by_role)) == 100
    assert eq.gini == 0


def test_the_page_says_who_is_counted(staffed, client_for):
    body = (
        client_for(staffed.people.convener).get(reverse("archive_equity", args=[staffed.session.pk])).content.decode()
    )
    assert "scribes record it" in body and "not counted in any figure or share" in body
    assert "Sam Scribe" not in body and "Fran Facilitator" not in body


def test_a_participant_with_no_team_is_counted_under_no_team(staffed, client):
    """ "No team" is a normal answer on an invitation: the equity page counts such
    a participant under it, in the selector and on the page a convener opens."""
    p = staffed.people
    p.carol.team = None
    p.carol.save(update_fields=["team"])
    eq = equity_get(member=p.convener, sessions=DialogueSession.objects.filter(pk=staffed.session.pk))
    assert "No team" in {g.label for g in eq.by_team}
    client.force_login(p.convener.user)
    response = client.get(reverse("archive_equity", args=[staffed.session.pk]))
    assert response.status_code == 200
    assert "No team" in response.content.decode()
