"""Telling a person's open sockets that their rights changed.

A socket is authorised when it connects; a role change, a removal or an
account deletion later must not leave it with the rights it had then. Each
live-room socket listens on its member's access group; the services that
change a person's place in an exchange call ``member_access_changed`` and, once
their transaction has committed, every process closes that person's sockets
(the client reconnects at once and is let in again only with the rights it
has now). The channel layer may drop the message, so the room re-checks the
role under its lock on every action as well.
"""

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The ``type`` a consumer handles (``RoomConsumer.member_access_changed``).
ACCESS_CHANGED = "member.access_changed"


def member_access_group(member_id: int) -> str:
    return f"member.{member_id}.access"


def _send(member_ids: list[int]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for member_id in member_ids:
        try:
            async_to_sync(layer.group_send)(member_access_group(member_id), {"type": ACCESS_CHANGED})
        except Exception:  # the room re-checks the role on every action anyway
            logger.warning("Could not tell member %s's sockets that their rights changed", member_id, exc_info=True)


def member_access_changed(*, member_ids: Iterable[int]) -> None:
    """Close these members' live-room sockets once the current transaction commits."""
    ids = sorted({int(pk) for pk in member_ids})
    if ids:
        transaction.on_commit(lambda: _send(ids))
