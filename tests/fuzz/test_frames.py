"""Fuzzing the live room's websocket through the real ASGI application.

Whatever a client sends — random JSON, a wrong type in any field of any
documented frame, huge or deeply nested values, odd unicode, non-JSON text,
binary frames, replayed and out-of-order resumes, ids from another session or
exchange — the server answers without a server error and keeps the socket
open; a refused frame gets exactly one ``error`` frame with a documented code
and leaves every row of the room (and the other rooms) exactly as it was.
"""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessions.models import Contribution, RoomState, SessionEvent

from .conftest import FUZZ
from .frames import (
    FRAME_TYPES,
    SPEC,
    any_text,
    fields,
    json_values,
    odd_text,
    plain_text,
    valid_frame,
    wrong_values,
)
from .harness import DOCUMENTED_CODES, ServerErrors, diff, snapshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


def _usable_client_id(raw) -> str | None:
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict) and isinstance(value.get("client_id"), str) and 0 < len(value["client_id"]) <= 64:
        return value["client_id"]
    return None


def exchange_frame(harness, client, errors: ServerErrors, raw, *, binary=False, refused_codes=None) -> dict:
    """Send one frame and check the invariants every answer obeys; return it.

    * the answer comes (ack, error, heartbeat or resumed) and the socket stays open;
    * an ``error`` carries a documented code (one of ``refused_codes`` when
      given), echoes a usable client_id, and nothing in the database changed;
    * no server error was logged.
    """
    before = snapshot()
    answer, _ = harness.answer(client, raw, binary=binary)
    after = snapshot()
    logged = errors.take()
    assert not logged, f"server error on {str(raw)[:300]!r}: {logged}"
    if refused_codes is not None:
        assert answer["type"] == "error", (str(raw)[:300], answer)
    if answer["type"] == "error":
        assert answer["code"] in (refused_codes or DOCUMENTED_CODES), (str(raw)[:300], answer)
        assert isinstance(answer.get("message"), str) and answer["message"]
        assert after == before, (str(raw)[:300], answer, diff(before, after))
        client_id = _usable_client_id(raw)
        # An oversize frame is refused unread, so it has no client_id to echo.
        if client_id is not None and len(raw.encode("utf-8", "surrogatepass")) <= 65536:
            assert answer.get("client_id") == client_id
    elif answer["type"] in ("heartbeat", "resumed"):
        assert after == before, (str(raw)[:300], answer, diff(before, after))
    return answer


def test_the_documented_frames_are_the_implemented_ones():
    """docs/protocol.md §5 and the server's validator list the same frame types
    and fields, with the same required fields (the fuzzer is written from the doc)."""
    from sessions.protocol import FRAMES

    assert set(SPEC) == set(FRAMES)
    for frame_type in SPEC:
        documented = {(name, required) for name, required, _ in fields(frame_type)}
        implemented = {(name, required) for name, (_, required) in FRAMES[frame_type].fields.items()}
        assert documented == implemented, frame_type


@given(data=st.data())
@FUZZ
def test_a_wrong_value_in_any_field_of_any_frame_is_refused(data, ours, harness):
    """One field of a well-formed frame replaced by a wrong type, an empty or
    over-long text, an out-of-range number or a missing required value:
    ``bad_request`` or ``too_long``, nothing changed. (Sent by a facilitator,
    who may send every frame type, so only validation can refuse it.)"""
    if not hasattr(harness, "fac"):
        harness.fac = harness.join(ours.facilitator, ours.session)
    frame_type = data.draw(st.sampled_from([t for t in FRAME_TYPES if SPEC[t]]), label="type")
    name, required, kind = data.draw(st.sampled_from(fields(frame_type)), label="field")
    frame = valid_frame(frame_type)
    frame[name] = data.draw(wrong_values(kind, required), label="value")
    exchange_frame(harness, harness.fac, harness.errors, json.dumps(frame), refused_codes={"bad_request", "too_long"})


