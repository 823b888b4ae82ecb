"""Every write to a live room, one module per concern (and scheduling a session, in schedule.py).

Each service runs in one transaction that first locks the session's row
(``sessions.events.lock_room``) and records what the room must hear of as a
``SessionEvent`` (``events.record``), which is broadcast only after commit.
A service refuses by raising ``RoomError`` with the protocol's error code,
before it has changed anything, and returns what the ``ack`` frame carries
(``common.Result``). Which frame calls which service is the table in
``sessions/protocol.py``.

This package's face lists the services so callers write
``services.contribution_create(...)`` whatever module holds it.
"""

from .agenda import (
    pause_request,
    phase_advance,
    phase_set,
    room_pause,
    room_resume,
    signal_dismiss,
)
from .contributions import (
    acknowledgement_create,
    consent_set,
    contribution_capture,
    contribution_create,
    contribution_edit,
    contribution_withdraw,
)
from .lifecycle import (
    commitment_set,
    session_close,
    session_open,
)
from .presence import (
    Entry,
    presence_forget_all,
    presence_join,
    presence_leave,
    room_enter,
)
from .queue import (
    hand_lower,
    hand_raise,
    queue_call_next,
    queue_clear,
    queue_reorder,
)
from .reflection import (
    note_save,
    note_share,
    reflection_end,
    reflection_start,
)
from .rounds import (
    round_end,
    round_start,
    turn_done,
    turn_extend,
    turn_pass,
    turn_skip,
)
from .schedule import (
    dialogue_session_create,
    dialogue_session_update,
    session_phases_replace,
)
from .themes import (
    theme_create,
    theme_tag,
    theme_untag,
    themes_ensure_defaults,
)

__all__ = [
    "Entry",
    "dialogue_session_create",
    "dialogue_session_update",
    "session_phases_replace",
    "acknowledgement_create",
    "commitment_set",
    "consent_set",
    "contribution_capture",
    "contribution_create",
    "contribution_edit",
    "contribution_withdraw",
    "hand_lower",
    "hand_raise",
    "note_save",
    "note_share",
    "pause_request",
    "phase_advance",
    "phase_set",
    "presence_forget_all",
    "presence_join",
    "presence_leave",
    "queue_call_next",
    "queue_clear",
    "queue_reorder",
    "reflection_end",
    "reflection_start",
    "room_enter",
    "room_pause",
    "room_resume",
    "round_end",
    "round_start",
    "session_close",
    "session_open",
    "signal_dismiss",
    "theme_create",
    "theme_tag",
    "theme_untag",
    "themes_ensure_defaults",
    "turn_done",
    "turn_extend",
    "turn_pass",
    "turn_skip",
]
