"""The live room's frames: what a client may send, checked before anything runs.

``parse_frame`` turns raw websocket text into a validated dict or raises
``RoomError`` with the protocol's error code, so the consumer never hands a
service a malformed request. The shapes are documented in docs/protocol.md.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from . import limits
from .models import Attribution, Contribution, QueueEntry, Round


class ErrorCode:
    BAD_REQUEST = "bad_request"
    FORBIDDEN = "forbidden"
    TOO_LONG = "too_long"
    RATE_LIMITED = "rate_limited"
    SESSION_CLOSED = "session_closed"
    NOT_FOUND = "not_found"
    PAUSED = "paused"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"


class RoomError(Exception):
    """A refused request: answered with an ``error`` frame; nothing changed.

    ``message`` is for the person who sent the frame (``code`` is for their
    client). It may be given lazily (``gettext_lazy``) and is always read as
    plain text, translated into the language active where it is read, so the
    ``error`` frame's JSON carries a string.
    """

    def __init__(self, code: str, message: "str | Promise"):
        super().__init__(message)
        self.code = code
        self._message = message

    @property
    def message(self) -> str:
        return str(self._message)


class _Missing:
    pass


MISSING = _Missing()


def _storable(name: str, value: str) -> str:
    """Refuse text that no database stores the same way.

    JSON may escape a lone surrogate (``"\\ud800"``), which is not Unicode
    text and fails to encode; PostgreSQL refuses NUL while SQLite keeps it.
    Both are refused here, before any service runs, so a frame gets the same
    answer on every database and never a server error.
    """
    if "\x00" in value:
        raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' may not contain NUL characters.") % {"name": name})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' is not valid Unicode text.") % {"name": name}) from None
    return value


# A field's check: called with the field's name and its raw JSON value, it
# returns the value to pass on or raises ``RoomError``.
Check = Callable[[str, object], Any]


def _text(max_len: Callable[[], int] | int, *, allow_empty: bool = False) -> Callable[[str, object], str]:
    def check(name: str, value: object) -> str:
        if not isinstance(value, str):
            raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' must be a string.") % {"name": name})
        _storable(name, value)
        limit = max_len() if callable(max_len) else max_len
        if len(value) > limit:
            raise RoomError(
                ErrorCode.TOO_LONG,
                _("'%(name)s' may be at most %(limit)s characters.") % {"name": name, "limit": limit},
            )
        value = value.strip()
        if not value and not allow_empty:
            raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' may not be empty.") % {"name": name})
        return value

    return check


def _client_id(name: str, value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > limits.CLIENT_ID_MAX:
        raise RoomError(
            ErrorCode.BAD_REQUEST,
            _("'%(name)s' must be a string of 1 to %(max)s characters.") % {"name": name, "max": limits.CLIENT_ID_MAX},
        )
    return _storable(name, value)


def _int(lo: int = 1, hi: int = 2**62) -> Callable[[str, object], int]:
    def check(name: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' must be an integer.") % {"name": name})
        if not lo <= value <= hi:
            raise RoomError(
                ErrorCode.BAD_REQUEST,
                _("'%(name)s' must be between %(lo)s and %(hi)s.") % {"name": name, "lo": lo, "hi": hi},
            )
        return value

    return check


def _nonneg_int(name: str, value: object) -> int:
    return _int(0)(name, value)


def _choice(choices: Iterable[str]) -> Check:
    allowed = [c for c in choices]

    def check(name: str, value: object) -> Any:
        if value not in allowed:
            raise RoomError(
                ErrorCode.BAD_REQUEST,
                _("'%(name)s' must be one of: %(allowed)s.") % {"name": name, "allowed": ", ".join(allowed)},
            )
        return value

    return check


def _id_list(name: str, value: object) -> list[int]:
    if not isinstance(value, list) or len(value) > 500:
        raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' must be a list of ids.") % {"name": name})
    ids = [_int()(name, v) for v in value]
    if len(set(ids)) != len(ids):
        raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' lists an id twice.") % {"name": name})
    return ids


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' must be true or false.") % {"name": name})
    return value


def _nullable(check: Check) -> Check:
    def wrapped(name: str, value: object) -> Any:
        return None if value is None else check(name, value)

    return wrapped


KINDS = _choice(Contribution.Kind.values)
CONSENT = _nullable(_choice(Attribution.values))
# The language words are written in: the writer's page's, one the product knows.
LANG = _choice([code for code, _name in settings.LANGUAGES])

# Who may send a frame: the least role, each including those before it.
# ANYONE includes the projector, which only keeps its picture whole.
ANYONE = "anyone"
PARTICIPANT = "participant"
SCRIBE = "scribe"
FACILITATOR = "facilitator"
ROLE_ORDER = (ANYONE, PARTICIPANT, SCRIBE, FACILITATOR)


@dataclass(frozen=True)
class Frame:
    """One frame type a client may send.

    ``role`` is the least role that may send it (``permissions`` answers from
    it), ``service`` the function in ``sessions.services`` that carries it out
    (None: the consumer answers it itself), ``fields`` each field's check and
    whether it is required. The service is called with the session, the
    member and the fields the frame carries, under the names in ``renamed``
    where the service's differ.
    """

    role: str
    service: str | None
    fields: Mapping[str, tuple[Check, bool]] = field(default_factory=dict)
    renamed: Mapping[str, str] = field(default_factory=dict)

    def service_kwargs(self, frame: dict[str, Any]) -> dict[str, Any]:
        """The service's keyword arguments from a validated frame (fields left out or null are not passed)."""
        return {
            self.renamed.get(name, name): frame[name]
            for name in self.fields
            if name in frame and frame[name] is not None
        }


