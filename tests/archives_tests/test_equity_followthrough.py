"""Equity of voice (groups against their share of the room, small cells,
the Gini coefficient, the accessible chart) and follow-through across meetings."""

import pytest
from django.urls import reverse

from archives.selectors import SMALL_CELL, equity_get, gini, visible_sessions
from participants.models import CheckIn, Commitment
from sessions.models import DialogueSession

pytestmark = pytest.mark.django_db


def test_gini_is_zero_when_even_and_grows_when_uneven():
    assert gini([2, 2, 2, 2]) == 0
    assert gini([]) == 0 and gini([0, 0]) == 0
    assert round(gini([0, 0, 0, 4]), 3) == 0.75
    assert 0 < gini([1, 2, 3]) < gini([0, 1, 5])


def _equity(pub):
    member = pub.people.convener
    return equity_get(member=member, sessions=DialogueSession.objects.filter(pk=pub.session.pk))


def test_groups_against_their_share_of_the_room(published):
    eq = _equity(published)
    # In the room: alice, bob, carol, dave (facilitators and conveners hold the room, the scribe records it).
    assert eq.people == 4
    teams = {g.label.split(",")[0]: g for g in eq.by_team}
    home = teams[published.people.team.community_name]
    lakeside = teams["Lakeside"]
    assert home.people == 2 and lakeside.people == 2
    # Alice's two named words count for her team; Bob's not-for-attribution
    # words and Carol's anonymous ones count for no team, only in the total,
    # or set beside the named quotes they would say whose they were.
    assert home.contributions == 2 and lakeside.contributions == 0 and lakeside.small
    assert eq.anonymous_unassigned_team == 2 and eq.contributions == 4
    assert home.turns == 1 and home.passes == 1 and lakeside.turns == 1
    assert eq.turns == 2 and eq.passes == 1
    # Turns spoken: alice 1, carol 1, bob 0, dave 0.
    assert eq.gini == round(gini([1, 1, 0, 0]), 3)
    roles = {g.key: g for g in eq.by_role}
    assert roles["faith_leader"].contributions == 0 and roles["faith_leader"].small
    # Bob is the only community leader: his words count for no role either.
    assert roles["community_leader"].contributions == 0 and eq.anonymous_unassigned_role == 2
    assert round(sum(g.room_share for g in eq.by_team)) == 100


def test_anonymous_words_never_count_for_a_group_however_large(published, make_member):
    """However many people a group has, anonymous words count only in the total."""
    from participants.models import Attendance

    p = published.people
    for i in range(SMALL_CELL + 2):
        extra = make_member("participant", display_name=f"Extra {i}", team=p.other_team)
        Attendance.objects.create(member=extra, meeting=published.session.meeting, source="marked")
    lakeside = next(g for g in _equity(published).by_team if g.label.startswith("Lakeside"))
    assert lakeside.people > SMALL_CELL and lakeside.contributions == 0 and not lakeside.small


def test_not_for_attribution_words_count_for_a_role_five_members_share(published, make_member):
    """Where the row shows the role (five or more members hold it), the count may too; never the team."""
    for i in range(4):
        make_member("participant", display_name=f"Leader {i}", stakeholder_role="community_leader")
    eq = _equity(published)
    roles = {g.key: g for g in eq.by_role}
    assert roles["community_leader"].contributions == 1 and eq.anonymous_unassigned_role == 1
    assert eq.anonymous_unassigned_team == 2


def test_equity_page_has_an_accessible_chart_and_tables(published, client_for):
    body = (
        client_for(published.people.convener)
        .get(reverse("archive_equity", args=[published.session.pk]))
        .content.decode()
    )
    assert 'role="img"' in body and "<title id=" in body and "<desc id=" in body
    assert 'aria-labelledby="team-chart-title team-chart-desc"' in body
    assert "Contributions" in body and "% of contributions" in body
    assert body.count("<caption>") >= 2 and 'scope="col"' in body and 'scope="row"' in body
    assert "style=" not in body and "<style" not in body
    assert "Gini" in body


def test_exchange_equity_counts_each_published_session(published, client_for):
    body = (
        client_for(published.people.facilitator)
        .get(reverse("archive_exchange_equity", args=[published.session.meeting.exchange_id]))
        .content.decode()
    )
    assert "1 published session" in body
    eq = equity_get(member=published.people.convener, sessions=visible_sessions(member=published.people.convener))
    assert eq.sessions == 1 and eq.contributions == 4


def test_follow_through_by_team_and_commitments_per_session_default(published, client_for):
    p = published.people
    session = published.session
    kept = Commitment.objects.create(member=p.alice, session=session, text="Host a listening circle")
    Commitment.objects.create(member=p.bob, session=session, text="Walk the beat with officers")
    CheckIn.objects.create(commitment=kept, tried="We held two circles", learning="Start small")
    url = reverse("archive_followthrough", args=[session.meeting.exchange_id])
    body = client_for(p.convener).get(url).content.decode()
    # The session ran named by default: commitments carry names.
    assert "Host a listening circle" in body and "Alice Named" in body and "We held two circles" in body
    assert "50.0%" in body and "No check-in yet" in body
    DialogueSession.objects.filter(pk=session.pk).update(attribution_default="not_for_attribution")
    body = client_for(p.convener).get(url).content.decode()
    # Chatham House: no name, no team; Alice's role is hers alone, so "A participant".
    assert "Host a listening circle" in body and "Alice Named" not in body and "Law enforcement" not in body
    assert "A participant" in body
    DialogueSession.objects.filter(pk=session.pk).update(attribution_default="off_record")
    body = client_for(p.convener).get(url).content.decode()
    assert "Host a listening circle" not in body and "We held two circles" not in body
    assert "Not attributed" in body and "Off the record: not shown" in body
    body = client_for(p.convener).get(url, {"theme": published.theme.pk}).content.decode()
    assert f"Meeting {session.meeting.number}</th>" in body and "<td>2</td>" in body


def test_follow_through_counts_only_named_words_by_team(published, client_for):
    from archives.selectors import followthrough_get

    data = followthrough_get(member=published.people.convener, theme=published.theme)
    team_key = str(published.people.team.pk)
    number = published.session.meeting.number
    # Alice's named words count for her team; Bob's not-for-attribution and
    # Carol's anonymous words for no team.
    assert data.words[team_key] == {number: 1}
    assert str(published.people.other_team.pk) not in data.words
    assert data.anonymous_words == {number: 2}
