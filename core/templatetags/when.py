"""``{{ value|when:"long" }}``: a date in one of the product's named shapes (``core.dates``)."""

import datetime as dt

from django import template

from core.dates import format_when

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def when(value: dt.date | dt.datetime | None, shape: str) -> str:
    """Like ``|date``, converted to the page's zone first, but naming a shape instead of a format.

    An empty value renders empty, as ``|date`` does.
    """
    if value in (None, ""):
        return ""
    return format_when(value, shape)
