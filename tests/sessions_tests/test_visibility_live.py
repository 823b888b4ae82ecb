"""The visibility policy over the websocket: hello, live events, replay, after close.

Each test takes the side of the person who must not see: another participant
or a facilitator facing anonymous words, a reader replaying a withdrawn or
edited text, anyone opening the room after close.
"""

import json

import pytest
from asgiref.sync import sync_to_async

from sessions.models import Contribution

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "The night my brother was stopped on Fourth Street"


def _names(member) -> list[str]:
    team = member.team
    return [member.display_name] + ([team.community_name] if team is not None else [])


def _contribution_frames(frames: list[dict], contribution_id: int) -> list[dict]:
    out = []
    for f in frames:
        if f.get("type") != "event":
            continue
        c = f.get("contribution")
        if (isinstance(c, dict) and c.get("id") == contribution_id) or f.get("contribution_id") == contribution_id:
            out.append(f)
    return out


async def test_anonymous_words_name_nobody_but_their_author(room, open_session, facilitator, participant, make_member):
    """Live, in every frame another participant or a facilitator receives:
    no name, role, team or member id; the author's own tabs see their own."""
    other = await room(await sync_to_async(make_member)("participant", display_name="Olive Other"), open_session)
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    me_too = await room(participant, open_session)  # the author's second tab
    ack = await me.request(
        {"type": "contribute", "client_id": "a1", "text": SECRET, "kind": "story", "consent": "anonymous"}
    )
    cid = ack["contribution_id"]
    await me.request({"type": "contribution_edit", "contribution_id": cid, "text": SECRET + "."})
    for reader in (other, fac):
        frames = await reader.drain(quiet=0.4)
        about = _contribution_frames(frames, cid)
        assert [f["event"] for f in about] == ["contribution_added", "contribution_edited"]
        added = about[0]["contribution"]
        assert added["author"] == {
            "id": None,
            "display_name": "Anonymous",
            "team": None,
            "stakeholder_role": None,
            "exchange_role": None,
        }
        assert added["author_hidden"] is True and added["text"] == SECRET
        for f in about:
            assert f["actor"] is None
            text = json.dumps(f)
            for name in _names(participant):
                assert name not in text
            assert participant.stakeholder_role not in text
    own = _contribution_frames(await me_too.drain(quiet=0.4), cid)
    assert own[0]["contribution"]["author"]["id"] == participant.pk
    assert own[0]["contribution"]["author_hidden"] is False and own[1]["actor"] == participant.pk

    # A fresh hello renders the same way for each reader.
    for member, expect_id in ((facilitator, None), (participant, participant.pk)):
        hello = (await room(member, open_session)).hello
        shown = next(c for c in hello["state"]["contributions"] if c["id"] == cid)
        assert shown["author"]["id"] == expect_id


async def test_a_reply_to_anonymous_words_does_not_name_their_author(room, open_session, participant, make_member):
    """ "In reply to …" is drawn from the parent as the reader may see it."""
    replier = await sync_to_async(make_member)("participant", display_name="Rosa Replier")
    me = await room(participant, open_session)
    ack = await me.request(
        {"type": "contribute", "client_id": "p1", "text": SECRET, "kind": "story", "consent": "anonymous"}
    )
    them = await room(replier, open_session)
    await them.request(
        {
            "type": "contribute",
            "client_id": "r1",
            "text": "I hear you",
            "kind": "response",
            "reply_to": ack["contribution_id"],
        }
    )
    hello = (await room(replier, open_session)).hello
    parent = next(c for c in hello["state"]["contributions"] if c["id"] == ack["contribution_id"])
    assert parent["author"]["display_name"] == "Anonymous"
    assert participant.display_name not in json.dumps(hello["state"]["contributions"])


async def test_switching_to_anonymous_hides_the_name_at_once_and_on_replay(
    room, open_session, participant, make_member
):
    """consent_changed carries the identity the audience may now see, and a
    replay renders the earlier contribution_added from the current consent."""
    other = await room(await sync_to_async(make_member)("participant"), open_session)
    since = other.hello["last_seq"]
    me = await room(participant, open_session)
    ack = await me.request({"type": "contribute", "client_id": "n1", "text": SECRET, "kind": "story"})
    await me.request({"type": "consent_set", "contribution_id": ack["contribution_id"], "consent": "anonymous"})
    changed = await other.event("consent_changed")
    assert changed["author"]["id"] is None and changed["author_hidden"] is True and changed["actor"] is None
    own = await me.event("consent_changed")
    assert own["author"]["id"] == participant.pk

    replayed = await other.replay(since)
    about = _contribution_frames(replayed, ack["contribution_id"])
    assert about and all(participant.display_name not in json.dumps(f) for f in about)
    assert about[0]["contribution"]["author"]["id"] is None


