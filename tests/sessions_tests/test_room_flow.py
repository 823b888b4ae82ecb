"""Running the room: phases, queue, rounds, reflection with private notes,
pause signals, scribe capture, themes, and the close with commitments."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from participants.models import Commitment
from sessions.models import (
    Contribution,
    ContributionRevision,
    PauseSignal,
    QueueEntry,
    ReflectionNote,
    RoomState,
    SessionEvent,
    Theme,
    Turn,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def make(make_member, role="participant", **kwargs):
    return await sync_to_async(make_member)(role, **kwargs)


async def last_seq(session) -> int:
    return (await RoomState.objects.aget(session=session)).last_seq


async def test_open_starts_first_phase_and_seeds_themes(room, live_session, facilitator, participant):
    fac = await room(facilitator, live_session)
    me = await room(participant, live_session)
    ack = await fac.request({"type": "session_open"})
    assert ack["type"] == "ack"
    event = await me.event("session_opened")
    assert event["current_phase"]["title"] == "Opening round" and event["current_phase"]["planned_minutes"] == 30
    assert event["current_phase"]["started_at"]
    assert (await fac.request({"type": "session_open"}))["code"] == "conflict"
    names = {t.name async for t in Theme.objects.filter(exchange_id=live_session.meeting.exchange_id)}
    assert names == set(Theme.DEFAULTS)


async def test_a_tab_waiting_before_the_open_learns_the_starting_themes(room, live_session, facilitator, participant):
    """The starting themes are created at the first open; a tab that joined
    before then has them from ``session_opened``, without a fresh hello."""
    me = await room(participant, live_session)
    assert me.hello["state"]["themes"] == []
    fac = await room(facilitator, live_session)
    await fac.request({"type": "session_open"})
    event = await me.event("session_opened")
    assert sorted(t["name"] for t in event["themes"]) == sorted(Theme.DEFAULTS)
    fresh = await room(participant, live_session)
    assert event["themes"] == fresh.hello["state"]["themes"]


async def test_phases_advance_and_set(room, open_session, facilitator, participant):
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    assert me.hello["state"]["current_phase"]["title"] == "Opening round"
    await fac.request({"type": "phase_advance"})
    assert (await me.event("phase_changed"))["current_phase"]["title"] == "Stories"
    closing = me.hello["state"]["phases"][2]["id"]
    await fac.request({"type": "phase_set", "phase_id": closing})
    assert (await me.event("phase_changed"))["current_phase"]["id"] == closing
    assert (await fac.request({"type": "phase_advance"}))["code"] == "conflict"
    assert (await fac.request({"type": "phase_set", "phase_id": 999999}))["code"] == "not_found"


async def test_speaking_queue(room, open_session, facilitator, participant, make_member):
    """Direct replies go ahead of new points; the facilitator calls, reorders and clears."""
    fac = await room(facilitator, open_session)
    a = await room(participant, open_session)
    b_member = await make(make_member)
    b = await room(b_member, open_session)
    first = await a.request({"type": "hand_raise", "kind": "new_point"})
    again = await a.request({"type": "hand_raise", "kind": "new_point"})
    assert again["seq"] is None and again["entry_id"] == first["entry_id"]
    reply = await b.request({"type": "hand_raise", "kind": "direct_reply"})
    event = await fac.event("hand_raised")
    event = await fac.event("hand_raised")
    assert [e["id"] for e in event["queue"]] == [reply["entry_id"], first["entry_id"]]
    assert event["queue"][0]["member"]["id"] == b_member.pk

    await fac.request({"type": "queue_reorder", "order": [first["entry_id"], reply["entry_id"]]})
    assert [e["id"] for e in (await a.event("queue_reordered"))["queue"]] == [first["entry_id"], reply["entry_id"]]
    assert (await fac.request({"type": "queue_reorder", "order": [first["entry_id"]]}))["code"] == "conflict"

    await fac.request({"type": "queue_call_next"})
    called = await b.event("queue_called")
    assert called["entry"]["member"]["id"] == participant.pk and called["entry"]["status"] == "called"
    assert [e["id"] for e in called["queue"]] == [reply["entry_id"]]

    # Someone else's hand: only facilitators may lower it.
    assert (await a.request({"type": "hand_lower", "entry_id": reply["entry_id"]}))["code"] == "forbidden"
    await b.request({"type": "hand_raise", "kind": "direct_reply"})  # already up: no change
    await b.request({"type": "hand_lower"})
    assert (await a.event("hand_lowered"))["queue"] == []
    await a.request({"type": "hand_raise", "kind": "new_point"})
    await fac.request({"type": "queue_clear"})
    assert (await b.event("queue_cleared"))["queue"] == []
    assert not await QueueEntry.objects.filter(status="waiting").aexists()
    assert (await fac.request({"type": "queue_call_next"}))["code"] == "conflict"
    fresh = await room(participant, open_session)
    assert fresh.hello["state"]["queue"] == []
    assert fresh.hello["state"]["queue_current"]["member"]["id"] == participant.pk


async def test_go_around_round(room, open_session, facilitator, participant, make_member):
    """Turns pass in order; only the holder takes or passes; the round ends by itself."""
    fac = await room(facilitator, open_session)
    other_member = await make(make_member)
    me = await room(participant, open_session)
    other = await room(other_member, open_session)
    order = [participant.pk, other_member.pk, facilitator.pk]
    started = await fac.request(
        {
            "type": "round_start",
            "order": "arranged",
            "member_ids": order,
            "turn_seconds": 60,
            "include_facilitators": True,
        }
    )
    assert started["type"] == "ack" and started["round_id"]
    event = await me.event("round_started")
    rnd = event["round"]
    assert [t["member"]["id"] for t in rnd["turns"]] == order
    current = rnd["turns"][0]
    assert current["status"] == "current" and rnd["current_turn_id"] == current["id"]
    ends = dt.datetime.fromisoformat(current["ends_at"])
    assert 55 <= (ends - dt.datetime.fromisoformat(current["started_at"])).total_seconds() <= 61
    assert (await fac.request({"type": "round_start", "order": "random"}))["code"] == "conflict"

    before = await last_seq(open_session)
    assert (await other.request({"type": "turn_done"}))["code"] == "forbidden"
    assert await last_seq(open_session) == before

    await fac.request({"type": "turn_extend", "seconds": 30})
    extended = await me.event("turn_extended")
    assert dt.datetime.fromisoformat(extended["round"]["turns"][0]["ends_at"]) >= ends + dt.timedelta(seconds=29)

    await me.request({"type": "turn_done"})
    spoke = await other.event("turn_spoke")
    assert [t["status"] for t in spoke["round"]["turns"]] == ["spoke", "current", "pending"]
    await other.request({"type": "turn_pass"})
    passed = await me.event("turn_passed")
    assert [t["status"] for t in passed["round"]["turns"]] == ["spoke", "passed", "current"]
    await fac.request({"type": "turn_skip"})
    await me.event("turn_skipped")
    ended = await me.event("round_ended")
    assert ended["round"]["status"] == "ended"
    assert [t.status async for t in Turn.objects.order_by("position")] == ["spoke", "passed", "skipped"]
    assert (await me.request({"type": "turn_done"}))["code"] == "conflict"


async def test_round_by_team_and_end(room, open_session, facilitator, participant, make_member):
    fac = await room(facilitator, open_session)
    await room(participant, open_session)
    await fac.request({"type": "round_start", "order": "by_team"})
    rnd = (await fac.event("round_started"))["round"]
    # The participants only: the facilitator takes a turn only when included.
    assert {t["member"]["id"] for t in rnd["turns"]} == {participant.pk}
    assert rnd["turns"][0]["ends_at"] is None
    await fac.request({"type": "round_end"})
    assert (await fac.event("round_ended"))["round"]["status"] == "ended"
    bad = await fac.request({"type": "round_start", "order": "arranged", "member_ids": [999999]})
    assert bad["code"] == "not_found"


async def test_reflection_and_private_notes(room, open_session, facilitator, participant):
    """Notes go only to the author's own tabs and take no room seq; sharing posts a reflection."""
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    my_other_tab = await room(participant, open_session)
    await fac.request({"type": "reflection_start", "seconds": 120})
    started = await me.event("reflection_started")
    ends = dt.datetime.fromisoformat(started["reflection"]["ends_at"])
    assert 115 <= (ends - timezone.now()).total_seconds() <= 121
    await fac.drain()

    before = await last_seq(open_session)
    ack = await me.request({"type": "note_save", "text": "Something I noticed about my own police chief."})
    assert ack["seq"] is None
    private = await my_other_tab.recv_type("private")
    assert private["kind"] == "note" and private["note"]["text"].startswith("Something I noticed")
    assert await last_seq(open_session) == before
    assert not [f for f in await fac.drain() if f["type"] in ("private", "event")]
    assert (await room(facilitator, open_session)).hello["state"]["note"] is None
    assert (await room(participant, open_session)).hello["state"]["note"]["text"].startswith("Something")

    # Sharing says how the note may be recorded; without a choice nothing is shared.
    refused = await me.request({"type": "note_share", "client_id": "n0"})
    assert refused["type"] == "error" and refused["code"] == "bad_request"
    shared = await me.request({"type": "note_share", "client_id": "n1", "consent": "named"})
    added = await fac.event("contribution_added")
    assert added["contribution"]["kind"] == "reflection" and added["seq"] == shared["seq"]
    assert added["contribution"]["text"] == "Something I noticed about my own police chief."
    await fac.request({"type": "reflection_end"})
    await me.event("reflection_ended")
    assert (await fac.request({"type": "reflection_end"}))["code"] == "conflict"


