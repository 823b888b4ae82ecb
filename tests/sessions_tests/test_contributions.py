"""Contributions over the socket: acks, idempotent resends, edits with
history, withdrawal, consent, acknowledgements, and every refusal code."""

import json
import uuid

import pytest

from sessions.models import Acknowledgement, Contribution, ContributionRevision, RoomState, SessionEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def cid() -> str:
    return str(uuid.uuid4())


async def last_seq(session) -> int:
    return (await RoomState.objects.aget(session=session)).last_seq


async def test_contribute_is_acked_and_broadcast(room, open_session, participant, facilitator):
    """The author gets an ack with the seq; everyone gets the event."""
    other = await room(facilitator, open_session)
    me = await room(participant, open_session)
    client_id = cid()
    ack = await me.request(
        {"type": "contribute", "client_id": client_id, "text": "  We walked the beat.  ", "kind": "story"}
    )
    assert ack["type"] == "ack" and ack["client_id"] == client_id and ack["action"] == "contribute"
    event = await other.event("contribution_added")
    assert event["seq"] == ack["seq"]
    c = event["contribution"]
    assert c["id"] == ack["contribution_id"]
    assert c["text"] == "We walked the beat."
    assert c["author"]["id"] == participant.pk and c["author"]["display_name"] == participant.display_name
    assert c["consent"] == "named"  # the session's default
    assert c["phase_id"] == (await RoomState.objects.aget(session=open_session)).current_phase_id


async def test_same_client_id_three_times_stores_one(room, open_session, participant):
    """Resending after a reconnect stores nothing new and repeats the first ack."""
    me = await room(participant, open_session)
    frame = {"type": "contribute", "client_id": cid(), "text": "Once only", "kind": "story"}
    acks = [await me.request(frame) for _ in range(3)]
    assert {a["seq"] for a in acks} == {acks[0]["seq"]}
    assert {a["contribution_id"] for a in acks} == {acks[0]["contribution_id"]}
    assert await Contribution.objects.acount() == 1
    assert await SessionEvent.objects.filter(name="contribution_added").acount() == 1


async def test_someone_elses_client_id_is_a_conflict(room, open_session, participant, make_member):
    mine = await room(participant, open_session)
    theirs = await room(await _member(make_member), open_session)
    client_id = cid()
    await mine.request({"type": "contribute", "client_id": client_id, "text": "Mine", "kind": "story"})
    error = await theirs.request({"type": "contribute", "client_id": client_id, "text": "Theirs", "kind": "story"})
    assert error["code"] == "conflict"
    assert await Contribution.objects.acount() == 1


async def _member(make_member, role="participant"):
    from asgiref.sync import sync_to_async

    return await sync_to_async(make_member)(role)


async def test_text_is_stored_as_plain_text(room, open_session, participant):
    me = await room(participant, open_session)
    text = "<script>alert(1)</script> & <b>bold</b>"
    ack = await me.request({"type": "contribute", "client_id": cid(), "text": text, "kind": "question"})
    assert (await Contribution.objects.aget(pk=ack["contribution_id"])).text == text


@pytest.mark.parametrize(
    "frame, code",
    [
        ("not json", "bad_request"),
        ("[1, 2]", "bad_request"),
        ({"type": "shout"}, "bad_request"),
        ({"type": "contribute", "text": "no client id", "kind": "story"}, "bad_request"),
        ({"type": "contribute", "client_id": "x", "kind": "story"}, "bad_request"),
        ({"type": "contribute", "client_id": "x", "text": "   ", "kind": "story"}, "bad_request"),
        ({"type": "contribute", "client_id": "x", "text": "hi", "kind": "rant"}, "bad_request"),
        ({"type": "contribute", "client_id": "x", "text": 5, "kind": "story"}, "bad_request"),
        ({"type": "contribute", "client_id": "x", "text": "hi", "reply_to": "7"}, "bad_request"),
        ({"type": "contribute", "client_id": "x", "text": "hi", "consent": "secret"}, "bad_request"),
        ({"type": "contribute", "client_id": "x", "text": "a" * 4001, "kind": "story"}, "too_long"),
        ({"type": "contribute", "client_id": "x", "text": "hi", "reply_to": 987654}, "not_found"),
        ({"type": "acknowledge", "contribution_id": 987654}, "not_found"),
        ({"type": "acknowledge", "contribution_id": True}, "bad_request"),
    ],
)
async def test_bad_frames_change_nothing_and_keep_the_socket(room, open_session, participant, frame, code):
    me = await room(participant, open_session)
    before = await last_seq(open_session)
    raw = frame if isinstance(frame, str) else json.dumps(frame)
    error = await me.request(raw)
    assert error["type"] == "error" and error["code"] == code and error["message"]
    if isinstance(frame, dict) and "client_id" in frame:
        assert error["client_id"] == frame["client_id"]
    assert await last_seq(open_session) == before
    assert await Contribution.objects.acount() == 0
    # Still connected: the next good frame works.
    ack = await me.request({"type": "contribute", "client_id": cid(), "text": "Still here", "kind": "story"})
    assert ack["type"] == "ack"


async def test_oversize_frame_is_too_long(room, open_session, participant, settings):
    me = await room(participant, open_session)
    frame = {"type": "contribute", "client_id": "big", "text": "a" * 70000}
    error = await me.request(frame)
    assert error["code"] == "too_long"
    assert await Contribution.objects.acount() == 0


async def test_rate_limit(room, open_session, participant, settings):
    """Past RATE_PER_10S frames in a burst, frames are refused, not stored."""
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "RATE_PER_10S": 5}
    me = await room(participant, open_session)
    answers = []
    for i in range(8):
        answers.append(await me.request({"type": "contribute", "client_id": f"r{i}", "text": f"n{i}", "kind": "story"}))
    codes = [a.get("code") for a in answers]
    assert codes[:5] == [None] * 5
    assert codes[5:] == ["rate_limited"] * 3
    assert answers[5]["client_id"] == "r5"
    assert await Contribution.objects.acount() == 5


