"""The live room's limits: one home for every bound a frame, a form, a model
field and the browser must agree on.

The protocol checks frames against these, the models size their columns from
them, the archive's forms reuse them, and the room's page hands them to the
client in its config (``client_limits``), so a bound changed here changes
everywhere at once.
"""

from typing import cast

from django.conf import settings

# Text, in characters. A contribution's length is the room setting MAX_TEXT.
ACK_REFLECTION_MAX = 280
NOTE_MAX = 4000
COMMITMENT_MAX = 2000
THEME_NAME_MAX = 60
CLIENT_ID_MAX = 64

# Timers, in seconds: a turn or a quiet reflection, and how far a turn extends.
TIMER_SECONDS_MIN = 10
TIMER_SECONDS_MAX = 3600
EXTEND_SECONDS_MIN = 1
EXTEND_SECONDS_MAX = 3600


def max_text() -> int:
    """The longest contribution, from the room setting (tests may change it)."""
    return cast(int, settings.LIVE_ROOM["MAX_TEXT"])


def client_limits() -> dict[str, int]:
    """The limits the browser checks before it sends, named as in the frames."""
    return {
        "text": max_text(),
        "note": NOTE_MAX,
        "commitment": COMMITMENT_MAX,
        "ack_reflection": ACK_REFLECTION_MAX,
        "theme_name": THEME_NAME_MAX,
        "timer_seconds_min": TIMER_SECONDS_MIN,
        "timer_seconds_max": TIMER_SECONDS_MAX,
        "extend_seconds_min": EXTEND_SECONDS_MIN,
        "extend_seconds_max": EXTEND_SECONDS_MAX,
    }