async def test_pause_request_reaches_only_facilitators(room, open_session, facilitator, participant, make_member):
    fac = await room(facilitator, open_session)
    bystander = await room(await make(make_member), open_session)
    me = await room(participant, open_session)
    await fac.drain()
    await bystander.drain()
    before = await last_seq(open_session)
    ack = await me.request({"type": "pause_request"})
    assert ack["seq"] is None and ack["signal_id"]
    signal = await fac.recv_type("signal")
    assert signal["kind"] == "pause_request" and signal["signal"]["member"]["id"] == participant.pk
    assert not await bystander.drain()
    assert await last_seq(open_session) == before
    assert [s["id"] for s in (await room(facilitator, open_session)).hello["state"]["signals"]] == [ack["signal_id"]]
    assert (await room(participant, open_session)).hello["state"]["signals"] == []
    assert (await me.request({"type": "signal_dismiss", "signal_id": ack["signal_id"]}))["code"] == "forbidden"
    await fac.request({"type": "signal_dismiss", "signal_id": ack["signal_id"]})
    assert (await fac.recv_type("signal"))["kind"] == "signal_dismissed"
    assert (await PauseSignal.objects.aget()).dismissed_at is not None
    assert (await fac.request({"type": "signal_dismiss", "signal_id": ack["signal_id"]}))["code"] == "not_found"


