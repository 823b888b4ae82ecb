"""Pages of the live room: the participant room, the facilitator console and
the projector view.

Each page renders the room's static frame (the question, the guiding prompts,
the agenda) on the server, so it reads well before the websocket connects and
for anyone whose script fails; the client module then fills in the live state
from the socket. Views stay thin: the selector checks membership (404 for
anyone outside the exchange), the permission module answers who may run the
room.

Scheduling a session (its plan and agenda, inside a meeting) is here too: it
writes the session's own rows, through ``services.schedule``.
"""

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.forms import form_add_service_errors
from exchanges.models import Meeting
from exchanges.selectors import meeting_get_for_user
from exchanges.services import aware_to_local
from participants.models import ExchangeRole, Member, StakeholderRole
from participants.permissions import can_capture, can_manage_exchange, require_manager

from . import limits, selectors, services
from .forms import DialogueSessionForm, NewSessionPhaseFormSet, PhaseFormSet, phase_initial
from .models import Attribution, Contribution, DialogueSession, QueueEntry
from .selectors import session_get_for_user

# An id no commitment has, replaced by the client with the real one.
CHECKIN_PLACEHOLDER = 987654321


def _websocket_url(request: HttpRequest, session_id: int, *, view: str) -> str:
    """The room's socket; the projector asks for its read-only view, which is
    never counted as someone present and never hears anything private."""
    scheme = "wss" if request.is_secure() else "ws"
    query = "?view=projector" if view == "projector" else ""
    return f"{scheme}://{request.get_host()}/ws/sessions/{session_id}/{query}"


def _choice_labels() -> dict[str, dict[str, str]]:
    """The server's labels for the choices the client shows, by value, in the models' order."""
    return {
        "kind": {value: str(label) for value, label in Contribution.Kind.choices},
        "stakeholder_role": {value: str(label) for value, label in StakeholderRole.choices},
        "exchange_role": {value: str(label) for value, label in ExchangeRole.choices},
        "attribution": {value: str(label) for value, label in Attribution.choices},
        "queue_kind": {value: str(label) for value, label in QueueEntry.Kind.choices},
    }


def _room_context(request: HttpRequest, *, session: DialogueSession, member: Member, view: str) -> dict[str, Any]:
    """What every view of the room shares: the static frame and the client's settings.

    The client takes its bounds and choice labels from ``config`` (``limits``,
    ``labels``) rather than keeping copies of the server's.
    """
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
        "limits": limits.client_limits(),
        "labels": _choice_labels(),
        "room_url": reverse("session_room", args=[session.pk]),
        # Where a member tells how their commitment went; "{id}" is its id.
        "checkin_url": reverse("commitment_checkin", args=[CHECKIN_PLACEHOLDER]).replace(
            str(CHECKIN_PLACEHOLDER), "{id}"
        ),
        # The server's heartbeat period: two periods without a frame and the client reconnects.
        "heartbeat_seconds": settings.LIVE_ROOM["HEARTBEAT_SECONDS"],
    }
    # Where the archive will be once published: the closed room says so.
    archive = selectors.archive_location(session=session)
    archive["absolute_url"] = request.build_absolute_uri(archive["url"])
    return {
        "session": session,
        "member": member,
        "exchange": session.meeting.exchange,
        "phases": list(session.phases.all()),  # read once: the agenda and the console both list it
        "prompts": session.prompt_list,
        "attribution_choices": Attribution.choices,
        "contribution_kinds": Contribution.Kind.choices,
        "can_facilitate": facilitating,
        "can_capture": config["can_capture"],
        # For the server-rendered maxlength and min/max attributes of the room's forms.
        "limits": config["limits"],
        "room_config": config,
        "archive": archive,
    }


@login_required
def session_room(request: HttpRequest, session_id: int) -> HttpResponse:
    """The room as a participant (or scribe) sees it."""
    session, member = session_get_for_user(session_id=session_id, user=request.user)
    return render(request, "sessions/room.html", _room_context(request, session=session, member=member, view="room"))


