"""The pseudo-locale ``xx`` and the reader that finds English left outside it.

Under ``xx`` every string that goes through Django's translation machinery
(ours and Django's own: form errors, month names) comes back as
``⟦msgid⟧``. A page, email or frame rendered under it should then show no
Latin letters outside ``⟦…⟧`` but people's own data (names, titles, words:
``data_strings`` reads them from the database) and the few things that are
never translated (``NEVER_TRANSLATED``). Whatever else is left is a string
nobody marked.

No catalog is compiled: the translation object is installed in Django's
cache of translations, so the harness needs neither GNU gettext nor a
``makemessages`` run, and catches a string marked with a variable
(``_(label)``) that ``makemessages`` could not extract as well.
"""

import gettext as gettext_module
import json
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import override_settings
from django.utils.translation import trans_real

PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"
CONTEXT_SEPARATOR = "\x04"

# The product's name, and what no language translates.
NEVER_TRANSLATED = ["Common Ground", "iCalendar", "CSV", "JSON", "UTC", "GMT"]


class PseudoTranslation(gettext_module.NullTranslations):
    """Every message, ``⟦msgid⟧``; with a context, the message without it."""

    def gettext(self, message: str) -> str:
        if CONTEXT_SEPARATOR in message:
            message = message.split(CONTEXT_SEPARATOR, 1)[1]
        return f"{OPEN}{message}{CLOSE}" if message else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)

    def to_language(self) -> str:
        return PSEUDO


def install() -> None:
    """Put ``xx`` in Django's cache of translations (a settings change empties it: call again after one)."""
    trans_real._translations[PSEUDO] = PseudoTranslation()


@contextmanager
def pseudo_offered(**more_settings: object) -> Iterator[None]:
    """``xx`` offered beside English (so a person may have it), and installed."""
    offered = [*settings.OFFERED_LANGUAGES, (PSEUDO, "Pseudo")]
    languages = [*settings.LANGUAGES, (PSEUDO, "Pseudo")]
    with override_settings(OFFERED_LANGUAGES=offered, LANGUAGES=languages, **more_settings):
        install()
        try:
            yield
        finally:
            trans_real._translations.pop(PSEUDO, None)


# --- What is people's data ---------------------------------------------------------------------


def data_strings() -> re.Pattern[str]:
    """Every free text the database holds (not a choice's code), and every time zone's name: longest first."""
    found: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.EmailField) and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if isinstance(value, str) and len(value.strip()) >= 2:
                    found.add(value.strip())
                    found.update(line.strip() for line in value.splitlines() if len(line.strip()) >= 2)
    for key in zoneinfo.available_timezones():
        found.add(key)
        found.add(key.replace("_", " "))
        found.update(part.replace("_", " ") for part in key.split("/"))
    return data_pattern(sorted(found, key=len, reverse=True))


_BRACKETED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_NOT_WORDS = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # email addresses
    re.compile(r"\b(https?|webcal)://\S+"),  # links
    re.compile(r"(?<![\w/])/[\w./?=&%-]*"),  # paths
    re.compile(r"\b[A-Z]{2,5}\b"),  # time zone abbreviations (EST, PDT), state codes
    re.compile(r"\b[+-]\d{2}:?\d{2}\b"),
    re.compile(r"\b\w+=[\w.-]*"),  # a query's parameters (the access log names the export asked for)
]
_LATIN = re.compile(r"[A-Za-z]{2,}")


def unbracketed(text: str) -> str:
    """``text`` without its translated parts (a whole document at once: a translation may span elements)."""
    previous = None
    while previous != text:  # innermost brackets first: a translation may hold another
        previous, text = text, _BRACKETED.sub(" ", text)
    return text


def data_pattern(data: list[str]) -> re.Pattern[str]:
    """People's data as whole words (a short value never eats part of a word)."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(value) for value in data) + r")(?!\w)")


def leftover(text: str, data: re.Pattern[str]) -> str:
    """``text`` with what is translated, the never-translated and people's data taken out."""
    text = unbracketed(text)
    # Each language's own name (the switcher's options) is never translated either.
    for value in [*NEVER_TRANSLATED, *(name for _code, name in settings.LANGUAGES)]:
        text = text.replace(value, " ")
    for pattern in _NOT_WORDS:
        text = pattern.sub(" ", text)
    text = data.sub(" ", text)
    return " ".join(text.split())


def unmarked(texts: Iterable[str], data: re.Pattern[str]) -> list[str]:
    """The texts that still hold words once translated parts and data are out."""
    found = []
    for text in texts:
        rest = leftover(text, data)
        if _LATIN.search(rest):
            found.append(" ".join(text.split()))
    return found


# --- Reading what a person sees ----------------------------------------------------------------

_VISIBLE_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "aria-description", "aria-roledescription"}
_SKIPPED_ELEMENTS = {"script", "style"}


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.json: list[str] = []
        self._skip: list[str] = []
        self._json_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if value and name in _VISIBLE_ATTRIBUTES:
                self.texts.append(value)
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"} and attributes.get("value"):
            self.texts.append(attributes["value"] or "")
        if tag in _SKIPPED_ELEMENTS:
            self._skip.append(tag)
            self._json_script = tag == "script" and attributes.get("type") == "application/json"

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
            self._json_script = False

    def handle_data(self, data: str) -> None:
        if self._json_script:
            self.json.append(data)
        elif not self._skip and data.strip():
            self.texts.append(data)


def html_texts(html: str) -> list[str]:
    """Text nodes and visible attributes; the human strings of any JSON the page carries for its scripts."""
    parser = _Texts()
    parser.feed(unbracketed(html))
    texts = list(parser.texts)
    for blob in parser.json:
        try:
            texts.extend(json_texts(json.loads(blob)))
        except ValueError:
            continue
    return texts


def json_texts(value: object) -> list[str]:
    """The strings in a JSON value that read as prose (a space, or a capital): never keys or codes."""
    found: list[str] = []
    if isinstance(value, dict):
        for item in value.values():
            found.extend(json_texts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(json_texts(item))
    elif isinstance(value, str) and (" " in value.strip() or value[:1].isupper()):
        found.append(value)
    return found


def calendar_texts(ics: str) -> list[str]:
    """The human fields of an iCalendar file."""
    unfolded = unbracketed(ics.replace("\r\n ", "").replace("\r\n\t", ""))
    texts = []
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        if name.split(";")[0] in {"SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME", "X-WR-CALDESC"}:
            texts.append(value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";"))
    return texts