async def test_scribe_captures_a_present_speaker(room, open_session, scribe, participant, make_member):
    s = await room(scribe, open_session)
    await room(participant, open_session)
    ack = await s.request(
        {"type": "capture", "client_id": "cap1", "speaker_member_id": participant.pk, "text": "She said this aloud."}
    )
    c = await Contribution.objects.aget(pk=ack["contribution_id"])
    assert (c.author_id, c.captured_by_id) == (participant.pk, scribe.pk)
    absent = await make(make_member)
    missing = await s.request({"type": "capture", "client_id": "cap2", "speaker_member_id": absent.pk, "text": "x"})
    assert missing["code"] == "not_found"
    assert await Contribution.objects.acount() == 1


async def test_themes(room, open_session, facilitator, participant):
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    themes = {t["name"]: t["id"] for t in me.hello["state"]["themes"]}
    assert set(themes) == set(Theme.DEFAULTS)
    made = await fac.request({"type": "theme_create", "name": "Youth voice"})
    assert (await me.event("theme_created"))["theme"] == {"id": made["theme_id"], "name": "Youth voice"}
    same = await fac.request({"type": "theme_create", "name": "youth VOICE"})
    assert same["theme_id"] == made["theme_id"] and same["seq"] is None
    c = await me.request({"type": "contribute", "client_id": "t", "text": "We don't trust them.", "kind": "story"})
    await fac.request(
        {"type": "theme_tag", "contribution_id": c["contribution_id"], "theme_id": themes["Mutual mistrust"]}
    )
    tagged = await me.event("theme_tagged")
    assert tagged["themes"] == [themes["Mutual mistrust"]]
    await fac.request(
        {"type": "theme_untag", "contribution_id": c["contribution_id"], "theme_id": themes["Mutual mistrust"]}
    )
    assert (await me.event("theme_untagged"))["themes"] == []
    assert (await fac.request({"type": "theme_tag", "contribution_id": c["contribution_id"], "theme_id": 99999}))[
        "code"
    ] == "not_found"


