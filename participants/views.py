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
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from core.fields import time_zone_canonical
from core.forms import form_add_service_errors
from core.middleware import asked_language, browser_language, offered_language
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
    """Sign out, and forget the language switcher's cookie with the session.

    The person's language is kept on their account; left in the browser, the
    cookie would choose the next person's language on a shared computer.
    """
    response = auth_views.LogoutView.as_view()(request)
    response.delete_cookie(
        settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN
    )
    return response


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
            messages.success(
                request,
                _("Invitation sent to %(name)s <%(email)s>.") % {"name": invitation.name, "email": invitation.email},
            )
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
                member=member,
                exchange=exchange,
                text=form.cleaned_data["rows"],
                language=form.cleaned_data.get("language", ""),
            )
        except ValidationError as exc:
            row_errors = exc.messages
            form.show_row_errors()
        else:
            count = len(invitations)
            messages.success(
                request, ngettext("Sent %(count)d invitation.", "Sent %(count)d invitations.", count) % {"count": count}
            )
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
        messages.success(
            request,
            _("Withdrew the invitation to %(email)s; its link no longer works.") % {"email": invitation.email},
        )
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
        messages.success(request, _("Sent the invitation to %(email)s again.") % {"email": invitation.email})
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
        language=_joining_language(request, invitation, account),
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
            # Kept even when left as it started (emails have no browser to ask),
            # unless "The one my browser asks for" (blank) is chosen.
            if "language" in data:
                services.user_language_set(user=member.user, language=data["language"])
                # The welcome below is in their language already.
                translation.activate(data["language"] or browser_language(request))
            if not request.user.is_authenticated:
                login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome to %(exchange)s, %(name)s.") % {"exchange": exchange.title, "name": member.display_name},
            )
            return redirect("exchange_detail", exchange_id=exchange.pk)
    context = {"invitation": invitation, "exchange": exchange, "form": form, "has_account": account is not None}
    return render(request, "participants/invitation_accept.html", context)


def _joining_language(request, invitation, account) -> str:
    """Where the joining page's language question starts (docs/languages.md).

    An account's own choice, blank ("the one my browser asks for") included;
    for a newcomer, what their browser asks for if it asks for a language
    offered, else the language their inviter wrote the invitation in, else
    the site's.
    """
    if account is not None:
        return offered_language(account.language) or ""
    return (
        asked_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        or offered_language(invitation.language)
        or settings.LANGUAGE_CODE
    )


@login_required
def member_edit_self(request, exchange_id: int):
    member = member_get_or_404(user=request.user, exchange_id=exchange_id)
    exchange = member.exchange
    form = MemberSelfForm(
        request.POST or None,
        language=offered_language(request.user.language) or "",  # blank: as the browser asks
        initial={
            "display_name": member.display_name,
            "pronouns": member.pronouns,
            "time_zone": time_zone_canonical(member.time_zone),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        language = data.pop("language", None)
        try:
            services.member_update_self(member=member, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            if language is not None:
                services.user_language_set(user=request.user, language=language)
                translation.activate(language or browser_language(request))
            messages.success(request, _("Saved your details."))
            return redirect("exchange_detail", exchange_id=exchange.pk)
    return render(request, "participants/member_edit_self.html", {"exchange": exchange, "member": member, "form": form})


@login_required
def member_edit(request, exchange_id: int, member_id: int):
    target, actor = selectors.member_get_for_manager(exchange_id=exchange_id, member_id=member_id, user=request.user)
    if not can_edit_member(actor, target):
        raise PermissionDenied(_("Only a convener can change a convener's team or roles."))
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
            messages.success(request, _("Saved %(name)s's team and roles.") % {"name": target.display_name})
            return redirect("member_list", exchange_id=exchange.pk)
    context = {"exchange": exchange, "target": target, "form": form}
    return render(request, "participants/member_edit.html", context)


# --- RSVPs, attendance, series ----------------------------------------------------------------


# --- Schedule and calendar --------------------------------------------------------------------


@require_POST
@login_required
def calendar_token_reset(request):
    services.calendar_token_reset(user=request.user)
    messages.success(request, _("Your calendar feed has a new address. Subscribe to it again in your calendar app."))
    return redirect("my_schedule")


# --- Language ---------------------------------------------------------------------------------


@require_POST
def language_set(request):
    """The header's switcher: Django's ``set_language`` cookie, and the person's own choice when signed in.

    Only an offered language is accepted; the reader returns to the page they were on.
    """
    language = offered_language(request.POST.get("language"))
    if language is None:
        return HttpResponseBadRequest(_("That language is not offered."))
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