async def test_replay_never_carries_withdrawn_or_earlier_words(room, open_session, participant, make_member):
    """A withdrawn text and an edited text's earlier version never go out again."""
    other = await room(await sync_to_async(make_member)("participant"), open_session)
    since = other.hello["last_seq"]
    me = await room(participant, open_session)
    first = await me.request(
        {"type": "contribute", "client_id": "e1", "text": "first draft " + SECRET, "kind": "story"}
    )
    await me.request({"type": "contribution_edit", "contribution_id": first["contribution_id"], "text": "Better words"})
    gone = await me.request({"type": "contribute", "client_id": "w1", "text": "taken back " + SECRET, "kind": "story"})
    await me.request({"type": "contribution_withdraw", "contribution_id": gone["contribution_id"]})
    await other.drain(quiet=0.3)
    replayed = await other.replay(since)
    text = json.dumps(replayed)
    assert SECRET not in text and "Better words" in text
    withdrawn = _contribution_frames(replayed, gone["contribution_id"])
    assert [f["event"] for f in withdrawn] == ["contribution_added", "contribution_withdrawn"]
    assert all("contribution" not in f and f["actor"] is None for f in withdrawn)
    hello = (await room(await sync_to_async(make_member)("participant"), open_session)).hello
    assert gone["contribution_id"] not in [c["id"] for c in hello["state"]["contributions"]]


@pytest.mark.parametrize("who", ["never_there", "convener", "author", "facilitator"])
async def test_after_close_the_room_shows_no_words_to_anyone(
    room, open_session, facilitator, participant, make_member, who
):
    """The websocket is no back door after close: hello and a replay from 0
    carry no words and no speaker of any contribution, whoever asks."""
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    for consent in ("named", "not_for_attribution", "anonymous", "off_record"):
        await me.request(
            {
                "type": "contribute",
                "client_id": consent,
                "text": f"{SECRET} ({consent})",
                "kind": "story",
                "consent": consent,
            }
        )
    await fac.request({"type": "note_save", "text": "private note " + SECRET})
    await fac.request({"type": "session_close"})
    await me.close()
    reader = {
        "never_there": await sync_to_async(make_member)("participant", display_name="Never There"),
        "convener": await sync_to_async(make_member)("convener"),
        "author": participant,
        "facilitator": facilitator,
    }[who]
    tab = await room(reader, open_session)
    assert tab.hello["state"]["contributions"] == [] and tab.hello["state"]["note"] is None
    frames = [tab.hello, *await tab.replay(0)]
    text = json.dumps(frames)
    assert SECRET not in text
    for f in frames:
        if f.get("event") in ("contribution_added", "contribution_edited", "consent_changed"):
            assert set(f) <= {"type", "seq", "event", "at", "actor"} and f["actor"] is None
    assert await Contribution.objects.filter(session=open_session).acount() == 4


async def test_moving_anonymous_words_off_the_record_keeps_them_unnamed(room, open_session, participant, make_member):
    """Asking for more privacy never unmasks anyone: anonymous words moved off
    the record stay "Anonymous" live, in a fresh hello and on replay; choosing
    to be named again shows the name."""
    other = await room(await sync_to_async(make_member)("participant"), open_session)
    since = other.hello["last_seq"]
    me = await room(participant, open_session)
    ack = await me.request(
        {"type": "contribute", "client_id": "h1", "text": SECRET, "kind": "story", "consent": "anonymous"}
    )
    cid = ack["contribution_id"]
    await me.request({"type": "consent_set", "contribution_id": cid, "consent": "off_record"})
    changed = await other.event("consent_changed")
    assert changed["author"]["id"] is None and changed["actor"] is None and changed["consent"] == "off_record"
    hello = (await room(await sync_to_async(make_member)("participant"), open_session)).hello
    assert next(c for c in hello["state"]["contributions"] if c["id"] == cid)["author"]["id"] is None
    replayed = await other.replay(since)
    assert participant.display_name not in json.dumps(list(_contribution_frames(replayed, cid)))
    await me.request({"type": "consent_set", "contribution_id": cid, "consent": "named"})
    assert (await other.event("consent_changed"))["author"]["id"] == participant.pk


async def test_after_close_nothing_says_who_held_the_floor(room, open_session, facilitator, participant, make_member):
    """After close a replay's events about the queue, turns and presence come
    bare, and a hello (a member's or a projector's) carries no queue: the hand
    last called is retired, so nobody can set the floor beside the archive's order."""
    from .conftest import project

    fac = await room(facilitator, open_session)
    reader = await room(await sync_to_async(make_member)("convener"), open_session)
    me = await room(participant, open_session)
    await me.request({"type": "hand_raise", "kind": "new_point"})
    await fac.request({"type": "queue_call_next"})
    await me.request({"type": "contribute", "client_id": "q1", "text": SECRET, "kind": "story", "consent": "anonymous"})
    await fac.request({"type": "session_close"})
    await reader.drain()
    replayed = await reader.replay(reader.hello["last_seq"])
    assert {f["event"] for f in replayed} >= {"hand_raised", "queue_called", "contribution_added", "session_closed"}
    for f in replayed:
        if f["event"] != "session_closed":
            assert set(f) == {"type", "seq", "event", "at", "actor"} and f["actor"] is None, f
    assert participant.display_name not in json.dumps(replayed)
    for hello in (reader.hello, (await project(facilitator, open_session)).hello):
        assert hello["state"]["queue"] == [] and hello["state"]["queue_current"] is None
        assert participant.display_name not in json.dumps(hello["state"]["queue_current"])


