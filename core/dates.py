"""The product's date and time formats, one name per shape, each in the reader's language.

Pages and emails name a shape (``long``, ``short``, ``date``...) instead of
spelling a format: a format is word order as much as words, and "Monday 5 March
2026" is "lunes 5 de marzo de 2026" in Spanish. Each format is a translatable
string (context "date format"), so a language's catalog gives its own order
while Django's catalogs give the month and weekday names. The letters are
Django's ``date`` filter's; a literal letter is escaped (``\\d\\e``).

Machine shapes (``Ymd`` comparisons, ISO ``datetime`` attributes, the zone's
abbreviation ``T`` alone) stay spelled where they are used: they never change
with the language.
"""

import datetime as dt

from django.utils import dateformat
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

FORMATS: dict[str, Promise] = {
    # Translators: a date format (Django's date filter letters): "Monday 5 March 2026, 14:00 EST".
    "long": pgettext_lazy("date format", "l j F Y, H:i T"),
    # Translators: a date format: "Monday 5 March 2026, 14:00" (the zone is named beside it).
    "long_nozone": pgettext_lazy("date format", "l j F Y, H:i"),
    # Translators: a date format: "Monday 5 March" (a later day of the same meeting).
    "day": pgettext_lazy("date format", "l j F"),
    # Translators: a date format: "5 March 2026, 14:00 EST".
    "medium": pgettext_lazy("date format", "j F Y, H:i T"),
    # Translators: a date format: "Mon 5 Mar 2026, 14:00 EST".
    "short": pgettext_lazy("date format", "D j M Y, H:i T"),
    # Translators: a date format: "Mon 5 Mar 2026, 14:00" (the zone is named beside it).
    "short_nozone": pgettext_lazy("date format", "D j M Y, H:i"),
    # Translators: a date format: "Mon 5 Mar, 14:00" (the year and zone are clear from the page).
    "short_noyear": pgettext_lazy("date format", "D j M, H:i"),
    # Translators: a date format: "Mon 5 Mar, 14:00 EST" (an email's subject line).
    "short_noyear_zone": pgettext_lazy("date format", "D j M, H:i T"),
    # Translators: a date format: "5 Mar 2026, 14:00 EST" (tables).
    "compact": pgettext_lazy("date format", "j M Y, H:i T"),
    # Translators: a date format: "5 Mar, 14:00 EST" (tables, this year).
    "compact_noyear": pgettext_lazy("date format", "j M, H:i T"),
    # Translators: a date format: "5 Mar 2026" (tables).
    "date": pgettext_lazy("date format", "j M Y"),
    # Translators: a date format: "5 Mar 2026" for a calendar day in a sentence ("on 5 Mar 2026").
    "date_in_sentence": pgettext_lazy("date format", "d M Y"),
    # Translators: a time format: "14:00".
    "time": pgettext_lazy("date format", "H:i"),
    # Translators: a time format: "14:00 EST".
    "time_zone": pgettext_lazy("date format", "H:i T"),
}


def format_when(value: dt.date | dt.datetime, shape: str) -> str:
    """``value`` in the named shape and the active language, in the zone it carries.

    An unknown shape is a programming error: it raises ``KeyError`` rather than
    printing the name, so a typo fails its test instead of reaching a reader.
    """
    return dateformat.format(value, str(FORMATS[shape]))
