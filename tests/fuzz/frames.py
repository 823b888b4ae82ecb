"""Hypothesis strategies for live room frames, written from docs/protocol.md §5
(not from sessions/protocol.py, so a drift between the two shows up)."""

from __future__ import annotations

import uuid

from hypothesis import strategies as st

CONTRIBUTION_KINDS = ["story", "reflection", "response", "question"]
CONSENTS = ["named", "not_for_attribution", "anonymous", "off_record"]
HAND_KINDS = ["new_point", "direct_reply"]
ROUND_ORDERS = ["by_team", "random", "arranged"]
LANGS = ["en", "es"]

# Field kinds: (kind, *params). Required fields are marked with a trailing "!".
# "int" ids are 1..2**62; "seconds" carry their documented range.
SPEC: dict[str, dict[str, tuple]] = {
    "contribute": {
        "client_id!": ("client_id",),
        "text!": ("text", 4000, False),
        "kind": ("choice", CONTRIBUTION_KINDS),
        "reply_to": ("id", True),
        "consent": ("choice", CONSENTS, True),
        "lang": ("choice", LANGS),
    },
    "capture": {
        "client_id!": ("client_id",),
        "speaker_member_id!": ("id", False),
        "text!": ("text", 4000, False),
        "kind": ("choice", CONTRIBUTION_KINDS),
        "reply_to": ("id", True),
        "consent": ("choice", CONSENTS, True),
        "lang": ("choice", LANGS),
    },
    "contribution_edit": {"contribution_id!": ("id", False), "text!": ("text", 4000, False)},
    "contribution_withdraw": {"contribution_id!": ("id", False)},
    "consent_set": {"contribution_id!": ("id", False), "consent!": ("choice", CONSENTS)},
    "acknowledge": {"contribution_id!": ("id", False), "reflection": ("text", 280, True, True)},
    "hand_raise": {"kind!": ("choice", HAND_KINDS), "reply_to": ("id", True)},
    "hand_lower": {"entry_id": ("id", True)},
    "queue_call_next": {},
    "queue_reorder": {"order!": ("ids",)},
    "queue_clear": {},
    "round_start": {
        "order!": ("choice", ROUND_ORDERS),
        "member_ids": ("ids",),
        "turn_seconds": ("range", 10, 3600, True),
        "include_facilitators": ("bool",),
    },
    "turn_done": {},
    "turn_pass": {},
    "turn_skip": {},
    "turn_extend": {"seconds!": ("range", 1, 3600)},
    "round_end": {},
    "reflection_start": {"seconds!": ("range", 10, 3600)},
    "reflection_end": {},
    "note_save": {"text!": ("text", 4000, True)},
    "note_share": {
        "client_id!": ("client_id",),
        "text": ("text", 4000, False, True),
        "consent!": ("choice", CONSENTS),
        "lang": ("choice", LANGS),
    },
    "phase_advance": {},
    "phase_set": {"phase_id!": ("id", False)},
    "pause": {},
    "resume_room": {},
    "pause_request": {},
    "signal_dismiss": {"signal_id!": ("id", False)},
    "theme_create": {"name!": ("text", 60, False)},
    "theme_tag": {"contribution_id!": ("id", False), "theme_id!": ("id", False)},
    "theme_untag": {"contribution_id!": ("id", False), "theme_id!": ("id", False)},
    "session_open": {},
    "session_close": {},
    "commitment_set": {"text!": ("text", 2000, False)},
    "resume": {"since!": ("nonneg",)},
    "heartbeat": {"last_seq": ("nonneg",)},
}

FRAME_TYPES = sorted(SPEC)


def fields(frame_type: str) -> list[tuple[str, bool, tuple]]:
    """(name, required, kind) for each documented field of a frame type."""
    return [(name.rstrip("!"), name.endswith("!"), kind) for name, kind in SPEC[frame_type].items()]