async def test_contributions_held_while_paused(room, open_session, participant, facilitator):
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    assert (await fac.request({"type": "pause"}))["type"] == "ack"
    event = await me.event("session_paused")
    assert event["paused"] is True
    before = await last_seq(open_session)
    error = await me.request({"type": "contribute", "client_id": "p1", "text": "Now?", "kind": "story"})
    assert error["code"] == "paused" and error["client_id"] == "p1"
    assert await last_seq(open_session) == before
    await fac.request({"type": "resume_room"})
    await me.event("session_resumed")
    assert (await me.request({"type": "contribute", "client_id": "p1", "text": "Now?", "kind": "story"}))[
        "type"
    ] == "ack"


async def test_scheduled_and_closed_sessions_refuse_contributions(room, live_session, participant, facilitator):
    me = await room(participant, live_session)
    error = await me.request({"type": "contribute", "client_id": "s1", "text": "Early", "kind": "story"})
    assert error["code"] == "session_closed"
    fac = await room(facilitator, live_session)
    await fac.request({"type": "session_open"})
    await fac.request({"type": "session_close"})
    error = await me.request({"type": "contribute", "client_id": "s2", "text": "Late", "kind": "story"})
    assert error["code"] == "session_closed"
    assert await Contribution.objects.acount() == 0


async def test_edit_keeps_revisions_and_withdraw_hides(room, open_session, participant, facilitator):
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    ack = await me.request({"type": "contribute", "client_id": "e1", "text": "First words", "kind": "story"})
    cid_ = ack["contribution_id"]
    edit = await me.request({"type": "contribution_edit", "contribution_id": cid_, "text": "Better words"})
    assert edit["type"] == "ack" and edit["seq"] == ack["seq"] + 1
    event = await fac.event("contribution_edited")
    assert event["text"] == "Better words" and event["revisions"] == 1 and event["contribution_id"] == cid_
    assert [r.text async for r in ContributionRevision.objects.filter(contribution_id=cid_)] == ["First words"]

    withdraw = await me.request({"type": "contribution_withdraw", "contribution_id": cid_})
    assert withdraw["type"] == "ack"
    assert (await fac.event("contribution_withdrawn"))["contribution_id"] == cid_
    again = await room(participant, open_session)
    assert again.hello["state"]["contributions"] == []
    assert (await me.request({"type": "contribution_edit", "contribution_id": cid_, "text": "x"}))["code"] == (
        "not_found"
    )


async def test_others_may_not_edit_or_set_consent(room, open_session, participant, make_member):
    author = await room(participant, open_session)
    other = await room(await _member(make_member), open_session)
    ack = await author.request({"type": "contribute", "client_id": "o1", "text": "Mine", "kind": "story"})
    before = await last_seq(open_session)
    for frame in (
        {"type": "contribution_edit", "contribution_id": ack["contribution_id"], "text": "Theirs"},
        {"type": "contribution_withdraw", "contribution_id": ack["contribution_id"]},
        {"type": "consent_set", "contribution_id": ack["contribution_id"], "consent": "anonymous"},
    ):
        assert (await other.request(frame))["code"] == "forbidden"
    assert await last_seq(open_session) == before
    c = await Contribution.objects.aget(pk=ack["contribution_id"])
    assert (c.text, c.consent, c.withdrawn_at) == ("Mine", "named", None)


async def test_consent_set_by_author(room, open_session, participant, facilitator):
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    ack = await me.request({"type": "contribute", "client_id": "c1", "text": "Hm", "kind": "story", "consent": "named"})
    answer = await me.request(
        {"type": "consent_set", "contribution_id": ack["contribution_id"], "consent": "anonymous"}
    )
    assert answer["type"] == "ack"
    event = await fac.event("consent_changed")
    assert event["consent"] == "anonymous"
    assert (await Contribution.objects.aget(pk=ack["contribution_id"])).consent == "anonymous"


async def test_acknowledge_once_not_own(room, open_session, participant, facilitator):
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    ack = await fac.request({"type": "contribute", "client_id": "a1", "text": "A story", "kind": "story"})
    target = ack["contribution_id"]
    heard = await me.request({"type": "acknowledge", "contribution_id": target, "reflection": "Trust came slowly."})
    assert heard["type"] == "ack"
    event = await fac.event("acknowledgement_added")
    assert (event["member_id"], event["acks"], event["reflection"]) == (participant.pk, 1, "Trust came slowly.")
    assert (await me.request({"type": "acknowledge", "contribution_id": target}))["code"] == "conflict"
    assert (await fac.request({"type": "acknowledge", "contribution_id": target}))["code"] == "conflict"
    too_long = await me.request({"type": "acknowledge", "contribution_id": target, "reflection": "x" * 281})
    assert too_long["code"] == "too_long"
    assert await Acknowledgement.objects.acount() == 1
    fresh = await room(participant, open_session)
    [c] = fresh.hello["state"]["contributions"]
    assert c["acks"] == 1 and c["acked_by_me"] is True


async def test_reply_to(room, open_session, participant, facilitator):
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    first = await fac.request({"type": "contribute", "client_id": "q", "text": "Why?", "kind": "question"})
    reply = await me.request(
        {
            "type": "contribute",
            "client_id": "r",
            "text": "Because.",
            "kind": "response",
            "reply_to": first["contribution_id"],
        }
    )
    assert (await Contribution.objects.aget(pk=reply["contribution_id"])).reply_to_id == first["contribution_id"]
