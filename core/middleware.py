"""Every page in its reader's time zone and language.

A page shows each time converted to the zone of the person reading it (the
templates name the zone beside the time). Whose zone that is:

- a signed-in member: the zone they gave in their membership of the exchange
  the address is about (its ``exchange_id``, or the exchange of its meeting,
  session, theme or commitment: ``EXCHANGE_LOOKUPS``), else in the membership
  they joined most recently, so the choice never depends on the order rows
  come back;
- anyone else (and an account with no membership yet): the zone their
  browser reported in the ``tz`` cookie, which ``static/js/timezone.js`` sets
  on every page;
- failing both, ``settings.TIME_ZONE``.

A zone that is unknown, or an old alias, in the cookie is read as the zone it
names or ignored, never trusted as text.

The reader's language (docs/languages.md) is, among ``settings.OFFERED_LANGUAGES``
only: the signed-in person's own choice (``User.language``), else the
``django_language`` cookie the header's switcher sets, else the browser's
``Accept-Language``, else ``settings.LANGUAGE_CODE``. Django's
``LocaleMiddleware`` runs first (and sets ``Content-Language`` and ``Vary``);
it knows neither the person nor which catalogs are complete, so this decides.
"""

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from .fields import time_zone_canonical

TIME_ZONE_COOKIE = "tz"


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    canonical = time_zone_canonical(name)
    return zoneinfo.ZoneInfo(canonical) if canonical else None


def visitor_time_zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    """The zone of someone we know nothing about but their browser's cookie."""
    return _zone(request.COOKIES.get(TIME_ZONE_COOKIE)) or zoneinfo.ZoneInfo(settings.TIME_ZONE)


# How a membership reaches the exchange an address is about, by the address's
# keyword: lookups through the models' relations, so that this module, below
# every app, imports none of their models.
EXCHANGE_LOOKUPS = {
    "exchange_id": "exchange_id",
    "meeting_id": "exchange__meetings",
    "session_id": "exchange__meetings__sessions",
    "theme_id": "exchange__themes",
    "commitment_id": "exchange__members__commitments",
}


def member_time_zone(user: Any, *, about: dict[str, Any] | None = None) -> zoneinfo.ZoneInfo | None:
    """The zone of a signed-in person's membership (see the module's docstring).

    ``about`` is the address's keywords. One query when the person is a member
    of the exchange it is about, or when it is about none; two otherwise.
    """
    memberships = user.memberships.order_by("-joined_at", "-pk")
    about = about or {}
    key = next((k for k in EXCHANGE_LOOKUPS if isinstance(about.get(k), int)), None)
    if key is not None:
        zone = memberships.filter(**{EXCHANGE_LOOKUPS[key]: about[key]}).values_list("time_zone", flat=True).first()
        if zone:
            return _zone(zone)
    latest = memberships.values_list("time_zone", flat=True).first()
    return _zone(latest) if latest else None


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
        """Only here is what the address is about known; a signed-in reader's zone is chosen now."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        zone = member_time_zone(user, about=view_kwargs)
        if zone is not None:
            timezone.activate(zone)
        return None


def offered_language(code: str | None) -> str | None:
    """``code`` (or its base language: "es-MX" -> "es") if it is offered, else None."""
    if not code:
        return None
    offered = {lang for lang, _name in settings.OFFERED_LANGUAGES}
    code = code.lower()
    if code in offered:
        return code
    base = code.split("-")[0]
    return base if base in offered else None


def own_language(user: Any) -> str:
    """A person's language where no browser asks (emails, tasks, the calendar feed):
    their own choice if offered, else the site's."""
    return offered_language(getattr(user, "language", "")) or settings.LANGUAGE_CODE


def language_choice() -> bool:
    """Whether people choose a language at all: only when more than one is offered."""
    return len(settings.OFFERED_LANGUAGES) > 1


def asked_language(header: str) -> str | None:
    """The first offered language in an ``Accept-Language`` header, or None if it asks for none."""
    for accept_lang, _quality in trans_real.parse_accept_lang_header(header or ""):
        if accept_lang == "*":
            break
        chosen = offered_language(accept_lang)
        if chosen:
            return chosen
    return None


def accepted_language(header: str) -> str:
    """The first offered language in an ``Accept-Language`` header, else the default."""
    return asked_language(header) or settings.LANGUAGE_CODE


def browser_language(request: HttpRequest) -> str:
    """The first offered language the browser asks for, else the default."""
    return accepted_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))


def language_choose(*, user: Any, cookie: str | None, accept: str) -> str:
    """The person's choice > the switcher's cookie > Accept-Language > the default; offered only.

    Pages (``reader_language``) and the live room's sockets (``sessions/consumers.py``) both ask this.
    """
    if user is not None and user.is_authenticated:
        chosen = offered_language(getattr(user, "language", ""))
        if chosen:
            return chosen
    return offered_language(cookie) or accepted_language(accept)


def reader_language(request: HttpRequest) -> str:
    """The language of the person reading a page (the module's docstring)."""
    return language_choose(
        user=getattr(request, "user", None),
        cookie=request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        accept=request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
    )


class ReaderLanguageMiddleware:
    """Activates the reader's language (the module's docstring) for the view and its templates.

    With one language offered (English only) it reads nothing, not even the
    user: every page is in ``settings.LANGUAGE_CODE``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if language_choice():
            language = reader_language(request)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)  # LocaleMiddleware's would be its own guess
            return response
        finally:
            # Nothing outlives the request: not this language, nor the one
            # LocaleMiddleware activated before it (a thread serves many people).
            translation.deactivate()


def languages(request: HttpRequest) -> dict[str, Any]:
    """Template context: the languages a person may choose (none shown unless more than one)."""
    return {"OFFERED_LANGUAGES": settings.OFFERED_LANGUAGES, "LANGUAGE_CHOICE": language_choice()}