async def test_close_purges_off_the_record_text(room, open_session, facilitator, participant):
    """After the close, no off-the-record words remain anywhere in the database."""
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    secret = "The chief and I met privately about the shooting."
    off = await me.request(
        {"type": "contribute", "client_id": "off", "text": "draft " + secret, "kind": "story", "consent": "off_record"}
    )
    await me.request({"type": "contribution_edit", "contribution_id": off["contribution_id"], "text": secret})
    await fac.request({"type": "acknowledge", "contribution_id": off["contribution_id"], "reflection": secret[:40]})
    later = await me.request(
        {"type": "contribute", "client_id": "later", "text": "Later off " + secret, "kind": "story"}
    )
    await me.request({"type": "consent_set", "contribution_id": later["contribution_id"], "consent": "off_record"})
    kept = await me.request({"type": "contribute", "client_id": "on", "text": "On the record.", "kind": "story"})

    await fac.request({"type": "session_close"})
    closed = await me.event("session_closed")
    assert sorted(closed["purged"]) == sorted([off["contribution_id"], later["contribution_id"]])
    assert closed["commitments_until"]

    assert not await Contribution.objects.filter(text__contains="chief").aexists()
    assert not await ContributionRevision.objects.filter(text__contains="chief").aexists()
    async for event in SessionEvent.objects.all():
        assert "chief" not in str(event.payload), event.name
    from sessions.models import Acknowledgement

    assert not await Acknowledgement.objects.filter(reflection__contains="chief").aexists()
    assert (await Contribution.objects.aget(pk=kept["contribution_id"])).text == "On the record."
    # After close the live room shows no words to anyone: the archive is the only reader.
    again = await room(participant, open_session)
    assert again.hello["state"]["contributions"] == [] and again.hello["state"]["note"] is None
    assert again.hello["session"]["state"] == "closed"
    assert again.hello["session"]["archive_url"] == f"/sessions/{open_session.pk}/archive/review/"


async def test_commitments_in_closing_phase_and_after_close(room, open_session, facilitator, participant):
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    early = await me.request({"type": "commitment_set", "text": "Too early"})
    assert early["code"] == "session_closed"
    await fac.request({"type": "phase_set", "phase_id": me.hello["state"]["phases"][-1]["id"]})
    ack = await me.request({"type": "commitment_set", "text": "Hold a listening session with the youth council."})
    assert ack["type"] == "ack" and ack["seq"] is None
    private = await me.recv_type("private")
    assert private["kind"] == "commitment"
    stored = await Commitment.objects.aget(member=participant, session=open_session)
    # Its id lets the room link to the check-in on it.
    assert private["commitment"]["id"] == stored.pk
    await fac.request({"type": "session_close"})
    await me.request({"type": "commitment_set", "text": "Ride along with patrol and hold a listening session."})
    c = await Commitment.objects.aget(member=participant, session=open_session)
    assert c.text.startswith("Ride along")
    assert await Commitment.objects.acount() == 1
    again = (await room(participant, open_session)).hello["state"]["commitment"]
    assert again["text"].startswith("Ride along") and again["id"] == c.pk

    # The window after the close is limited.
    from sessions.models import DialogueSession

    await DialogueSession.objects.filter(pk=open_session.pk).aupdate(closed_at=timezone.now() - dt.timedelta(days=2))
    late = await me.request({"type": "commitment_set", "text": "Too late"})
    assert late["code"] == "session_closed"


async def test_not_yet_spoken_for_facilitators(room, open_session, facilitator, participant):
    me = await room(participant, open_session)
    await me.request({"type": "contribute", "client_id": "x", "text": "Hello", "kind": "story"})
    fac = await room(facilitator, open_session)
    assert fac.hello["state"]["not_yet_spoken"] == [facilitator.pk]


async def test_notes_stay_private_in_the_database(room, open_session, participant):
    me = await room(participant, open_session)
    await me.request({"type": "note_save", "text": "mine"})
    assert (await ReflectionNote.objects.aget()).text == "mine"
    assert not await SessionEvent.objects.filter(payload__icontains="mine").aexists()
