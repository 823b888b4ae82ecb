"""Spanish from the joining page to the check-in, and two languages in one room.

Rosa Delgado's browser asks for Mexican Spanish. She has no account to say
her language, so her facilitator writes the invitation in Spanish
(docs/languages.md), and the "no English" promise starts with that email.
Then she joins, answers whether she will come, writes in the
live room, records a commitment, reviews her words and answers the check-in
her Spanish email links to, and no page shows her an English sentence of
the product. The check is built from the catalogs themselves: every English
phrase of three words or more that Spanish words differently must not be on
her screen, so a string that was never translated, or a page that forgot to
switch language, fails here.

Then a facilitator who chose Spanish and a participant whose browser asks
for English share a room: each reads the room's chrome in their own
language, each one's words reach the other marked with the language they
were written in, and a refused action is explained to each in their own
language.
"""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import expect

from participants import services as participant_services
from participants.models import RSVP, CheckIn, Commitment, Invitation, Member
from reminders.outbox import reminders_scan
from sessions import services as session_services
from sessions.models import Contribution
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, in_thread, login
from tests.factories import (
    DialogueSessionFactory,
    ExchangeFactory,
    MeetingFactory,
    MemberFactory,
    PhaseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\{[^}]*\}|<[^>]*>|&[a-z]+;")
ENGLISH_NAMES = (
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April June July "
    "August September October November December"
).split()


# --- The catalog, read as the English a Spanish reader must never meet ---------------------------


