"""One term for one thing: the Spanish catalog keeps to its glossary (docs/languages.md).

A person told their words are "sin atribución" on one page must not read
another word for the same promise elsewhere. For each glossary term, every
entry whose English uses it must use the Spanish term too.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"

# English term (a regular expression, matched case-insensitively) -> the Spanish it must become.
GLOSSARY = {
    r"not[ -]for[ -]attribution": "sin atribución",
    r"off[ -]the[ -]record": "extraoficial",
    r"go-arounds?\b": "ronda",
    r"quiet reflection": "reflexión en silencio",
    r"\bcommitments?\b": "compromiso",
    r"\bcheck-ins?\b": "seguimiento",
    r"\bconveners?\b": "convocante",
    r"\bscribes?\b": "relator",
    r"\bthemes?\b": "tema",
    r"\bteams?\b": "equipo",
    r"\bexchanges?\b": "intercambio",
}


def _catalog(name: str) -> dict[str, str]:
    """msgid -> every translation of it, joined (plural forms and contexts included)."""
    with open(LOCALE / name, "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    entries: dict[str, str] = {}
    for key, translated in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid:
            continue
        msgid = msgid.split("\x04", 1)[-1].split("\x00", 1)[0]
        entries[msgid] = (entries.get(msgid, "") + " " + translated).strip()
    return entries


@pytest.mark.parametrize("name", ["django.mo", "djangojs.mo"])
def test_every_glossary_term_is_translated_by_its_one_spanish_term(name):
    off_glossary = []
    for msgid, spanish in _catalog(name).items():
        words = re.sub(r"%\([^)]*\)[sd]|\{[^}]*\}", " ", msgid)  # a placeholder's name is not a word of the text
        for english, term in GLOSSARY.items():
            if re.search(english, words, re.IGNORECASE) and term not in spanish.lower():
                off_glossary.append(f"{msgid!r} -> {spanish!r}: expected “{term}”")
    assert not off_glossary, "\n".join(off_glossary)
