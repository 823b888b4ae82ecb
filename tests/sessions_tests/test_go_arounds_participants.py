"""Go-arounds take the participants present; facilitators, conveners and
scribes take a turn only when the facilitator includes them. Opening a
session starts its first phase, so "Next phase" then goes to the second.
Refused requests change nothing."""

import pytest
from asgiref.sync import sync_to_async

from sessions import services
from sessions.models import RoomState, Round, Turn
from sessions.protocol import ErrorCode, RoomError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def _present(session, *members):
    for i, m in enumerate(members):
        services.presence_join(session_id=session.pk, member=m, channel_name=f"go-around.{m.pk}.{i}")


def _turn_holders(round_id):
    return list(Turn.objects.filter(round_id=round_id).order_by("position").values_list("member_id", flat=True))


@pytest.fixture
def present(open_session, facilitator, scribe, make_member):
    people = [make_member("participant", display_name=f"Person {n}") for n in range(3)]
    _present(open_session, facilitator, scribe, *people)
    return people


def test_a_go_around_takes_the_participants_by_default(open_session, facilitator, scribe, present):
    result = services.round_start(session_id=open_session.pk, member=facilitator, order="by_team")
    holders = _turn_holders(result["round_id"])
    assert sorted(holders) == sorted(m.pk for m in present)
    assert facilitator.pk not in holders and scribe.pk not in holders


def test_including_facilitators_and_scribes_adds_them(open_session, facilitator, scribe, present):
    result = services.round_start(
        session_id=open_session.pk, member=facilitator, order="random", include_facilitators=True
    )
    holders = _turn_holders(result["round_id"])
    assert sorted(holders) == sorted([facilitator.pk, scribe.pk, *(m.pk for m in present)])


def test_an_arranged_order_naming_a_scribe_must_include_them(open_session, facilitator, scribe, present):
    before = RoomState.objects.get(session=open_session).last_seq
    with pytest.raises(RoomError) as refused:
        services.round_start(
            session_id=open_session.pk, member=facilitator, order="arranged", member_ids=[present[0].pk, scribe.pk]
        )
    assert refused.value.code == ErrorCode.BAD_REQUEST
    assert "Include facilitators and scribes" in refused.value.message
    assert not Round.objects.filter(session=open_session).exists()
    assert RoomState.objects.get(session=open_session).last_seq == before
    result = services.round_start(
        session_id=open_session.pk,
        member=facilitator,
        order="arranged",
        member_ids=[scribe.pk, present[0].pk],
        include_facilitators=True,
    )
    assert _turn_holders(result["round_id"]) == [scribe.pk, present[0].pk]


def test_no_participant_present_is_a_conflict_unless_others_are_included(open_session, facilitator, scribe):
    _present(open_session, facilitator, scribe)
    with pytest.raises(RoomError) as refused:
        services.round_start(session_id=open_session.pk, member=facilitator, order="by_team")
    assert refused.value.code == ErrorCode.CONFLICT and "No participant" in refused.value.message
    assert not Round.objects.filter(session=open_session).exists()


def test_opening_starts_the_first_phase_and_next_goes_to_the_second(live_session, facilitator):
    phases = list(live_session.phases.order_by("order"))
    services.session_open(session_id=live_session.pk, member=facilitator)
    assert RoomState.objects.get(session=live_session).current_phase_id == phases[0].pk
    services.phase_advance(session_id=live_session.pk, member=facilitator)
    assert RoomState.objects.get(session=live_session).current_phase_id == phases[1].pk


async def _last_seq(session) -> int:
    return (await RoomState.objects.aget(session=session)).last_seq


async def test_a_participant_may_not_start_a_go_around_or_include_anyone(room, open_session, participant, facilitator):
    me = await room(participant, open_session)
    await room(facilitator, open_session)
    before = await _last_seq(open_session)
    for frame in (
        {"type": "round_start", "order": "by_team"},
        {"type": "round_start", "order": "random", "include_facilitators": True},
        {"type": "round_start", "order": "arranged", "member_ids": [facilitator.pk], "include_facilitators": True},
    ):
        answer = await me.request(frame)
        assert answer["type"] == "error" and answer["code"] == "forbidden", answer
    assert await _last_seq(open_session) == before
    assert not await sync_to_async(Round.objects.filter(session=open_session).exists)()


async def test_include_facilitators_must_be_true_or_false(room, open_session, facilitator, participant):
    fac = await room(facilitator, open_session)
    await room(participant, open_session)
    before = await _last_seq(open_session)
    for value in ("yes", 1, None):
        answer = await fac.request({"type": "round_start", "order": "random", "include_facilitators": value})
        assert answer["code"] == "bad_request", answer
    assert await _last_seq(open_session) == before
    ok = await fac.request({"type": "round_start", "order": "random", "include_facilitators": True})
    assert ok["type"] == "ack"
    started = await fac.event("round_started")
    assert {t["member"]["id"] for t in started["round"]["turns"]} == {facilitator.pk, participant.pk}
