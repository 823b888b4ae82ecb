"""A session run through the live room's own services and closed, with one
speaker at each consent level, so every archive surface can be checked
against the same words."""

import itertools
from types import SimpleNamespace

import pytest
from django.test import Client

from archives import services as archive_services
from participants.models import StakeholderRole
from sessions import services as room
from sessions.models import Attribution, Contribution, Theme
from tests.factories import MeetingFactory, TeamFactory, session_with_agenda

TEXTS = {
    "named": "The mural brought officers and neighbours together",
    "nfa": "The viewing party rebuilt trust slowly",
    "anonymous": "Grief sits under the mistrust we carry",
    "off_record": "Something never to be archived about the zebra crossing",
    "withdrawn": "Words about a quince orchard taken back",
    "reply": "Answering the viewing party with a harvest supper",
}
_channels = itertools.count()


def join(session, member):
    room.presence_join(session_id=session.pk, member=member, channel_name=f"test.archive.{next(_channels)}")


def say(session, member, text, consent=None, reply_to_id=None):
    result = room.contribution_create(
        session_id=session.pk,
        member=member,
        client_id=f"c-{next(_channels)}",
        text=text,
        consent=consent,
        reply_to_id=reply_to_id,
    )
    return Contribution.objects.get(pk=result["contribution_id"])


@pytest.fixture
def people(exchange, team, make_member):
    other_team = TeamFactory(exchange=exchange, community_name="Lakeside", state_region="MN")
    # Bob is the exchange's only community leader: under the Chatham House
    # rule his not-for-attribution words carry no role (tests add four more
    # community leaders where they need a role five members share).
    other = StakeholderRole.OTHER
    return SimpleNamespace(
        facilitator=make_member("facilitator", display_name="Fran Facilitator", stakeholder_role=other),
        convener=make_member("convener", display_name="Connie Convener", stakeholder_role=other),
        scribe=make_member("scribe", display_name="Sam Scribe", stakeholder_role=other),
        alice=make_member("participant", display_name="Alice Named", stakeholder_role=StakeholderRole.LAW_ENFORCEMENT),
        bob=make_member("participant", display_name="Bob Quietname", stakeholder_role=StakeholderRole.COMMUNITY_LEADER),
        carol=make_member(
            "participant", display_name="Carol Hidden", stakeholder_role=StakeholderRole.FAITH_LEADER, team=other_team
        ),
        dave=make_member(
            "participant", display_name="Dave Offrecord", stakeholder_role=StakeholderRole.ACADEMIC, team=other_team
        ),
        absent=make_member("participant", display_name="Erin Elsewhere", stakeholder_role=other),
        team=team,
        other_team=other_team,
    )


@pytest.fixture
def closed(exchange, people):
    """A session with one contribution at each consent level, a reply, a
    withdrawn contribution, an acknowledgement with a reflection, a theme tag
    and a go-around, closed through the live room's service."""
    session = session_with_agenda(MeetingFactory(exchange=exchange, title="Dayton"), title="Trust")
    p = people
    room.session_open(session_id=session.pk, member=p.facilitator)
    for m in (p.alice, p.bob, p.carol, p.dave, p.scribe):
        join(session, m)
    rnd = room.round_start(
        session_id=session.pk, member=p.facilitator, order="arranged", member_ids=[p.alice.pk, p.bob.pk, p.carol.pk]
    )
    named = say(session, p.alice, TEXTS["named"], consent=Attribution.NAMED)
    room.turn_done(session_id=session.pk, member=p.alice)
    room.turn_pass(session_id=session.pk, member=p.bob)
    room.turn_done(session_id=session.pk, member=p.carol)
    room.phase_advance(session_id=session.pk, member=p.facilitator)
    nfa = say(session, p.bob, TEXTS["nfa"], consent=Attribution.NOT_FOR_ATTRIBUTION)
    anonymous = say(session, p.carol, TEXTS["anonymous"], consent=Attribution.ANONYMOUS)
    off = say(session, p.dave, TEXTS["off_record"], consent=Attribution.OFF_RECORD)
    withdrawn = say(session, p.alice, TEXTS["withdrawn"], consent=Attribution.NAMED)
    room.contribution_withdraw(session_id=session.pk, member=p.alice, contribution_id=withdrawn.pk)
    reply = say(session, p.alice, TEXTS["reply"], consent=Attribution.NAMED, reply_to_id=nfa.pk)
    room.acknowledgement_create(
        session_id=session.pk, member=p.alice, contribution_id=nfa.pk, reflection="I heard patience"
    )
    room.acknowledgement_create(session_id=session.pk, member=p.carol, contribution_id=off.pk, reflection="zebra too")
    mistrust = Theme.objects.get(exchange=exchange, name="Mutual mistrust")
    for c in (named, nfa, anonymous, off):
        room.theme_tag(session_id=session.pk, member=p.facilitator, contribution_id=c.pk, theme_id=mistrust.pk)
    room.session_close(session_id=session.pk, member=p.facilitator)
    session.refresh_from_db()
    return SimpleNamespace(
        session=session,
        round_id=rnd["round_id"],
        named=named,
        nfa=nfa,
        anonymous=anonymous,
        off=off,
        withdrawn=withdrawn,
        reply=reply,
        theme=mistrust,
        people=people,
    )


def release_all(closed):
    p = closed.people
    for m in (p.alice, p.bob, p.carol):
        archive_services.review_release(session_id=closed.session.pk, member=m)


@pytest.fixture
def published(closed):
    release_all(closed)
    archive_services.archive_publish(session_id=closed.session.pk, member=closed.people.facilitator)
    return closed


@pytest.fixture
def client_for():
    def make(member_or_user):
        client = Client()
        client.force_login(getattr(member_or_user, "user", member_or_user))
        return client

    return make
