"""A time zone field shared by exchanges, meetings and members."""

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not a known time zone.", params={"value": value})


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
        return models.Field.formfield(self, **kwargs)