def test_every_field_of_every_frame_refuses_each_kind_of_wrong_value(ours, harness):
    """A deterministic sweep, so every (frame type, field) pair is covered on
    every run: a missing required field, null, a boolean, a list, an object
    and a string or number of the wrong kind are all refused."""
    fac = harness.join(ours.facilitator, ours.session)
    with ServerErrors() as errors:
        for frame_type in FRAME_TYPES:
            for name, required, kind in fields(frame_type):
                # A boolean field's wrong boolean is a number standing for one.
                wrong = [1 if kind[0] == "bool" else True, ["x"] if kind[0] == "ids" else [1.5], {"a": 1}]
                wrong.append(7 if kind[0] in ("client_id", "text", "choice") else "7")
                if required:
                    wrong.append(None)
                for value in wrong:
                    frame = valid_frame(frame_type)
                    frame[name] = value
                    exchange_frame(harness, fac, errors, json.dumps(frame), refused_codes={"bad_request"})
                if required:
                    frame = valid_frame(frame_type)
                    del frame[name]
                    exchange_frame(harness, fac, errors, json.dumps(frame), refused_codes={"bad_request"})
        harness.assert_open(fac)


frame_like = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(FRAME_TYPES), any_text, json_values)},
        optional={
            "client_id": st.one_of(st.uuids().map(str), json_values),
            "text": json_values,
            "contribution_id": json_values,
            "since": json_values,
            "kind": json_values,
        },
    ),
)


@given(value=frame_like)
@FUZZ
def test_random_json_never_breaks_the_room(value, ours, harness):
    """Random JSON values, and objects with a real or random ``type`` and random
    fields, from a participant: always an answer on an open socket, a refused
    frame changes nothing and carries a documented code."""
    if not hasattr(harness, "me"):
        harness.me = harness.join(ours.participant, ours.session)
    exchange_frame(harness, harness.me, harness.errors, json.dumps(value))


@given(
    raw=st.one_of(
        st.text(max_size=200).filter(lambda s: not _is_json(s)),
        st.sampled_from(["", " ", "{", "}", "{'type': 'contribute'}", "NaN", "[1,", '{"type": "heartbeat"', "\x00"]),
    )
)
@FUZZ
def test_non_json_text_is_a_bad_request(raw, ours, harness):
    if not hasattr(harness, "me"):
        harness.me = harness.join(ours.participant, ours.session)
    exchange_frame(harness, harness.me, harness.errors, raw, refused_codes={"bad_request"})


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


@given(raw=st.one_of(st.binary(max_size=300), st.just(json.dumps({"type": "heartbeat"}).encode())))
@FUZZ
def test_binary_frames_are_bad_requests(raw, ours, harness):
    """The protocol is JSON text: a binary frame (even of valid JSON) is refused."""
    if not hasattr(harness, "me"):
        harness.me = harness.join(ours.participant, ours.session)
    exchange_frame(harness, harness.me, harness.errors, raw, binary=True, refused_codes={"bad_request"})


