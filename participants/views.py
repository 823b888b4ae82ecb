"""Accounts: sign-in and sign-out, rate-limited against password guessing."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from .forms import EmailAuthenticationForm


@ratelimit(key="ip", rate=lambda group, request: settings.LOGIN_RATE, method="POST", block=True)
def login_view(request):
    return auth_views.LoginView.as_view(
        template_name="participants/login.html",
        authentication_form=EmailAuthenticationForm,
        redirect_authenticated_user=True,
    )(request)


@require_POST
def logout_view(request):
    return auth_views.LogoutView.as_view()(request)


def rate_limited(request, exception=None):
    """Shown instead of a page when one address tries too often."""
    return render(request, "rate_limited.html", status=429)


@login_required
def my_schedule(request):
    return render(request, "participants/my_schedule.html", {})
