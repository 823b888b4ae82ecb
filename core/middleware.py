"""Every page in its reader's time zone.

A page shows each time converted to the zone of the person reading it (the
templates name the zone beside the time). Whose zone that is:

- a signed-in member: the zone they gave in their membership of the exchange
  the address names (``exchange_id``), else in the membership they joined
  most recently, so the choice never depends on the order rows come back;
- anyone else (and an account with no membership yet): the zone their
  browser reported in the ``tz`` cookie, which ``static/js/timezone.js`` sets
  on every page;
- failing both, ``settings.TIME_ZONE``.

A zone that is unknown, or an old alias, in the cookie is read as the zone it
names or ignored, never trusted as text.
"""

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .fields import time_zone_canonical

TIME_ZONE_COOKIE = "tz"


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    canonical = time_zone_canonical(name)
    return zoneinfo.ZoneInfo(canonical) if canonical else None


def visitor_time_zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    """The zone of someone we know nothing about but their browser's cookie."""
    return _zone(request.COOKIES.get(TIME_ZONE_COOKIE)) or zoneinfo.ZoneInfo(settings.TIME_ZONE)


def member_time_zone(user: Any, *, exchange_id: int | None = None) -> zoneinfo.ZoneInfo | None:
    """The zone of a signed-in person's membership (see the module's docstring), in one query."""
    rows = list(user.memberships.order_by("-joined_at", "-pk").values_list("exchange_id", "time_zone"))
    if not rows:
        return None
    chosen = next((zone for exchange, zone in rows if exchange == exchange_id), rows[0][1])
    return _zone(chosen)


class ReaderTimeZoneMiddleware:
    """Activates the reader's zone for the view and its templates, and no longer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(visitor_time_zone(request))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: dict[str, Any]
    ) -> None:
        """Only here is the address's ``exchange_id`` known; a signed-in reader's zone is chosen now."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        exchange_id = view_kwargs.get("exchange_id")
        zone = member_time_zone(user, exchange_id=exchange_id if isinstance(exchange_id, int) else None)
        if zone is not None:
            timezone.activate(zone)
        return None