def _po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural and msgstr (every plural form), unescaped.

    A small reader, enough for the files ``makemessages`` writes; obsolete
    (``#~``) entries are left out.
    """
    entries: list[dict] = []
    entry: dict[str, str] = {}
    key = None

    def unquote(text: str) -> str:
        return json.loads(text)  # a .po string is a C string: JSON reads its escapes

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if not line and entry:
                entries.append(entry)
                entry, key = {}, None
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            key = match.group(1)
            entry[key] = unquote(match.group(2))
        elif line.startswith('"') and key:
            entry[key] += unquote(line)
    return entries


def _fragments(text: str) -> list[str]:
    """The literal runs of an English string, between its placeholders and markup, spaces collapsed."""
    return [" ".join(part.split()) for part in PLACEHOLDER.split(text) if part.strip()]


def _words(text: str) -> int:
    return sum(1 for word in text.split() if re.search(r"[A-Za-z]", word))


def english_phrases() -> set[str]:
    """Every English phrase of 3 or more words that the Spanish catalogs word differently.

    Whole msgids, and the literal runs between their placeholders (a
    ``blocktranslate`` with a name in it is on the page only in pieces). A
    run also present in the Spanish (a product name, an address) is left out.
    """
    phrases = set()
    for name in ("django.po", "djangojs.po"):
        for entry in _po_entries(LOCALE / name):
            translations = [v for k, v in entry.items() if k.startswith("msgstr")]
            for english in (entry.get("msgid", ""), entry.get("msgid_plural", "")):
                if not english or all(t == english for t in translations):
                    continue
                spanish = " ".join(" ".join(t.split()) for t in translations).lower()
                for run in [" ".join(english.split()), *_fragments(english)]:
                    run = run.strip(" .,:;·—–-()")
                    if _words(run) >= 3 and run.lower() not in spanish:
                        phrases.add(run)
    return phrases


ENGLISH = english_phrases()


def english_on(text: str) -> list[str]:
    """The English phrases of the catalog, and English day and month names, found in ``text``."""
    flat = " ".join(text.split()).lower()
    found = sorted(p for p in ENGLISH if " ".join(p.split()).lower() in flat)
    found += [n for n in ENGLISH_NAMES if re.search(rf"\b{n}\b", text)]
    return found


def check_spanish(page, *expected: str) -> None:
    """The page is in Spanish: ``<html lang="es">``, the words ``expected`` are on it, none of the
    catalog's English is; and it passes axe with no console error."""
    expect(page.locator("html")).to_have_attribute("lang", "es")
    for words in expected:
        expect(page.locator("body")).to_contain_text(words)
    text = page.inner_text("body")
    leaked = english_on(text)
    assert not leaked, f"English on the Spanish page {page.url}: {leaked}\n--- page text ---\n{text}"
    assert_no_serious_axe_violations(page)
    assert_no_console_errors(page)


def wait_connected(page) -> None:
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")


def own_words(page, text: str):
    """The element holding a contribution's own words (not a reply quoting them)."""
    return page.locator("#contribution-list > li > .contribution-text", has_text=text)


def item(page, text: str):
    """The contribution whose own words hold ``text``."""
    return page.locator("#contribution-list > li").filter(
        has=page.locator(":scope > .contribution-text", has_text=text)
    )


def test_the_catalog_check_finds_english():
    """The check is not vacuous: it knows thousands of phrases and finds them in a sentence."""
    assert len(ENGLISH) > 500
    assert "Join the exchange" in ENGLISH
    assert "Write something before sharing" in ENGLISH  # from djangojs.po
    assert english_on("Please — Join the exchange now") == ["Join the exchange"]
    assert english_on("Unirse al intercambio · Salir · Idioma: Español") == []


# --- 1. Rosa, from the joining page to the check-in ----------------------------------------------


@pytest.fixture
def exchange(transactional_db):
    """An exchange whose people's words are Spanish (or names), a meeting under way with an open
    session, and the next meeting twenty days on."""
    now = timezone.now()
    exchange = ExchangeFactory(
        title="Intercambio Confianza",
        convening_organisation="Fundación Puentes",
        purpose="Cómo las comunidades y la policía trabajan la desconfianza mutua.",
        recording_terms="Las intervenciones se registran con su nombre salvo que usted elija otra cosa.",
        time_zone="America/Chicago",
    )
    marta = MemberFactory(
        exchange=exchange, exchange_role="facilitator", team=None, display_name="Marta Ríos",
        user=UserFactory(first_name="Marta", last_name="Ríos", language="es"),
    )  # fmt: skip
    ben = MemberFactory(
        exchange=exchange, display_name="Ben Carter", team=TeamFactory(exchange=exchange, community_name="Riverton")
    )
    first = MeetingFactory(
        exchange=exchange, number=1, title="Primera reunión", starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=5), place="Salón comunitario, Calle Principal 1",
    )  # fmt: skip
    second = MeetingFactory(
        exchange=exchange, number=2, title="Segunda reunión", starts_at=now + dt.timedelta(days=20),
        ends_at=now + dt.timedelta(days=20, hours=6), place="Biblioteca Central",
    )  # fmt: skip
    session = DialogueSessionFactory(
        meeting=first, title="Sesión de la mañana", attribution_default="named",
        question="¿Qué ha intentado para mejorar la confianza, y qué ha aprendido?",
        guiding_prompts="¿Qué intentó?\n¿Por qué?\n¿Cómo funciona?",
        planned_start=now - dt.timedelta(hours=1), planned_end=now + dt.timedelta(hours=2),
    )  # fmt: skip
    PhaseFactory(session=session, order=1, title="Historias", planned_minutes=30)
    PhaseFactory(session=session, order=2, title="Cierre y compromisos", planned_minutes=15)
    in_thread(session_services.session_open, session_id=session.pk, member=marta)
    return {"exchange": exchange, "marta": marta, "ben": ben, "first": first, "second": second, "session": session}