# The frame table: every type a client may send, who may send it, the service
# that carries it out and its fields with their limits (docs/protocol.md).
# ``client_id`` is optional on every frame and required where listed.
FRAMES: dict[str, Frame] = {
    "contribute": Frame(
        PARTICIPANT,
        "contribution_create",
        {
            "client_id": (_client_id, True),
            "text": (_text(limits.max_text), True),
            "kind": (KINDS, False),
            "reply_to": (_nullable(_int()), False),
            "consent": (CONSENT, False),
            "lang": (LANG, False),
        },
        renamed={"reply_to": "reply_to_id", "lang": "language"},
    ),
    "capture": Frame(
        SCRIBE,
        "contribution_capture",
        {
            "client_id": (_client_id, True),
            "speaker_member_id": (_int(), True),
            "text": (_text(limits.max_text), True),
            "kind": (KINDS, False),
            "reply_to": (_nullable(_int()), False),
            "consent": (CONSENT, False),
            "lang": (LANG, False),
        },
        renamed={"reply_to": "reply_to_id", "lang": "language"},
    ),
    "contribution_edit": Frame(
        PARTICIPANT,
        "contribution_edit",
        {"contribution_id": (_int(), True), "text": (_text(limits.max_text), True)},
    ),
    "contribution_withdraw": Frame(
        PARTICIPANT,
        "contribution_withdraw",
        {"contribution_id": (_int(), True)},
    ),
    "consent_set": Frame(
        PARTICIPANT,
        "consent_set",
        {"contribution_id": (_int(), True), "consent": (_choice(Attribution.values), True)},
    ),
    "acknowledge": Frame(
        PARTICIPANT,
        "acknowledgement_create",
        {
            "contribution_id": (_int(), True),
            "reflection": (_nullable(_text(limits.ACK_REFLECTION_MAX, allow_empty=True)), False),
        },
    ),
    "hand_raise": Frame(
        PARTICIPANT,
        "hand_raise",
        {"kind": (_choice(QueueEntry.Kind.values), True), "reply_to": (_nullable(_int()), False)},
        renamed={"reply_to": "reply_to_id"},
    ),
    "hand_lower": Frame(
        PARTICIPANT,
        "hand_lower",
        {"entry_id": (_nullable(_int()), False)},
    ),
    "queue_call_next": Frame(
        FACILITATOR,
        "queue_call_next",
        {},
    ),
    "queue_reorder": Frame(
        FACILITATOR,
        "queue_reorder",
        {"order": (_id_list, True)},
    ),
    "queue_clear": Frame(
        FACILITATOR,
        "queue_clear",
        {},
    ),
    "round_start": Frame(
        FACILITATOR,
        "round_start",
        {
            "order": (_choice(Round.Order.values), True),
            "member_ids": (_id_list, False),
            "turn_seconds": (_nullable(_int(limits.TIMER_SECONDS_MIN, limits.TIMER_SECONDS_MAX)), False),
            # Facilitators, conveners and scribes take a turn only when included.
            "include_facilitators": (_bool, False),
        },
    ),
    "turn_done": Frame(
        PARTICIPANT,
        "turn_done",
        {},
    ),
    "turn_pass": Frame(
        PARTICIPANT,
        "turn_pass",
        {},
    ),
    "turn_skip": Frame(
        FACILITATOR,
        "turn_skip",
        {},
    ),
    "turn_extend": Frame(
        FACILITATOR,
        "turn_extend",
        {"seconds": (_int(limits.EXTEND_SECONDS_MIN, limits.EXTEND_SECONDS_MAX), True)},
    ),
    "round_end": Frame(
        FACILITATOR,
        "round_end",
        {},
    ),
    "reflection_start": Frame(
        FACILITATOR,
        "reflection_start",
        {"seconds": (_int(limits.TIMER_SECONDS_MIN, limits.TIMER_SECONDS_MAX), True)},
    ),
    "reflection_end": Frame(
        FACILITATOR,
        "reflection_end",
        {},
    ),
    "note_save": Frame(
        PARTICIPANT,
        "note_save",
        {"text": (_text(limits.NOTE_MAX, allow_empty=True), True)},
    ),
    "note_share": Frame(
        PARTICIPANT,
        "note_share",
        {
            "client_id": (_client_id, True),
            "text": (_nullable(_text(limits.max_text)), False),
            # A note is private until shared: sharing says, there and then, how it may be recorded.
            "consent": (_choice(Attribution.values), True),
            "lang": (LANG, False),
        },
        renamed={"lang": "language"},
    ),
    "phase_advance": Frame(
        FACILITATOR,
        "phase_advance",
        {},
    ),
    "phase_set": Frame(
        FACILITATOR,
        "phase_set",
        {"phase_id": (_int(), True)},
    ),
    "pause": Frame(
        FACILITATOR,
        "room_pause",
        {},
    ),
    "resume_room": Frame(
        FACILITATOR,
        "room_resume",
        {},
    ),
    "pause_request": Frame(
        PARTICIPANT,
        "pause_request",
        {},
    ),
    "signal_dismiss": Frame(
        FACILITATOR,
        "signal_dismiss",
        {"signal_id": (_int(), True)},
    ),
    "theme_create": Frame(
        FACILITATOR,
        "theme_create",
        {"name": (_text(limits.THEME_NAME_MAX), True)},
    ),
    "theme_tag": Frame(
        FACILITATOR,
        "theme_tag",
        {"contribution_id": (_int(), True), "theme_id": (_int(), True)},
    ),
    "theme_untag": Frame(
        FACILITATOR,
        "theme_untag",
        {"contribution_id": (_int(), True), "theme_id": (_int(), True)},
    ),
    "session_open": Frame(
        FACILITATOR,
        "session_open",
        {},
    ),
    "session_close": Frame(
        FACILITATOR,
        "session_close",
        {},
    ),
    "commitment_set": Frame(
        PARTICIPANT,
        "commitment_set",
        {"text": (_text(limits.COMMITMENT_MAX), True)},
    ),
    "resume": Frame(
        ANYONE,
        None,
        {"since": (_nonneg_int, True)},
    ),
    "heartbeat": Frame(
        ANYONE,
        None,
        {"last_seq": (_nonneg_int, False)},
    ),
}


