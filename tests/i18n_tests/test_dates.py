"""Dates in the reader's language: pages and emails name a shape, the catalog gives its order."""

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core.dates import FORMATS, format_when

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
WHEN = dt.datetime(2026, 3, 2, 14, 5, tzinfo=NEW_YORK)  # a Monday


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("long", "Monday 2 March 2026, 14:05 EST"),
        ("long_nozone", "Monday 2 March 2026, 14:05"),
        ("day", "Monday 2 March"),
        ("medium", "2 March 2026, 14:05 EST"),
        ("short", "Mon 2 Mar 2026, 14:05 EST"),
        ("short_noyear_zone", "Mon 2 Mar, 14:05 EST"),
        ("date", "2 Mar 2026"),
        ("time_zone", "14:05 EST"),
    ],
)
def test_english_shapes(shape: str, expected: str) -> None:
    with translation.override("en"):
        assert format_when(WHEN, shape) == expected


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("long", "lunes 2 de marzo de 2026, 14:05 EST"),
        ("day", "lunes 2 de marzo"),
        ("medium", "2 de marzo de 2026, 14:05 EST"),
        ("date_in_sentence", "2 de marzo de 2026"),
        ("time_zone", "14:05 EST"),
    ],
)
def test_spanish_shapes_give_spanish_word_order(shape: str, expected: str) -> None:
    """The catalog's formats: a letter left unescaped ("de" as d-e) would print a day and a zone."""
    with translation.override("es"):
        assert format_when(WHEN, shape) == expected


def test_every_shape_formats_a_datetime() -> None:
    with translation.override("en"):
        for shape in FORMATS:
            assert format_when(WHEN, shape)


def test_an_unknown_shape_is_an_error_not_a_printed_name() -> None:
    with pytest.raises(KeyError):
        format_when(WHEN, "longg")


def test_the_filter_converts_to_the_pages_zone_first() -> None:
    template = Template('{% load when %}{{ value|when:"short" }}|{{ empty|when:"short" }}')
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        assert template.render(Context({"value": WHEN, "empty": None})) == "Mon 2 Mar 2026, 20:05 CET|"


def test_the_filter_keeps_a_zone_the_template_chose() -> None:
    template = Template('{% load tz when %}{{ value|timezone:"America/Los_Angeles"|when:"time_zone" }}')
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        assert template.render(Context({"value": WHEN})) == "11:05 PST"