def test_a_spanish_speaker_meets_no_english_from_joining_to_her_check_in(new_context, exchange, live_server_url):
    """Rosa joins, RSVPs, speaks in the room, commits, reviews and checks in, all in Spanish; her
    words carry lang="es" to an English-speaking participant's screen."""
    session, second = exchange["session"], exchange["second"]
    participant_services.invitation_create(
        member=exchange["marta"], exchange=exchange["exchange"], name="Rosa Delgado", email="rosa@example.org",
        language="es",
    )  # fmt: skip
    # She has no account to say her language: her facilitator chose Spanish for the email.
    [invitation_email] = mail.outbox
    html = invitation_email.alternatives[0][0]
    assert not english_on(invitation_email.subject + "\n" + invitation_email.body), invitation_email.body
    assert not english_on(re.sub(r"<[^>]+>", " ", html)), html
    assert '<html lang="es">' in html
    link = re.search(re.escape(live_server_url) + r"/invitations/[^\s\"'<>]+/", invitation_email.body)
    assert link, invitation_email.body

    # --- The joining page: her browser asks for Spanish ---------------------------------------
    rosa = new_context(locale="es-MX").new_page()
    rosa.goto(link.group(0))
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Unirse a Intercambio Confianza")
    # The form's question (the header's switcher has the same name, and says Spanish too).
    language = rosa.locator("form.stack-form").get_by_label("Su idioma", exact=True)
    expect(language).to_have_value("es")
    expect(rosa.locator("#site-language option:checked")).to_have_text("Español")
    expect(language.locator("option:checked")).to_have_text("Español")
    check_spanish(rosa, "Condiciones de registro", "Elija una contraseña", "Unirse al intercambio")

    rosa.get_by_label("Elija una contraseña").fill("un largo camino hacia el acuerdo")
    rosa.get_by_label("He leído las condiciones de registro de arriba y las acepto").check()
    rosa.get_by_role("button", name="Unirse al intercambio").click()
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Intercambio Confianza")
    check_spanish(rosa, "Salir", "Mi calendario")
    member = Member.objects.select_related("user").get(user__email="rosa@example.org")
    assert member.user.language == "es"
    assert Invitation.objects.get(email="rosa@example.org").accepted_at is not None

    # --- Will she come to the next meeting? -----------------------------------------------------
    rosa.get_by_role("link", name="Mi calendario").click()
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Mi calendario")
    card = rosa.locator(f"#meeting-{second.pk}")
    expect(card.get_by_role("group")).to_contain_text("¿Asistirá a la reunión 2?")
    card.get_by_label("Asistirá", exact=True).check()
    card.get_by_label("Nota para los organizadores (opcional)").fill("Llego después del almuerzo.")
    card.get_by_role("button", name=re.compile("^Enviar mi respuesta")).click()
    expect(rosa.locator(".messages")).to_contain_text("Su respuesta para Reunión 2: Segunda reunión: Asistirá.")
    check_spanish(rosa, "Salir", "Su respuesta: Asistirá")
    rsvp = RSVP.objects.get(member=member, meeting=second)
    assert (rsvp.response, rsvp.note) == (RSVP.Response.COMING, "Llego después del almuerzo.")

    # --- The live room: she writes; an English-speaking participant reads it marked Spanish ------
    room_url = f"/sessions/{session.pk}/room/"
    ben = new_context(locale="en-US").new_page()
    login(ben, exchange["ben"].user.email, PASSWORD)
    ben.goto(room_url)
    wait_connected(ben)
    rosa.goto(room_url)
    wait_connected(rosa)
    expect(rosa.locator("#connection-status")).to_have_text("Conectado")
    expect(rosa.locator("#room-state")).to_contain_text("Sesión abierta")
    check_spanish(rosa, "Salir", "Su intervención", "Pedir la palabra: nuevo punto")

    words = "En mi barrio empezamos caminatas con los agentes cada viernes."
    rosa.get_by_label("Su intervención", exact=True).fill(words)
    rosa.get_by_role("button", name="Compartir", exact=True).click()
    expect(own_words(rosa, words)).to_be_visible()
    expect(rosa.get_by_label("Su intervención", exact=True)).to_have_value("")
    check_spanish(rosa, "Rosa Delgado")
    stored = Contribution.objects.get(session=session, author=member)
    assert (stored.text, stored.language, stored.consent) == (words, "es", "named")

    on_bens_screen = own_words(ben, words)
    expect(on_bens_screen).to_have_attribute("lang", "es")
    expect(item(ben, words)).to_contain_text("Rosa Delgado")
    expect(ben.locator("html")).to_have_attribute("lang", "en")
    # The same check finds the room's English on his page: it reads the scripts' words too.
    assert {"Raise hand: new point", "Write something before sharing"} & set(english_on(ben.inner_text("body")))
    assert_no_console_errors(ben)

    # --- The facilitator closes the session; Rosa says what she will try -------------------------
    in_thread(session_services.session_close, session_id=session.pk, member=exchange["marta"])
    expect(rosa.locator("#closed-review-link")).to_be_visible()
    commitment_box = rosa.get_by_label(
        "¿Qué va a intentar en su comunidad antes de que volvamos a reunirnos?", exact=True
    )
    commitment_box.fill("Invitar al consejo juvenil a una sesión de escucha.")
    rosa.get_by_role("button", name="Registrar mi compromiso").click()
    expect(rosa.locator("#commitment-status")).to_contain_text("Su compromiso quedó registrado")
    check_spanish(rosa, "Salir", "Revisar sus palabras")
    commitment = Commitment.objects.get(session=session, member=member)
    assert commitment.text == "Invitar al consejo juvenil a una sesión de escucha."

    # --- Her words, on the review page ----------------------------------------------------------
    rosa.locator("#closed-review-link").click()
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Revisar sus palabras: Sesión de la mañana")
    quote = rosa.locator("blockquote", has_text=words)
    expect(quote).to_have_attribute("lang", "es")
    check_spanish(rosa, "Sus intervenciones", "Ya las revisé; publicar mis palabras", "Salir")

    # --- The check-in: her email is in Spanish, and so is the page it links to -------------------
    halfway = exchange["first"].ends_at + (second.starts_at - exchange["first"].ends_at) / 2
    mail.outbox.clear()
    reminders_scan(now=halfway)
    [checkin_email] = [m for m in mail.outbox if m.to == ["rosa@example.org"] and "/checkins/answer/" in m.body]
    assert not english_on(checkin_email.subject + "\n" + checkin_email.body), checkin_email.body
    assert commitment.text in checkin_email.body
    assert "¿Qué probó?" in checkin_email.body
    checkin_link = re.search(re.escape(live_server_url) + r"/checkins/answer/[^\s\"'<>]+/", checkin_email.body)
    assert checkin_link, checkin_email.body

    rosa.goto(checkin_link.group(0))
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Seguimiento de su compromiso")
    check_spanish(rosa, "Invitar al consejo juvenil", "Guardar mi seguimiento")
    rosa.get_by_label("¿Qué probó?").fill("Dos reuniones con el consejo juvenil.")
    rosa.get_by_label("¿Cómo está funcionando?").fill("Los jóvenes hablan más.")
    rosa.get_by_label("¿Qué está aprendiendo?").fill("Escuchar primero.")
    rosa.get_by_label("¿Qué sigue?").fill("Invitar a la policía a la próxima.")
    rosa.get_by_role("button", name="Guardar mi seguimiento").click()
    expect(rosa.locator("body")).to_contain_text("Dos reuniones con el consejo juvenil.")
    check_spanish(rosa)
    assert CheckIn.objects.get(commitment=commitment).tried == "Dos reuniones con el consejo juvenil."