def test_huge_frames_and_values(ours, harness):
    """Over MAX_FRAME_BYTES (text or binary) and over each text limit:
    ``too_long``; huge values in the wrong field and moderately nested values:
    ``bad_request``; the socket stays open throughout."""
    me = harness.join(ours.participant, ours.session)
    c = str(uuid.uuid4())
    cases = [
        (json.dumps({"type": "contribute", "client_id": c, "text": "a" * 70_000}), False, {"too_long"}),
        (json.dumps({"type": "heartbeat", "pad": "a" * 70_000}), False, {"too_long"}),
        # Multi-byte characters: the limit is in bytes on the wire.
        (json.dumps({"type": "note_save", "text": "\u00e9" * 40_000}, ensure_ascii=False), False, {"too_long"}),
        (b"\x00" * 70_000, True, {"too_long"}),
        (json.dumps({"type": "contribute", "client_id": c, "text": "a" * 4001}), False, {"too_long"}),
        (json.dumps({"type": "contribute", "client_id": c, "text": "\U0001f600" * 4001}), False, {"too_long"}),
        (json.dumps({"type": "note_save", "text": "n" * 4001}), False, {"too_long"}),
        (json.dumps({"type": "commitment_set", "text": "n" * 2001}), False, {"too_long"}),
        (json.dumps({"type": "theme_create", "name": "n" * 61}), False, {"too_long", "forbidden"}),
        (json.dumps({"type": "acknowledge", "contribution_id": ours.contribution_ids[1], "reflection": "r" * 281}),
         False, {"too_long"}),
        (json.dumps({"type": "contribute", "client_id": "c" * 60_000, "text": "hi"}), False, {"bad_request"}),
        (json.dumps({"type": "resume", "since": "9" * 60_000}), False, {"bad_request"}),
        (json.dumps({"type": "contribute", "client_id": c, "text": 10**4000}), False, {"bad_request"}),
        ('{"type": "resume", "since": ' + "9" * 5000 + "}", False, {"bad_request"}),
        (json.dumps({"type": "contribute", "client_id": c, "text": _nest(300)}), False, {"bad_request"}),
        (json.dumps({"type": "queue_reorder", "order": list(range(1, 5000))}), False, {"bad_request", "forbidden"}),
    ]  # fmt: skip
    with ServerErrors() as errors:
        for raw, binary, codes in cases:
            exchange_frame(harness, me, errors, raw, binary=binary, refused_codes=codes)
        harness.assert_open(me)


def _nest(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@given(text=st.one_of(odd_text, st.tuples(plain_text, odd_text, plain_text).map("".join)))
@FUZZ
def test_odd_unicode_is_stored_exactly_or_refused(text, ours, harness):
    """RTL and bidi controls, zero-width characters, combining marks, emoji:
    a contribution is stored and broadcast as sent (trimmed of whitespace), or
    refused with ``bad_request`` when nothing but whitespace is left or when it
    holds NUL or a lone surrogate (escaped in the JSON), which no database
    stores the same way."""
    if not hasattr(harness, "me"):
        harness.me = harness.join(ours.participant, ours.session)
    raw = json.dumps({"type": "contribute", "client_id": str(uuid.uuid4()), "text": text})
    answer = exchange_frame(harness, harness.me, harness.errors, raw)
    unstorable = any("\x00" == ch or 0xD800 <= ord(ch) <= 0xDFFF for ch in text)
    if answer["type"] == "ack":
        stored = Contribution.objects.get(pk=answer["contribution_id"])
        assert stored.text == text.strip()
        event = SessionEvent.objects.get(session=ours.session, seq=answer["seq"])
        assert event.payload["contribution"]["text"] == text.strip()
    else:
        assert answer == {**answer, "type": "error", "code": "bad_request"}
        assert unstorable or not text.strip()
    if unstorable:
        assert answer["type"] == "error"


@given(since=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6))
@FUZZ
def test_resume_replays_exactly_what_was_missed_in_any_order(since, ours, harness):
    """Resumes repeated, out of order, from 0, from the present and from the
    future: each replays every event after ``since`` exactly once, in seq order,
    equal to the stored events, then ``resumed``; nothing changes."""
    if not hasattr(harness, "me"):
        harness.me = harness.join(ours.participant, ours.session)
    for value in since:
        before = snapshot()
        answer, replayed = harness.answer(harness.me, {"type": "resume", "since": value})
        assert answer["type"] == "resumed"
        assert snapshot() == before
        assert not harness.errors.take()
        last = RoomState.objects.get(session=ours.session).last_seq
        stored = list(SessionEvent.objects.filter(session=ours.session, seq__gt=value).order_by("seq"))
        events = [f for f in replayed if "seq" in f]  # not the unsequenced presence frames
        assert [(f["seq"], f["event"], f["actor"]) for f in events] == [(e.seq, e.name, e.actor_id) for e in stored]
        if value <= last:
            assert answer["last_seq"] == last


