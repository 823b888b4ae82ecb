"""A time zone field shared by exchanges, meetings and members, and the list
of zones a person chooses from.

The list is what people recognise: one zone per country region as the tz
database's ``zone.tab`` names them (so Amsterdam and Kolkata are there even
where the database now links them to another city), the canonical zones,
and UTC. It leaves out ``Etc/GMT+5`` (whose sign is the reverse of what it
seems), ``Factory``, the POSIX-style ``EST5EDT`` and the old aliases
(``US/Eastern``, ``Asia/Calcutta``), which only make a long list longer.
Zones most people pick come first, under "Common".
"""

import json
import zoneinfo
from functools import cache
from importlib import resources
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

UTC = "UTC"

#: Offered first, in this order: the United States, then Europe, then the rest
#: of the world from west to east. Labels say the name people use.
COMMON_TIME_ZONES: list[tuple[str, str | Promise]] = [
    ("America/New_York", _("Eastern Time (US and Canada) — New York")),
    ("America/Chicago", _("Central Time (US and Canada) — Chicago")),
    ("America/Denver", _("Mountain Time (US and Canada) — Denver")),
    ("America/Phoenix", _("Mountain Time, no daylight saving — Phoenix")),
    ("America/Los_Angeles", _("Pacific Time (US and Canada) — Los Angeles")),
    ("America/Anchorage", _("Alaska — Anchorage")),
    ("Pacific/Honolulu", _("Hawaii — Honolulu")),
    ("Europe/London", _("United Kingdom — London")),
    ("Europe/Dublin", _("Ireland — Dublin")),
    ("Europe/Lisbon", _("Portugal — Lisbon")),
    ("Europe/Paris", _("Central European Time — Paris")),
    ("Europe/Berlin", _("Central European Time — Berlin")),
    ("Europe/Madrid", _("Central European Time — Madrid")),
    ("Europe/Rome", _("Central European Time — Rome")),
    ("Europe/Amsterdam", _("Central European Time — Amsterdam")),
    ("Europe/Athens", _("Eastern European Time — Athens")),
    ("America/Halifax", _("Atlantic Time (Canada) — Halifax")),
    ("America/Mexico_City", _("Mexico — Mexico City")),
    ("America/Bogota", _("Colombia — Bogotá")),
    ("America/Sao_Paulo", _("Brazil — São Paulo")),
    ("Africa/Lagos", _("West Africa — Lagos")),
    ("Africa/Johannesburg", _("South Africa — Johannesburg")),
    ("Africa/Nairobi", _("East Africa — Nairobi")),
    ("Asia/Kolkata", _("India — Kolkata")),
    ("Asia/Singapore", _("Singapore")),
    ("Asia/Tokyo", _("Japan — Tokyo")),
    ("Australia/Sydney", _("Australia Eastern — Sydney")),
    ("Pacific/Auckland", _("New Zealand — Auckland")),
    (UTC, _("Coordinated Universal Time (UTC)")),
]


def _tzdata_text(name: str) -> str:
    """One of the tz database's tables, from the ``tzdata`` package (always
    installed with Django on every platform), else from the system's copy."""
    try:
        return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        for root in zoneinfo.TZPATH:
            try:
                with open(f"{root}/{name}", encoding="utf-8") as handle:
                    return handle.read()
            except OSError:
                continue
    return ""


@cache
def _zone_links() -> dict[str, str]:
    """Each old name the tz database keeps (``Asia/Calcutta``) and the zone it now names."""
    links = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        if line.startswith("L "):
            _kind, target, alias = line.split()[:3]
            links[alias] = target
    return links


@cache
def _offered_zones() -> frozenset[str]:
    known = zoneinfo.available_timezones()
    names = {line.split("\t")[2] for line in _tzdata_text("zone.tab").splitlines() if line and not line.startswith("#")}
    names |= {line.split()[1] for line in _tzdata_text("tzdata.zi").splitlines() if line.startswith("Z ")}
    names = {n for n in names if "/" in n and not n.startswith("Etc/")}
    names.add(UTC)
    names |= {zone for zone, _label in COMMON_TIME_ZONES}
    return frozenset(n for n in names if n in known)


def zone_label(name: str) -> str:
    """``America/Los_Angeles`` as people read it: ``America/Los Angeles``."""
    return name.replace("_", " ")


@cache
def time_zone_choices() -> list[tuple[str | Promise, Any]]:
    """The zones to choose from, grouped: "Common" first, then one group per region."""
    offered = _offered_zones()
    common = [(zone, label) for zone, label in COMMON_TIME_ZONES if zone in offered]
    taken = {zone for zone, _label in common}
    regions: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(offered - taken):
        regions.setdefault(name.split("/", 1)[0], []).append((name, zone_label(name)))
    # Lazy: the list is cached once per process and read in each reader's language.
    return [(_("Common"), common), *sorted(regions.items())]


def time_zone_canonical(value: str | None) -> str | None:
    """The offered zone ``value`` names (an old alias becomes its zone), or None.

    Browsers report the zone by the name their own copy of the database
    uses, which is sometimes an old one (``Asia/Calcutta``, ``Europe/Kiev``).
    """
    if not value:
        return None
    offered = _offered_zones()
    seen = set()
    while value not in offered and value in _zone_links() and value not in seen:
        seen.add(value)
        value = _zone_links()[value]
    if value in offered:
        return value
    if value == "Etc/UTC" or value in {"Etc/GMT", "GMT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu"}:
        return UTC
    return None


@cache
def time_zone_aliases() -> dict[str, str]:
    """Every old name that leads to an offered zone, for the picker to
    preselect a browser's zone whatever name the browser gives it."""
    aliases = {}
    for alias in _zone_links():
        target = time_zone_canonical(alias)
        if target is not None and target != alias:
            aliases[alias] = target
    return aliases


class TimeZoneSelect(forms.Select):
    """The list of zones, made searchable by ``static/js/timezone.js``.

    ``browser="preselect"`` (a person's own zone, not yet chosen) has the
    script choose the zone the browser reports; ``browser="suggest"`` (a zone
    already saved) has it offer the browser's zone with a button instead of
    changing the answer behind the person's back. Without the script the
    list works as it is, with the server's initial choice.
    """

    def __init__(self, attrs: dict[str, Any] | None = None, *, browser: str = "") -> None:
        own: dict[str, Any] = {"data-time-zone-picker": browser}
        if browser:  # only a question about the browser's zone needs its old names
            own["data-time-zone-aliases"] = json.dumps(time_zone_aliases(), separators=(",", ":"))
        super().__init__({**own, **(attrs or {})})


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class TimeZoneField(models.CharField):
    """An IANA time zone name, stored as text and offered as a list.

    The choices are not part of the field (so migrations do not carry the
    whole tz database); the validator and the form field supply them.
    """

    default_validators = [validate_time_zone]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        kwargs.setdefault("form_class", forms.TypedChoiceField)
        kwargs.setdefault("choices", time_zone_choices)
        kwargs.setdefault("widget", TimeZoneSelect)
        return models.Field.formfield(self, **kwargs)