# --- 2. A Spanish facilitator and an English participant in one room -----------------------------


class Tap:
    """Between a page and the room's server: forwards every frame, keeps what the server said,
    and can send a frame of its own, as if the page had sent it."""

    def __init__(self):
        self.server = None
        self.received: list[dict] = []

    def handle(self, ws):
        self.server = ws.connect_to_server()

        def from_server(message):
            self.received.append(json.loads(message))
            ws.send(message)

        self.server.on_message(from_server)
        ws.on_message(lambda message: self.server.send(message))

    def send(self, frame: dict) -> None:
        """Send ``frame`` to the server on the page's socket, as if the page had."""
        assert self.server is not None, "the page has no socket yet"
        self.server.send(json.dumps(frame))

    def errors(self) -> list[dict]:
        return [frame for frame in self.received if frame.get("type") == "error"]


def test_a_spanish_facilitator_and_an_english_participant_each_read_the_room_in_their_own_language(
    new_context, exchange
):
    """Marta chose Spanish (her browser asks for English: her choice wins); Ben's browser asks for
    English. Each reads the room in their language, each one's words carry their own lang to the
    other, and each is told why an action was refused in their own language."""
    session = exchange["session"]
    base = f"/sessions/{session.pk}"

    marta_tap, ben_tap = Tap(), Tap()
    marta = new_context(locale="en-US").new_page()
    marta.route_web_socket(re.compile(r"/ws/sessions/\d+/$"), marta_tap.handle)
    login(marta, exchange["marta"].user.email, PASSWORD)
    marta.goto(f"{base}/console/")
    wait_connected(marta)

    ben = new_context(locale="en-US").new_page()
    ben.route_web_socket(re.compile(r"/ws/sessions/\d+/$"), ben_tap.handle)
    login(ben, exchange["ben"].user.email, PASSWORD)
    ben.goto(f"{base}/room/")
    wait_connected(ben)

    # The chrome: each in their own language.
    expect(marta.locator("html")).to_have_attribute("lang", "es")
    expect(marta.locator("#connection-status")).to_have_text("Conectado")
    expect(marta.get_by_role("button", name="Cerrar la sesión…")).to_be_visible()
    expect(marta.get_by_label("Su intervención", exact=True)).to_be_visible()
    expect(marta.get_by_role("button", name="Salir")).to_be_visible()
    expect(ben.locator("html")).to_have_attribute("lang", "en")
    expect(ben.locator("#connection-status")).to_have_text("Connected")
    expect(ben.locator("#room-state")).to_contain_text("Session open")
    expect(ben.get_by_role("button", name="Raise hand: new point")).to_be_visible()
    expect(ben.get_by_label("Your contribution", exact=True)).to_be_visible()
    for page in (marta, ben):
        for name in ("Marta Ríos", "Ben Carter"):
            expect(page.locator("#presence-list")).to_contain_text(name)

    # Each one's words reach the other, marked with the language they were written in.
    hers = "Propongo que empecemos por lo que ya funciona."
    his = "We started a youth board that meets at the library."
    marta.get_by_label("Su intervención", exact=True).fill(hers)
    marta.get_by_role("button", name="Compartir", exact=True).click()
    ben.get_by_label("Your contribution", exact=True).fill(his)
    ben.get_by_role("button", name="Share", exact=True).click()
    expect(own_words(ben, hers)).to_have_attribute("lang", "es")
    expect(own_words(marta, his)).to_have_attribute("lang", "en")
    expect(own_words(marta, hers)).to_have_attribute("lang", "es")
    expect(own_words(ben, his)).to_have_attribute("lang", "en")
    # Words in another language than one's page: said beside them, and marked so.
    quoted = "As the chief said: trust is earned in drops."
    expect(marta.get_by_label("Escrito en")).to_have_value("es")  # the page's, until changed
    marta.get_by_label("Escrito en").select_option("en")
    marta.get_by_label("Su intervención", exact=True).fill(quoted)
    marta.get_by_role("button", name="Compartir", exact=True).click()
    expect(own_words(ben, quoted)).to_have_attribute("lang", "en")
    languages = dict(Contribution.objects.filter(session=session).values_list("text", "language"))
    assert languages == {hers: "es", his: "en", quoted: "en"}

    # A refused action is explained in each person's own language, on the socket and on screen.
    mine = Contribution.objects.get(session=session, text=hers).pk
    marta_tap.send({"type": "acknowledge", "contribution_id": mine, "client_id": "ack-own-1"})
    ben_tap.send({"type": "queue_clear", "client_id": "clear-1"})
    expect(ben.locator("#compose-error")).to_have_text("Your role in this exchange may not do that.")
    expect(marta.locator("#compose-error")).not_to_be_empty()
    [marta_error] = marta_tap.errors()
    [ben_error] = ben_tap.errors()
    assert (ben_error["code"], ben_error["message"]) == ("forbidden", "Your role in this exchange may not do that.")
    with translation.override("es"):
        in_spanish = translation.gettext("You can't acknowledge your own words.")
    assert in_spanish != "You can't acknowledge your own words."
    assert (marta_error["code"], marta_error["message"]) == ("conflict", in_spanish)
    expect(marta.locator("#compose-error")).to_have_text(in_spanish)

    check_spanish(marta, "Consola de facilitación")
    for page in (marta, ben):
        assert_no_serious_axe_violations(page)
        assert_no_console_errors(page)