@login_required
def session_console(request: HttpRequest, session_id: int) -> HttpResponse:
    """The facilitator's console: the room plus every control that runs it."""
    session, member = session_get_for_user(session_id=session_id, user=request.user)
    if not can_manage_exchange(member):
        raise PermissionDenied(_("Only the exchange's facilitators and conveners run the room."))
    context = _room_context(request, session=session, member=member, view="console")
    return render(request, "sessions/console.html", context)


@login_required
def session_projector(request: HttpRequest, session_id: int) -> HttpResponse:
    """A read-only view for a shared screen: open to any member, shows nothing private."""
    session, member = session_get_for_user(session_id=session_id, user=request.user)
    context = _room_context(request, session=session, member=member, view="projector")
    return render(request, "sessions/projector.html", context)


# --- Scheduling a session ---------------------------------------------------

DEFAULT_SESSION_LENGTH = dt.timedelta(hours=3)


def _session_form_page(
    request: HttpRequest, *, meeting: Meeting, member: Member, session: DialogueSession | None = None
) -> HttpResponse:
    """Shared by create and edit: the session's fields and its agenda on one form."""
    if session is None:
        # Suggest a half-day session at the start of the meeting.
        end = min(meeting.ends_at, meeting.starts_at + DEFAULT_SESSION_LENGTH)
        initial = {
            "starts_local": aware_to_local(meeting.starts_at, meeting.time_zone),
            "ends_local": aware_to_local(end, meeting.time_zone),
        }
        phases_initial = []
    else:
        initial = DialogueSessionForm.initial_for(session)
        phases_initial = phase_initial(session)
    form = DialogueSessionForm(request.POST or None, initial=initial, meeting=meeting)
    formset_class = NewSessionPhaseFormSet if session is None else PhaseFormSet
    formset = formset_class(request.POST or None, initial=phases_initial, prefix="phases")
    phase_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            if session is None:
                session = services.dialogue_session_create(
                    member=member, meeting=meeting, phases=formset.phases(), **form.cleaned_data
                )
            else:
                services.dialogue_session_update(
                    member=member, session=session, phases=formset.phases(), **form.cleaned_data
                )
        except ValidationError as error:
            phase_errors = form_add_service_errors(form, error, elsewhere=frozenset({"phases"}))
        else:
            messages.success(request, _("Saved the session “%(title)s”.") % {"title": session.title})
            return redirect("meeting_detail", meeting_id=meeting.pk)
    if request.method == "POST":
        # An ErrorList yields its messages as text; the stubs also allow ValidationErrors.
        phase_errors = cast(list[str], list(formset.non_form_errors())) + phase_errors
    context = {
        "form": form,
        "formset": formset,
        "phase_errors": phase_errors,
        "exchange": meeting.exchange,
        "meeting": meeting,
        "session": session,
    }
    return render(request, "sessions/session_form.html", context)


@login_required
def session_create(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting, member = meeting_get_for_user(meeting_id=meeting_id, user=request.user)
    require_manager(member)
    if meeting.is_cancelled:
        messages.error(request, _("This meeting is cancelled; sessions can no longer be added to it."))
        return redirect("meeting_detail", meeting_id=meeting.pk)
    return _session_form_page(request, meeting=meeting, member=member)


@login_required
def session_edit(request: HttpRequest, meeting_id: int, session_id: int) -> HttpResponse:
    session, member = selectors.scheduled_session_get_for_user(
        meeting_id=meeting_id, session_id=session_id, user=request.user
    )
    require_manager(member)
    if not session.plan_is_editable:
        messages.error(request, _("This session has already opened; its plan can no longer change."))
        return redirect("meeting_detail", meeting_id=meeting_id)
    return _session_form_page(request, meeting=session.meeting, member=member, session=session)
