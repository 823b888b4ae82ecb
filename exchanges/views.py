"""Pages for exchanges: thin views that parse, call a selector or service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from . import selectors, services
from .forms import ExchangeCreateForm
from .permissions import can_manage_exchange


@login_required
def exchange_list(request):
    exchanges = selectors.exchange_list_for_user(user=request.user)
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
        messages.success(request, f"Created “{exchange.title}”.")
        return redirect("exchange_detail", exchange_id=exchange.pk)
    return render(request, "exchanges/exchange_form.html", {"form": form, "creating": True})


@login_required
def exchange_detail(request, exchange_id: int):
    exchange, member = selectors.exchange_get_for_user(exchange_id=exchange_id, user=request.user)
    context = {
        "exchange": exchange,
        "member": member,
        "can_manage": can_manage_exchange(member),
        "teams": exchange.teams.all(),
        "meetings": exchange.meetings.prefetch_related("sessions"),
    }
    return render(request, "exchanges/exchange_detail.html", context)
