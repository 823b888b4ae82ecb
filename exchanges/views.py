"""Pages for exchanges, teams and meetings, the schedule and the series: thin views that parse,
call a selector or service, and render.

Every page first finds the reader's place in the exchange (404 for anyone
outside it); pages that change something then ask the permissions module
(403 for members without a managing role) before showing a form, and the
service checks again when it is submitted.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import form_add_service_errors
from core.middleware import own_language
from participants.models import ExchangeRole
from participants.permissions import (
    can_manage_exchange,
    can_manage_members,
    can_mark_attendance,
    can_read_access_log,
    require_manager,
)
from participants.selectors import calendar_user_get

from . import selectors, services
from .calendar import meetings_to_ical
from .forms import (
    AttendanceForm,
    ExchangeCreateForm,
    ExchangeForm,
    MeetingForm,
    RSVPForm,
    TeamForm,
)

# --- Exchanges ----------------------------------------------------------------


@login_required
def exchange_list(request):
    exchanges = list(selectors.exchange_list_for_user(user=request.user))
    for exchange in exchanges:
        exchange.my_role_label = ExchangeRole(exchange.my_role).label  # type: ignore[attr-defined]  # in the reader's language
    return render(request, "exchanges/exchange_list.html", {"exchanges": exchanges})


@login_required
def exchange_create(request):
    form = ExchangeCreateForm(request.POST or None, initial={"time_zone": "America/New_York"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        exchange = services.exchange_create(
            user=request.user,
            title=data["title"],
            purpose=data["purpose"],
            convening_organisation=data["convening_organisation"],
            time_zone=data["time_zone"],
            status=data["status"],
            recording_terms=data["recording_terms"],
            creator_role=data["creator_role"],
        )
        messages.success(request, _("Created “%(title)s”.") % {"title": exchange.title})
        return redirect("exchange_detail", exchange_id=exchange.pk)
    return render(request, "exchanges/exchange_form.html", {"form": form, "creating": True})


@login_required
def exchange_detail(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_user(exchange_id=exchange_id, user=request.user)
    context = {
        "exchange": exchange,
        "member": member,
        "can_manage": can_manage_exchange(member),
        "can_read_access_log": can_read_access_log(member),
        "teams": selectors.team_list_for_exchange(exchange=exchange),
        "meetings": selectors.meeting_list_for_exchange(exchange=exchange),
    }
    return render(request, "exchanges/exchange_detail.html", context)


@login_required
def exchange_edit(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_user(exchange_id=exchange_id, user=request.user)
    require_manager(member)
    form = ExchangeForm(request.POST or None, instance=exchange)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ExchangeForm.Meta.fields}
        try:
            services.exchange_update(member=member, exchange=exchange, **data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Saved the exchange."))
            return redirect("exchange_detail", exchange_id=exchange.pk)
    return render(request, "exchanges/exchange_form.html", {"form": form, "creating": False, "exchange": exchange})


@login_required
def exchange_composition(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_user(exchange_id=exchange_id, user=request.user)
    composition = selectors.composition_get_for_exchange(exchange=exchange)
    context = {"exchange": exchange, "member": member, "composition": composition}
    return render(request, "exchanges/exchange_composition.html", context)


# --- Teams --------------------------------------------------------------------


@login_required
def team_create(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_user(exchange_id=exchange_id, user=request.user)
    require_manager(member)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(member=member, exchange=exchange, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Added the team from %(community)s.") % {"community": team.community_name})
            return redirect("exchange_detail", exchange_id=exchange.pk)
    return render(request, "exchanges/team_form.html", {"form": form, "exchange": exchange, "team": None})


@login_required
def team_edit(request, team_id: int):
    team, member = selectors.team_get_for_user(team_id=team_id, user=request.user)
    require_manager(member)
    form = TeamForm(request.POST or None, initial=TeamForm.initial_for(team))
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(member=member, team=team, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Saved the team from %(community)s.") % {"community": team.community_name})
            return redirect("exchange_detail", exchange_id=team.exchange_id)
    return render(request, "exchanges/team_form.html", {"form": form, "exchange": team.exchange, "team": team})


# --- Meetings -----------------------------------------------------------------


@login_required
def meeting_create(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_user(exchange_id=exchange_id, user=request.user)
    require_manager(member)
    form = MeetingForm(request.POST or None, initial={"time_zone": exchange.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(member=member, exchange=exchange, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Scheduled meeting %(number)s: %(title)s.") % {"number": meeting.number, "title": meeting.title},
            )
            return redirect("meeting_detail", meeting_id=meeting.pk)
    return render(request, "exchanges/meeting_form.html", {"form": form, "exchange": exchange, "meeting": None})


@login_required
def meeting_edit(request, meeting_id: int):
    meeting, member = selectors.meeting_get_for_user(meeting_id=meeting_id, user=request.user)
    require_manager(member)
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.meeting_update(member=member, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request, _("Saved meeting %(number)s: %(title)s.") % {"number": saved.number, "title": saved.title}
            )
            return redirect("meeting_detail", meeting_id=meeting.pk)
    context = {"form": form, "exchange": meeting.exchange, "meeting": meeting}
    return render(request, "exchanges/meeting_form.html", context)


@login_required
def meeting_detail(request, meeting_id: int):
    meeting, member = selectors.meeting_get_for_user(meeting_id=meeting_id, user=request.user)
    context = {
        "exchange": meeting.exchange,
        "meeting": meeting,
        "member": member,
        "can_manage": can_manage_exchange(member),
        "sessions": selectors.session_list_for_meeting(meeting=meeting),
        "viewer_zone_differs": member.time_zone != meeting.time_zone,
    }
    return render(request, "exchanges/meeting_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, meeting_id: int):
    """GET asks for confirmation; POST cancels."""
    meeting, member = selectors.meeting_get_for_user(meeting_id=meeting_id, user=request.user)
    require_manager(member)
    error = None
    if request.method == "POST":
        try:
            services.meeting_cancel(member=member, meeting=meeting)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Meeting %(number)s is cancelled.") % {"number": meeting.number})
            return redirect("meeting_detail", meeting_id=meeting.pk)
    context = {"exchange": meeting.exchange, "meeting": meeting, "error": error}
    return render(request, "exchanges/meeting_cancel.html", context, status=400 if error else 200)


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
@login_required
def meeting_rsvp(request, meeting_id: int):
    meeting, member = selectors.meeting_get_for_user(meeting_id=meeting_id, user=request.user)
    form = RSVPForm(request.POST)
    if form.is_valid():
        try:
            rsvp = services.rsvp_set(member=member, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Your answer for %(meeting)s: %(response)s.")
                % {"meeting": meeting, "response": rsvp.get_response_display()},
            )
    else:
        messages.error(request, _("Choose coming, not coming or maybe."))
    return redirect(_next_or(request, reverse("my_schedule") + f"#meeting-{meeting.pk}"))


@login_required
def meeting_attendance(request, meeting_id: int):
    meeting, member = selectors.meeting_get_for_manager(meeting_id=meeting_id, user=request.user)
    rows = selectors.attendance_list_for_meeting(meeting=meeting)
    if request.method == "POST":
        form = AttendanceForm(request.POST, member_ids=[r.member.pk for r in rows])
        if form.is_valid():
            try:
                services.attendance_mark(
                    member=member, meeting=meeting, present_member_ids=form.cleaned_data["present"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Saved who came to %(meeting)s.") % {"meeting": meeting})
                return redirect("meeting_attendance", meeting_id=meeting.pk)
        else:
            messages.error(request, _("Some of those people are not members of this exchange."))
    context = {
        "meeting": meeting,
        "exchange": meeting.exchange,
        "rows": rows,
        "present_count": sum(1 for r in rows if r.present),
    }
    return render(request, "exchanges/meeting_attendance.html", context)


@login_required
def exchange_series(request, exchange_id: int):
    series = selectors.series_get_for_user(exchange_id=exchange_id, user=request.user)
    member = series.viewer
    context = {
        "series": series,
        "exchange": series.exchange,
        "can_manage": can_manage_members(member),
        "can_mark": can_mark_attendance(member),
    }
    return render(request, "exchanges/exchange_series.html", context)


@login_required
def my_schedule(request):
    items = selectors.schedule_list_for_user(user=request.user)
    for item in items:
        item.form = RSVPForm(  # type: ignore[attr-defined]  # for the template only
            auto_id=f"rsvp-{item.meeting.pk}-%s",
            initial={
                "response": item.rsvp.response if item.rsvp else None,
                "note": item.rsvp.note if item.rsvp else "",
            },
        )
    feed_url = settings.SITE_URL + reverse("calendar_feed", args=[request.user.calendar_token])
    return render(request, "exchanges/my_schedule.html", {"items": items, "feed_url": feed_url})


@require_GET
def calendar_feed(request, token: str):
    """The person's meetings for their calendar app; the secret in the address is the only key."""
    user = calendar_user_get(token=token)
    # A calendar app asks in no one's language: the feed is in its owner's.
    language = own_language(user)
    with translation.override(language):
        body = meetings_to_ical(selectors.meeting_list_for_calendar(user=user), name=_("Common Ground meetings"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="common-ground.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Language"] = language  # the owner's, not the fetcher's
    return response