def _foreign_frames(ours, theirs, sibling) -> list[tuple[str, dict]]:
    """(role, frame) pairs naming ids that are not this session's."""
    mine = ours.contribution_ids[0]
    out = []
    for other in (theirs, sibling):
        for contribution_id in other.contribution_ids:
            out += [
                ("participant", {"type": "contribution_edit", "contribution_id": contribution_id, "text": "Mine now"}),
                ("participant", {"type": "contribution_withdraw", "contribution_id": contribution_id}),
                ("facilitator", {"type": "contribution_withdraw", "contribution_id": contribution_id}),
                ("participant", {"type": "consent_set", "contribution_id": contribution_id, "consent": "off_record"}),
                ("participant", {"type": "acknowledge", "contribution_id": contribution_id, "reflection": "heard"}),
                ("participant", {"type": "contribute", "client_id": str(uuid.uuid4()), "text": "re",
                                 "reply_to": contribution_id}),
                ("participant", {"type": "hand_raise", "kind": "direct_reply", "reply_to": contribution_id}),
                ("scribe", {"type": "capture", "client_id": str(uuid.uuid4()), "speaker_member_id":
                            ours.participant.pk, "text": "said", "reply_to": contribution_id}),
                ("facilitator", {"type": "theme_tag", "contribution_id": contribution_id,
                                 "theme_id": ours.theme_ids[0]}),
                ("facilitator", {"type": "theme_untag", "contribution_id": contribution_id,
                                 "theme_id": ours.theme_ids[0]}),
            ]  # fmt: skip
        for phase_id in other.phase_ids:
            out.append(("facilitator", {"type": "phase_set", "phase_id": phase_id}))
        out += [
            ("facilitator", {"type": "hand_lower", "entry_id": other.entry_id}),
            ("participant", {"type": "hand_lower", "entry_id": other.entry_id}),
            ("facilitator", {"type": "queue_reorder", "order": [other.entry_id]}),
            ("facilitator", {"type": "signal_dismiss", "signal_id": other.signal_id}),
        ]
    # People of another exchange (the sibling session's are our own exchange's).
    for member in (theirs.participant, theirs.other, theirs.facilitator):
        out += [
            ("scribe", {"type": "capture", "client_id": str(uuid.uuid4()), "speaker_member_id": member.pk,
                        "text": "They said"}),
            ("facilitator", {"type": "round_start", "order": "arranged", "member_ids": [member.pk]}),
            ("facilitator", {"type": "round_start", "order": "arranged",
                             "member_ids": [ours.participant.pk, member.pk]}),
        ]  # fmt: skip
    for theme_id in theirs.theme_ids:
        out += [
            ("facilitator", {"type": "theme_tag", "contribution_id": mine, "theme_id": theme_id}),
            ("facilitator", {"type": "theme_untag", "contribution_id": mine, "theme_id": theme_id}),
        ]
    return out


def test_ids_of_other_sessions_and_exchanges_are_refused(ours, theirs, sibling, harness):
    """Every action naming a contribution, phase, hand, signal, theme or person
    of another exchange's session (or a contribution, phase, hand or signal of
    another session of our exchange) is refused with not_found, forbidden or
    conflict, and changes neither room."""
    sockets = {
        "participant": harness.join(ours.participant, ours.session),
        "facilitator": harness.join(ours.facilitator, ours.session),
        "scribe": harness.join(ours.scribe, ours.session),
    }
    with ServerErrors() as errors:
        for role, frame in _foreign_frames(ours, theirs, sibling):
            exchange_frame(
                harness, sockets[role], errors, json.dumps(frame), refused_codes={"not_found", "forbidden", "conflict"}
            )


@given(data=st.data())
@FUZZ
def test_lists_mixing_our_ids_with_foreign_ones_are_refused(data, ours, theirs, harness):
    """An arranged round or a queue order that slips another exchange's people or
    hands in among ours: refused as a whole, nothing changed."""
    if not hasattr(harness, "fac"):
        harness.fac = harness.join(ours.facilitator, ours.session)
        harness.join(ours.participant, ours.session)
    ids = data.draw(
        st.lists(
            st.sampled_from([ours.participant.pk, ours.facilitator.pk, theirs.participant.pk, theirs.other.pk]),
            min_size=1,
            max_size=4,
            unique=True,
        ).filter(lambda xs: any(x in (theirs.participant.pk, theirs.other.pk) for x in xs))
    )
    frame = data.draw(
        st.sampled_from(
            [
                {"type": "round_start", "order": "arranged", "member_ids": ids},
                {"type": "queue_reorder", "order": [ours.entry_id, theirs.entry_id]},
                {"type": "queue_reorder", "order": [theirs.entry_id, ours.entry_id]},
                {"type": "queue_reorder", "order": [theirs.entry_id]},
            ]
        )
    )
    exchange_frame(
        harness, harness.fac, harness.errors, json.dumps(frame), refused_codes={"not_found", "conflict", "bad_request"}
    )