async def test_a_deactivated_account_can_neither_act_nor_replay(room, open_session, participant):
    """Rights follow the person even when the message closing the socket is
    lost: a deactivated account's open socket is refused actions and replays."""
    from participants.models import User

    tab = await room(participant, open_session)
    await User.objects.filter(pk=participant.user_id).aupdate(is_active=False)
    refused = await tab.request({"type": "contribute", "client_id": "d1", "text": "Still here?", "kind": "story"})
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    await tab.send({"type": "resume", "since": 0})
    answer = await tab.recv()
    while answer["type"] == "presence":  # who is in the room comes whenever it changes, unasked
        answer = await tab.recv()
    assert answer["type"] == "error" and answer["code"] == "forbidden"
    assert not await Contribution.objects.filter(text="Still here?").aexists()


async def test_words_shared_off_the_record_leave_the_private_note_at_close(
    room, open_session, facilitator, participant
):
    """The note a shared part came from keeps the rest, not the words erased at
    the close; a closed session takes no more notes."""
    from sessions.models import ReflectionNote

    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    await me.request({"type": "note_save", "text": f"Keep this line. {SECRET}"})
    shared = await me.request({"type": "note_share", "client_id": "s1", "text": SECRET, "consent": "off_record"})
    assert shared["type"] == "ack"
    await fac.request({"type": "session_close"})
    note = await ReflectionNote.objects.aget(session=open_session, member=participant)
    assert SECRET not in note.text and "Keep this line." in note.text
    again = await me.request({"type": "note_save", "text": SECRET})
    assert again["code"] == "session_closed"


async def test_every_wording_of_a_shared_note_leaves_the_private_note_at_close(
    room, open_session, facilitator, participant
):
    """A note shared off the record and then edited: neither wording stays in the private note."""
    from sessions.models import ReflectionNote

    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    first, second = "First wording of it.", "Second wording of it."
    await me.request({"type": "note_save", "text": f"Mine alone. {first} {second}"})
    shared = await me.request({"type": "note_share", "client_id": "w1", "text": first, "consent": "off_record"})
    await me.request({"type": "contribution_edit", "contribution_id": shared["contribution_id"], "text": second})
    await fac.request({"type": "session_close"})
    note = await ReflectionNote.objects.aget(session=open_session, member=participant)
    assert first not in note.text and second not in note.text and "Mine alone." in note.text


async def test_words_carry_their_language_where_the_room_knows_who_wrote_them(
    room, open_session, facilitator, participant
):
    """The ``lang`` a contribution was sent with is stored and shown with the
    words, except to readers who may not know who wrote them: there it could
    narrow down the author (the one person whose page is in Spanish)."""
    fac = await room(facilitator, open_session)
    me = await room(participant, open_session)
    named = await me.request({"type": "contribute", "client_id": "l1", "text": "Confianza", "lang": "es"})
    hidden = await me.request(
        {"type": "contribute", "client_id": "l2", "text": "Paciencia", "consent": "anonymous", "lang": "es"}
    )
    stored = await sync_to_async(dict)(Contribution.objects.values_list("client_id", "language"))
    assert stored == {"l1": "es", "l2": "es"}

    def lang_of(frames: list[dict], cid: int) -> str:
        (added,) = [f for f in _contribution_frames(frames, cid) if f["event"] == "contribution_added"]
        return added["contribution"]["lang"]

    frames = await fac.drain(quiet=0.4)
    assert lang_of(frames, named["contribution_id"]) == "es"
    assert lang_of(frames, hidden["contribution_id"]) == ""
    own = await me.drain(quiet=0.4)
    assert lang_of(own, hidden["contribution_id"]) == "es"
    hello = (await room(facilitator, open_session)).hello
    shown = {c["id"]: c["lang"] for c in hello["state"]["contributions"]}
    assert shown == {named["contribution_id"]: "es", hidden["contribution_id"]: ""}

    # Made anonymous afterwards: the language leaves the other screens with the name.
    await me.request({"type": "consent_set", "contribution_id": named["contribution_id"], "consent": "anonymous"})
    (changed,) = [
        f
        for f in _contribution_frames(await fac.drain(quiet=0.4), named["contribution_id"])
        if f["event"] == "consent_changed"
    ]
    assert changed["author_hidden"] is True and changed["lang"] == ""
    (mine,) = [
        f
        for f in _contribution_frames(await me.drain(quiet=0.4), named["contribution_id"])
        if f["event"] == "consent_changed"
    ]
    assert mine["lang"] == "es"

    # A language the product does not know is refused, and nothing is stored.
    refused = await me.request({"type": "contribute", "client_id": "l3", "text": "Hola", "lang": "xx"})
    assert refused["type"] == "error" and refused["code"] == "bad_request"
    assert not await sync_to_async(Contribution.objects.filter(client_id="l3").exists)()
