"""Pages of the live room: the participant room, the facilitator console and
the projector view.

Each page renders the room's static frame (the question, the guiding prompts,
the agenda) on the server, so it reads well before the websocket connects and
for anyone whose script fails; the client module then fills in the live state
from the socket. Views stay thin: the selector checks membership (404 for
anyone outside the exchange), the permission module answers who may run the
room.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from participants.permissions import can_capture, can_manage_exchange

from .models import Attribution, Contribution
from .selectors import session_get_for_member

# The longest contribution the room accepts; the server enforces the same limit.
CONTRIBUTION_MAX_LENGTH = 4000
# An id no commitment has, replaced by the client with the real one.
CHECKIN_PLACEHOLDER = 987654321


def _websocket_url(request, session_id: int, *, view: str) -> str:
    """The room's socket; the projector asks for its read-only view, which is
    never counted as someone present and never hears anything private."""
    scheme = "wss" if request.is_secure() else "ws"
    query = "?view=projector" if view == "projector" else ""
    return f"{scheme}://{request.get_host()}/ws/sessions/{session_id}/{query}"


def _room_context(request, *, session, member, view: str) -> dict:
    """What every view of the room shares: the static frame and the client's settings."""
    facilitating = can_manage_exchange(member)
    config = {
        "view": view,
        "session_id": session.pk,
        "ws_url": _websocket_url(request, session.pk, view=view),
        "member_id": member.pk,
        "display_name": member.display_name if view != "projector" else "",
        "can_facilitate": facilitating and view == "console",
        "can_capture": can_capture(member) and view != "projector",
        "attribution_default": session.attribution_default,
        "max_length": CONTRIBUTION_MAX_LENGTH,
        "room_url": reverse("session_room", args=[session.pk]),
        # Where a member tells how their commitment went; "{id}" is its id.
        "checkin_url": reverse("commitment_checkin", args=[CHECKIN_PLACEHOLDER]).replace(
            str(CHECKIN_PLACEHOLDER), "{id}"
        ),
    }
    return {
        "session": session,
        "member": member,
        "exchange": session.meeting.exchange,
        "phases": session.phases.all(),
        "prompts": session.prompt_list,
        "attribution_choices": Attribution.choices,
        "contribution_kinds": Contribution.Kind.choices,
        "can_facilitate": facilitating,
        "can_capture": config["can_capture"],
        "max_length": CONTRIBUTION_MAX_LENGTH,
        "room_config": config,
    }


@login_required
def session_room(request, session_id: int):
    """The room as a participant (or scribe) sees it."""
    session, member = session_get_for_member(session_id=session_id, user=request.user)
    return render(request, "sessions/room.html", _room_context(request, session=session, member=member, view="room"))


@login_required
def session_console(request, session_id: int):
    """The facilitator's console: the room plus every control that runs it."""
    session, member = session_get_for_member(session_id=session_id, user=request.user)
    if not can_manage_exchange(member):
        raise PermissionDenied("Only the exchange's facilitators and conveners run the room.")
    context = _room_context(request, session=session, member=member, view="console")
    return render(request, "sessions/console.html", context)


@login_required
def session_projector(request, session_id: int):
    """A read-only view for a shared screen: open to any member, shows nothing private."""
    session, member = session_get_for_member(session_id=session_id, user=request.user)
    context = _room_context(request, session=session, member=member, view="projector")
    return render(request, "sessions/projector.html", context)
