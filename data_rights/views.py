"""Pages for a person's own data: see what is held, download it, delete the account.

Thin: the services in ``data_rights.services`` do the work; these pages
parse, confirm and render. Only the signed-in person's own data is ever
reachable here: no page takes an id.
"""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import form_add_service_errors

from .services import NamedWords, user_account_delete, user_data_export


class AccountDeleteForm(forms.Form):
    named_words = forms.ChoiceField(
        label=gettext_lazy("Your on-the-record words, commitments and check-ins"),
        choices=NamedWords.CHOICES,
        initial=NamedWords.REMOVE,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Words you gave not for attribution or anonymously stay in the archive without your name; "
            "off-the-record and withdrawn words were never kept, and your “I heard you” reflections "
            "are removed either way."
        ),
    )
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("To be sure it is you."),
    )
    confirm = forms.BooleanField(label=gettext_lazy("I understand this cannot be undone."))


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """What the app holds about the person, and the two things they can do with it."""
    return render(request, "data_rights/my_data.html", {})


@never_cache
@login_required
@require_GET
def my_data_export(request: HttpRequest) -> HttpResponse:
    assert request.user.is_authenticated  # login_required
    data = user_data_export(user=request.user)
    body = json.dumps(data, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="common-ground-my-data-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = user_account_delete(
                user=request.user,
                password=form.cleaned_data["password"],
                named_words=form.cleaned_data["named_words"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            logout(request)
            kept_commitments = result.get("commitments_kept", 0)
            counts = {"erased": result["erased"], "kept": result["kept"], "commitments": kept_commitments}
            if kept_commitments:
                done = _(
                    "Your account is deleted. %(erased)s of your contributions were erased; "
                    "%(kept)s stay in the archive without your name, "
                    "and so do %(commitments)s of your commitments."
                )
            else:
                done = _(
                    "Your account is deleted. %(erased)s of your contributions were erased; "
                    "%(kept)s stay in the archive without your name."
                )
            messages.success(request, done % counts)
            return redirect("login")
    return render(request, "data_rights/account_delete.html", {"form": form})