def test_a_client_id_used_in_another_session_is_free_here(ours, theirs, sibling, harness):
    """client_ids are per session: reusing another room's ids stores a new
    contribution here and leaves the other rooms' untouched."""
    me = harness.join(ours.participant, ours.session)
    others_before = list(Contribution.objects.exclude(session=ours.session).order_by("pk").values_list())
    with ServerErrors() as errors:
        for client_id in theirs.client_ids + sibling.client_ids:
            answer, _ = harness.answer(me, {"type": "contribute", "client_id": client_id, "text": "Here too"})
            assert answer["type"] == "ack", answer
            assert Contribution.objects.get(pk=answer["contribution_id"]).session_id == ours.session.pk
        assert not errors.take()
    assert list(Contribution.objects.exclude(session=ours.session).order_by("pk").values_list()) == others_before


# --- Found by fuzzing (RecursionError, UnicodeEncodeError, NUL on PostgreSQL), fixed in
# sessions/protocol.py; kept as exact reproductions -----------------------------------


def _refused_cleanly(harness, ours, raw) -> tuple[dict, list[str], list[str]]:
    me = harness.join(ours.participant, ours.session)
    with ServerErrors() as errors:
        before = snapshot()
        answer, _ = harness.answer(me, raw)
        return answer, errors.take(), diff(before, snapshot())


def test_deeply_nested_json_is_refused_without_a_server_error(ours, harness):
    """``[[[[…]]]]`` 5,000 deep (10 KB, so under MAX_FRAME_BYTES; json.loads
    raises RecursionError): ``bad_request``, no server error."""
    answer, logged, changed = _refused_cleanly(harness, ours, "[" * 5000 + "]" * 5000)
    assert (answer["type"], answer["code"], changed) == ("error", "bad_request", [])
    assert logged == []


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "contribute", "client_id": "s1", "text": "trust \ud800 again"},
        {"type": "contribute", "client_id": "s\udfff", "text": "trust"},
        {"type": "note_save", "text": "\ud83d"},
        {"type": "commitment_set", "text": "\ud800"},
    ],
    ids=["contribute-text", "contribute-client_id", "note_save", "commitment_set"],
)
def test_lone_surrogates_are_refused_without_a_server_error(ours, harness, frame):
    """A lone surrogate is not Unicode text (the database driver cannot encode
    it): ``bad_request`` before any service runs, no server error."""
    answer, logged, changed = _refused_cleanly(harness, ours, json.dumps(frame))
    assert answer["type"] == "error" and answer["code"] == "bad_request" and changed == []
    assert logged == []


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "contribute", "client_id": "n1", "text": "before\x00after"},
        {"type": "note_save", "text": "\x00"},
    ],
    ids=["contribute", "note_save"],
)
def test_nul_is_handled_the_same_on_every_database(ours, harness, frame):
    """No server error, and no NUL reaches storage (PostgreSQL refuses it,
    SQLite would keep it): refused with bad_request or stored without it."""
    answer, logged, changed = _refused_cleanly(harness, ours, json.dumps(frame))
    assert logged == []
    if answer["type"] == "error":
        assert answer["code"] == "bad_request" and changed == []
    else:
        from sessions.models import ReflectionNote

        texts = [
            *Contribution.objects.values_list("text", flat=True),
            *ReflectionNote.objects.values_list("text", flat=True),
        ]
        assert not [t for t in texts if "\x00" in t]
