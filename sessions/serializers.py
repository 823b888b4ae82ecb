"""The live room's shapes: how rows become the JSON that frames carry.

Pure functions of rows already loaded (no queries), shared by the selectors
that build ``hello`` and replays and by the services that record events, so a
contribution or a turn looks the same in every frame. The shapes are
documented in docs/protocol.md, section 3. What a reader may see of them is
decided afterwards by ``visibility``.
"""

import datetime as dt
from typing import Any

from participants.models import Commitment

from . import visibility
from .models import (
    Contribution,
    PauseSignal,
    Phase,
    QueueEntry,
    Reflection,
    ReflectionNote,
    RoomState,
    Round,
    SessionEvent,
    Turn,
)

member_data = visibility.member_data


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def contribution_data(
    contribution: Contribution, *, acks: int = 0, acked_by_me: bool = False, themes: list[int] | None = None
) -> dict[str, Any]:
    return {
        "id": contribution.pk,
        "author": member_data(contribution.author),
        "captured_by": contribution.captured_by_id,
        "kind": contribution.kind,
        "text": contribution.text,
        "reply_to": contribution.reply_to_id,
        "consent": contribution.consent,
        "phase_id": contribution.phase_id,
        "created_at": iso(contribution.created_at),
        "edited_at": iso(contribution.edited_at),
        "revisions": getattr(contribution, "revision_count", 0),
        "acks": acks,
        "acked_by_me": acked_by_me,
        "themes": themes or [],
        "purged": contribution.purged_at is not None,
    }


def queue_entry_data(entry: QueueEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "member": member_data(entry.member),
        "kind": entry.kind,
        "reply_to": entry.reply_to_id,
        "status": entry.status,
        "raised_at": iso(entry.raised_at),
        "called_at": iso(entry.called_at),
    }


def turn_data(turn: Turn) -> dict[str, Any]:
    return {
        "id": turn.pk,
        "member": member_data(turn.member),
        "position": turn.position,
        "status": turn.status,
        "started_at": iso(turn.started_at),
        "ends_at": iso(turn.ends_at),
    }


def round_data(rnd: Round, turns: list[Turn] | None = None) -> dict[str, Any]:
    """A round with its turns (one query when ``turns`` is not given)."""
    if turns is None:
        turns = list(rnd.turns.select_related("member__team").order_by("position"))
    current = next((t for t in turns if t.status == Turn.Status.CURRENT), None)
    return {
        "id": rnd.pk,
        "status": rnd.status,
        "order": rnd.order,
        "turn_seconds": rnd.turn_seconds,
        "started_at": iso(rnd.started_at),
        "turns": [turn_data(t) for t in turns],
        "current_turn_id": current.pk if current else None,
    }


def phase_data(phase: Phase, started_at: dt.datetime | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": phase.pk,
        "order": phase.order,
        "title": phase.title,
        "planned_minutes": phase.planned_minutes,
    }
    if started_at is not None:
        data["started_at"] = iso(started_at)
    return data


def current_phase_data(room: RoomState) -> dict[str, Any] | None:
    if room.current_phase is None:
        return None
    data = phase_data(room.current_phase)
    data["started_at"] = iso(room.phase_started_at)
    return data


def reflection_data(reflection: Reflection) -> dict[str, Any]:
    return {"id": reflection.pk, "started_at": iso(reflection.started_at), "ends_at": iso(reflection.ends_at)}


def signal_data(signal: PauseSignal) -> dict[str, Any]:
    return {"id": signal.pk, "member": member_data(signal.member), "created_at": iso(signal.created_at)}


def note_data(note: ReflectionNote | None) -> dict[str, Any] | None:
    return None if note is None else {"text": note.text, "updated_at": iso(note.updated_at)}


def commitment_data(commitment: Commitment | None) -> dict[str, Any] | None:
    """The member's own commitment; its id lets the room link to the check-in on it."""
    if commitment is None:
        return None
    return {"id": commitment.pk, "text": commitment.text, "updated_at": iso(commitment.updated_at)}


def event_frame(event: SessionEvent) -> dict[str, Any]:
    return {
        "type": "event",
        "seq": event.seq,
        "event": event.name,
        "at": iso(event.created_at),
        "actor": event.actor_id,
        **event.payload,
    }
