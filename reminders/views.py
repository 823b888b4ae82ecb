"""Pages for what happens between meetings: the outbox, reminder offsets,
check-ins, and the one-click unsubscribe link. Thin: parse, call a selector or
service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.forms import form_add_service_errors
from participants.models import Commitment

from . import selectors, services, tokens
from .forms import CheckInForm, ReminderOffsetForm
from .models import offset_label


@login_required
def exchange_outbox(request: HttpRequest, exchange_id: int) -> HttpResponse:
    outbox = selectors.outbox_get_for_user(exchange_id=exchange_id, user=request.user)
    return render(request, "reminders/outbox.html", {"outbox": outbox, "exchange": outbox.exchange})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_reminders(request: HttpRequest, meeting_id: int) -> HttpResponse:
    schedule = selectors.reminder_schedule_get_for_user(meeting_id=meeting_id, user=request.user)
    meeting, member = schedule.meeting, schedule.member
    form = ReminderOffsetForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            form = ReminderOffsetForm(request.POST)
            if form.is_valid():
                minutes = form.cleaned_data["minutes_before"]
                try:
                    services.reminder_offset_add(
                        actor=member,
                        meeting=meeting,
                        minutes_before=minutes,
                        custom_text=form.cleaned_data["custom_text"],
                    )
                except ValidationError as error:
                    # The form asks for the offset as an amount and a unit: say it beside the amount.
                    if hasattr(error, "error_dict") and "minutes_before" in error.error_dict:
                        error.error_dict["amount"] = error.error_dict.pop("minutes_before")
                    form_add_service_errors(form, error)
                else:
                    messages.success(
                        request, _("Reminder %(offset)s before the meeting saved.") % {"offset": offset_label(minutes)}
                    )
                    return redirect("meeting_reminders", meeting_id=meeting.pk)
        elif action == "remove":
            try:
                minutes = int(request.POST.get("minutes_before", ""))
            except ValueError:
                return HttpResponseBadRequest(_("Which reminder?"))
            services.reminder_offset_remove(actor=member, meeting=meeting, minutes_before=minutes)
            messages.success(
                request, _("Reminder %(offset)s before the meeting removed.") % {"offset": offset_label(minutes)}
            )
            return redirect("meeting_reminders", meeting_id=meeting.pk)
        elif action == "reset":
            services.reminder_plan_reset(actor=member, meeting=meeting)
            messages.success(request, _("This meeting follows the default reminder schedule again."))
            return redirect("meeting_reminders", meeting_id=meeting.pk)
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    offsets = [dict(o, label=offset_label(o["minutes"])) for o in schedule.offsets]
    context = {
        "schedule": schedule,
        "meeting": meeting,
        "exchange": meeting.exchange,
        "offsets": offsets,
        "form": form,
    }
    return render(request, "reminders/meeting_reminders.html", context)


# The token is the authority here: mail clients POST the one-click unsubscribe
# (RFC 8058) without any cookie, so there is no CSRF token to check, and a
# forged request would need the signed link itself.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def reminders_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    member = tokens.member_from_unsubscribe_token(token)
    if member is None:
        return render(request, "reminders/unsubscribe.html", {"invalid": True}, status=400)
    done = None
    if request.method == "POST":
        enabled = request.POST.get("action") == "resubscribe"
        services.member_reminders_set(member=member, enabled=enabled)
        done = "resubscribed" if enabled else "unsubscribed"
    return render(request, "reminders/unsubscribe.html", {"member": member, "exchange": member.exchange, "done": done})


def _checkin_page(request: HttpRequest, commitment: Commitment, *, action_url: str) -> HttpResponse:
    now = timezone.now()
    until = services.checkin_open_until(commitment)
    editable = until is not None and now < until
    existing = getattr(commitment, "check_in", None)
    form = CheckInForm(request.POST or None, instance=existing)
    if request.method == "POST":
        if not editable:
            messages.error(request, _("The next meeting has begun: this check-in can no longer change."))
        elif form.is_valid():
            services.checkin_save(commitment=commitment, now=now, **form.cleaned_data)
            messages.success(
                request, _("Thank you. Your check-in is saved; you can change it until the meeting starts.")
            )
            return redirect(action_url)
    context = {
        "commitment": commitment,
        "exchange": commitment.member.exchange,
        "form": form,
        "editable": editable,
        "until": until,
        "check_in": existing,
        "action_url": action_url,
        "zone": commitment.member.time_zone,
    }
    return render(request, "reminders/checkin_answer.html", context, status=200 if editable or not form.errors else 400)


@require_http_methods(["GET", "POST"])
def checkin_answer(request: HttpRequest, token: str) -> HttpResponse:
    """Answer a check-in from the emailed link, without signing in."""
    try:
        commitment = tokens.commitment_from_checkin_token(token, now=timezone.now())
    except tokens.CheckInLinkError as exc:
        return render(request, "reminders/checkin_link_invalid.html", {"reason": str(exc)}, status=403)
    return _checkin_page(request, commitment, action_url=request.path)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_checkin(request: HttpRequest, commitment_id: int) -> HttpResponse:
    """The same check-in, for a member who is signed in."""
    commitment = selectors.commitment_get_for_user(commitment_id=commitment_id, user=request.user)
    return _checkin_page(request, commitment, action_url=request.path)


@login_required
def exchange_checkins(request: HttpRequest, exchange_id: int) -> HttpResponse:
    exchange, groups = selectors.checkin_list_for_user(exchange_id=exchange_id, user=request.user)
    return render(request, "reminders/exchange_checkins.html", {"exchange": exchange, "groups": groups})
