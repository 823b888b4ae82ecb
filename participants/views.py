"""Pages about people: signing in, invitations, joining, profiles, RSVPs,
attendance, the series grid, the personal schedule and calendar feed.

Views parse, call a selector or service, and render. The endpoints a
stranger can reach (sign-in, the admin's sign-in, invitation links) are
rate-limited per address.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from core.fields import time_zone_canonical
from core.forms import form_add_service_errors
from core.selectors import member_get_or_404

from . import selectors, services
from .forms import (
    AcceptInvitationForm,
    BulkInvitationForm,
    EmailAuthenticationForm,
    InvitationForm,
    MemberRolesForm,
    MemberSelfForm,
)
from .invitations import InvitationState, invitation_from_token, invitation_state
from .models import Member
from .permissions import can_edit_member


def rate_limited(request, exception=None):
    """Shown instead of a page when one address tries too often."""
    return render(request, "rate_limited.html", status=429)


def _limited_by_ip(rate_setting: str, method=ratelimit.ALL, key="ip", group=None):
    """Count requests per client address (or per ``key``); over
    ``settings.<rate_setting>`` answer 429. Views sharing a ``group`` share
    one count."""

    def decorator(view):
        @ratelimit(
            group=group,
            key=key,
            rate=lambda group, request: getattr(settings, rate_setting),
            method=method,
            block=False,
        )
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if getattr(request, "limited", False):
                return rate_limited(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Accounts ----------------------------------------------------------------------


def _login_account(group, request) -> str:
    """The account a sign-in names, case-folded, so guesses spread over many
    addresses are still counted against the one account they target."""
    return request.POST.get("username", "").strip().lower()


def sign_in_limited(view):
    """Both sign-in limits: per client address (``LOGIN_RATE``) and per
    account named, whatever the address (``LOGIN_ACCOUNT_RATE``).

    Every sign-in form shares the same counts, so a guesser gains nothing by
    alternating between the site's sign-in and the admin's.
    """
    view = _limited_by_ip("LOGIN_ACCOUNT_RATE", method="POST", key=_login_account, group="sign-in.account")(view)
    return _limited_by_ip("LOGIN_RATE", method="POST", group="sign-in.address")(view)


@sign_in_limited
def login_view(request):
    return auth_views.LoginView.as_view(
        template_name="participants/login.html",
        authentication_form=EmailAuthenticationForm,
        redirect_authenticated_user=True,
    )(request)


@sign_in_limited
def admin_login(request):
    """The Django admin's sign-in, under the same limits as the site's own."""
    return admin.site.login(request)


@require_POST
def logout_view(request):
    return auth_views.LogoutView.as_view()(request)


# --- Members and invitations -------------------------------------------------------------


@login_required
def member_list(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_manager(exchange_id=exchange_id, user=request.user)
    invitations = list(selectors.invitation_list_for_exchange(exchange=exchange))
    members = list(selectors.member_list_for_exchange(exchange=exchange))
    context = {
        "exchange": exchange,
        "member": member,
        "members": members,
        "editable_ids": {m.pk for m in members if can_edit_member(member, m)},
        "invitations": invitations,
        "unanswered": [i for i in invitations if i.state in (InvitationState.PENDING, InvitationState.EXPIRED)],
        "state_labels": InvitationState.LABELS,
    }
    return render(request, "participants/member_list.html", context)


@login_required
def invitation_create(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_manager(exchange_id=exchange_id, user=request.user)
    form = InvitationForm(request.POST or None, exchange=exchange, actor=member)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(member=member, exchange=exchange, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.name} <{invitation.email}>.")
            return redirect("member_list", exchange_id=exchange.pk)
    context = {"exchange": exchange, "form": form, "invitation_days": settings.INVITATION_DAYS}
    return render(request, "participants/invitation_form.html", context)


@login_required
def invitations_bulk(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_manager(exchange_id=exchange_id, user=request.user)
    form = BulkInvitationForm(request.POST or None)
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            invitations = services.invitations_create_bulk(
                member=member, exchange=exchange, text=form.cleaned_data["rows"]
            )
        except ValidationError as exc:
            row_errors = exc.messages
            form.show_row_errors()
        else:
            count = len(invitations)
            messages.success(request, f"Sent {count} invitation{'' if count == 1 else 's'}.")
            return redirect("member_list", exchange_id=exchange.pk)
    context = {"exchange": exchange, "form": form, "row_errors": row_errors, "teams": exchange.teams.all()}
    return render(request, "participants/invitations_bulk.html", context, status=400 if row_errors else 200)


@require_POST
@login_required
def invitation_revoke(request, exchange_id: int, invitation_id: int):
    invitation, member = selectors.invitation_get_for_manager(
        invitation_id=invitation_id, exchange_id=exchange_id, user=request.user
    )
    try:
        services.invitation_revoke(member=member, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Withdrew the invitation to {invitation.email}; its link no longer works.")
    return redirect("member_list", exchange_id=exchange_id)


@require_POST
@login_required
def invitation_resend(request, exchange_id: int, invitation_id: int):
    invitation, member = selectors.invitation_get_for_manager(
        invitation_id=invitation_id, exchange_id=exchange_id, user=request.user
    )
    try:
        services.invitation_resend(member=member, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Sent the invitation to {invitation.email} again.")
    return redirect("member_list", exchange_id=exchange_id)


@_limited_by_ip("INVITATION_RATE")
def invitation_accept(request, token: str):
    """Open an invitation link: show what the person is joining, then join them.

    Nothing changes until the form is sent, and nothing changes when the link
    is unusable (tampered with, expired, used, withdrawn).
    """
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(request, "participants/invitation_unusable.html", {"reason": "invalid"}, status=404)
    state = invitation_state(invitation)
    if state != InvitationState.PENDING:
        context = {"reason": state, "invitation": invitation}
        return render(request, "participants/invitation_unusable.html", context, status=410)
    exchange = invitation.exchange
    try:
        account = services.invitation_check_visitor(invitation=invitation, user=request.user)
    except services.SignInRequired:
        login_url = reverse("login") + "?" + urlencode({"next": request.get_full_path()})
        context = {"reason": "sign_in", "invitation": invitation, "exchange": exchange, "login_url": login_url}
        return render(request, "participants/invitation_unusable.html", context)
    except services.WrongAccount:
        context = {"reason": "wrong_account", "invitation": invitation, "exchange": exchange}
        return render(request, "participants/invitation_unusable.html", context, status=403)
    if account is not None and Member.objects.filter(exchange=exchange, user=account).exists():
        context = {"reason": "already_member", "invitation": invitation, "exchange": exchange}
        return render(request, "participants/invitation_unusable.html", context, status=409)

    form = AcceptInvitationForm(
        request.POST or None,
        needs_password=account is None,
        initial={"display_name": invitation.name, "time_zone": time_zone_canonical(exchange.time_zone)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.invitation_accept(
                invitation=invitation,
                user=request.user,
                display_name=data["display_name"],
                pronouns=data["pronouns"],
                time_zone=data["time_zone"],
                consent=data["consent"],
                password=data.get("password"),
            )
        except services.InvitationClosed as exc:
            return render(request, "participants/invitation_unusable.html", {"reason": exc.state}, status=410)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            if not request.user.is_authenticated:
                login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {exchange.title}, {member.display_name}.")
            return redirect("exchange_detail", exchange_id=exchange.pk)
    context = {"invitation": invitation, "exchange": exchange, "form": form, "has_account": account is not None}
    return render(request, "participants/invitation_accept.html", context)


@login_required
def member_edit_self(request, exchange_id: int):
    member = member_get_or_404(user=request.user, exchange_id=exchange_id)
    exchange = member.exchange
    form = MemberSelfForm(
        request.POST or None,
        initial={
            "display_name": member.display_name,
            "pronouns": member.pronouns,
            "time_zone": time_zone_canonical(member.time_zone),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update_self(member=member, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Saved your details.")
            return redirect("exchange_detail", exchange_id=exchange.pk)
    return render(request, "participants/member_edit_self.html", {"exchange": exchange, "member": member, "form": form})


@login_required
def member_edit(request, exchange_id: int, member_id: int):
    target, actor = selectors.member_get_for_manager(exchange_id=exchange_id, member_id=member_id, user=request.user)
    if not can_edit_member(actor, target):
        raise PermissionDenied("Only a convener can change a convener's team or roles.")
    exchange = actor.exchange
    form = MemberRolesForm(
        request.POST or None,
        exchange=exchange,
        actor=actor,
        target=target,
        initial={
            "team": target.team_id,
            "stakeholder_role": target.stakeholder_role,
            "exchange_role": target.exchange_role,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(actor=actor, member=target, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved {target.display_name}'s team and roles.")
            return redirect("member_list", exchange_id=exchange.pk)
    context = {"exchange": exchange, "target": target, "form": form}
    return render(request, "participants/member_edit.html", context)


# --- RSVPs, attendance, series ----------------------------------------------------------------


# --- Schedule and calendar --------------------------------------------------------------------


@require_POST
@login_required
def calendar_token_reset(request):
    services.calendar_token_reset(user=request.user)
    messages.success(request, "Your calendar feed has a new address. Subscribe to it again in your calendar app.")
    return redirect("my_schedule")