def frame_client_id(raw: Any) -> str | None:
    """The client_id of a frame, if it carries a usable one (to echo in errors)."""
    if isinstance(raw, dict):
        value = raw.get("client_id")
        if isinstance(value, str) and 0 < len(value) <= limits.CLIENT_ID_MAX:
            return value
    return None


def decode(text: str | None) -> dict[str, Any]:
    """Parse frame text into a JSON object, refusing oversize and malformed frames."""
    if text is None:
        raise RoomError(ErrorCode.BAD_REQUEST, _("Frames are JSON text."))
    if len(text.encode("utf-8", errors="surrogatepass")) > settings.LIVE_ROOM["MAX_FRAME_BYTES"]:
        raise RoomError(ErrorCode.TOO_LONG, _("The frame is too large."))
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        # RecursionError: a small frame can nest arrays thousands deep.
        raise RoomError(ErrorCode.BAD_REQUEST, _("The frame is not valid JSON.")) from None
    if not isinstance(raw, dict):
        raise RoomError(ErrorCode.BAD_REQUEST, _("A frame is a JSON object."))
    return raw


def validate(raw: dict[str, Any]) -> dict[str, Any]:
    """Check a decoded frame against its type; return only the known fields.

    Optional fields left out are absent from the result; unknown fields are
    ignored so clients may add their own bookkeeping.
    """
    frame_type = raw.get("type")
    if not isinstance(frame_type, str) or frame_type not in FRAMES:
        raise RoomError(ErrorCode.BAD_REQUEST, _("Unknown frame type."))
    spec = FRAMES[frame_type].fields
    out: dict[str, Any] = {"type": frame_type}
    if "client_id" not in spec and raw.get("client_id") is not None:
        out["client_id"] = _client_id("client_id", raw["client_id"])
    for name, (check, required) in spec.items():
        value = raw.get(name, MISSING)
        if value is MISSING:
            if required:
                raise RoomError(ErrorCode.BAD_REQUEST, _("'%(name)s' is required.") % {"name": name})
            continue
        out[name] = check(name, value)
    return out


def parse_frame(text: str | None) -> dict[str, Any]:
    return validate(decode(text))