def _valid(kind: tuple, name: str):
    """A well-formed value (the fuzzer breaks one field at a time)."""
    tag = kind[0]
    if tag == "client_id":
        return str(uuid.uuid4())
    if tag == "text":
        return "Fine words"
    if tag == "choice":
        return kind[1][0]
    if tag == "id":
        return 1
    if tag == "ids":
        return [1]
    if tag == "range":
        return kind[1]
    if tag == "nonneg":
        return 0
    if tag == "bool":
        return False
    raise AssertionError(tag)


def valid_frame(frame_type: str) -> dict:
    frame = {"type": frame_type}
    for name, required, kind in fields(frame_type):
        if required:
            frame[name] = _valid(kind, name)
    return frame


# --- values ---------------------------------------------------------------------------

# Odd text: right-to-left and bidi controls, zero-width joiners and spaces,
# combining marks, emoji with modifiers, the BOM, and (escaped in JSON) NUL and
# lone surrogates.
ODD_CHARS = [
    "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u200e", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
    "\u0301", "\u0336", "\u05d0", "\u0627", "\U0001f469\u200d\U0001f467", "\U0001f44d\U0001f3fd", "\u00a0", "\u3000",
    "\x00", "\x7f", "\x1b", "\ud800", "\udfff", "\ud83d", "\U0010ffff", "\ufffe",
]  # fmt: skip
odd_text = st.lists(st.one_of(st.sampled_from(ODD_CHARS), st.text(max_size=3)), max_size=12).map("".join)
plain_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40
)
any_text = st.one_of(plain_text, odd_text)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(any_text, children, max_size=4)),
    max_leaves=12,
)


def _non_int():
    return st.one_of(
        any_text,
        st.just("7"),
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(plain_text, st.integers(), max_size=2),
    )


def wrong_values(kind: tuple, required: bool):
    """Values a documented field of this kind must refuse."""
    tag = kind[0]
    options = []
    if required:
        options.append(st.none())
    if tag == "client_id":
        options += [
            st.integers(),
            st.booleans(),
            st.lists(plain_text, max_size=2),
            st.just(""),
            st.text(min_size=65, max_size=80),
        ]
    elif tag == "text":
        limit, allow_empty = kind[1], kind[2]
        options += [
            st.integers(),
            st.booleans(),
            st.floats(allow_nan=False),
            st.lists(plain_text, max_size=2),
            st.dictionaries(plain_text, plain_text, max_size=2),
            st.integers(min_value=limit + 1, max_value=limit + 40).map(lambda n: "x" * n),
        ]
        if not allow_empty:
            options.append(st.sampled_from(["", " ", "\n\t ", "\u3000"]))
    elif tag == "choice":
        choices = kind[1]
        options += [
            st.integers(),
            st.booleans(),
            any_text.filter(lambda s: s not in choices),
            st.lists(st.sampled_from(choices), min_size=1, max_size=2),
        ]
    elif tag == "id":
        options += [_non_int(), st.integers(max_value=0), st.integers(min_value=2**62 + 1, max_value=2**80)]
    elif tag == "ids":
        options += [
            st.integers(),
            any_text,
            st.dictionaries(plain_text, st.integers(), max_size=2),
            st.lists(_non_int(), min_size=1, max_size=3),
            st.lists(st.integers(max_value=0), min_size=1, max_size=3),
            st.integers(min_value=1, max_value=50).map(lambda n: [n, n]),
            st.just(list(range(1, 502))),
        ]
    elif tag == "range":
        lo, hi = kind[1], kind[2]
        options += [_non_int(), st.integers(max_value=lo - 1), st.integers(min_value=hi + 1)]
    elif tag == "nonneg":
        options += [_non_int(), st.integers(max_value=-1)]
    elif tag == "bool":
        options += [st.none(), st.integers(), any_text, st.just("true"), st.lists(st.booleans(), max_size=2)]
    else:
        raise AssertionError(tag)
    return st.one_of(*options)


def strings_in(value) -> list[str]:
    """Every string (keys too) in a decoded JSON value, without recursion."""
    out, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return out
