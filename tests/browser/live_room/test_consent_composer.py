"""Consent in the live room, in real browsers: the composer's menu goes back to
the session's default after every send; off the record is marked on the draft
and confirmed inside the page; sharing a private note asks for its
attribution there and then; anonymous words name nobody on anyone else's
screen (facilitators included) while their author sees their own name;
withdrawing asks first; sign-out forgets what the browser kept; and after
close the room shows no words to anyone and points to the review page.

No step here uses ``window.confirm``: every page records browser dialogs and
the tests assert there were none.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sessions import services
from sessions.models import Contribution
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, in_thread, login
from tests.factories import DialogueSessionFactory, ExchangeFactory, MeetingFactory, MemberFactory, PhaseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"

NAMED_SAYS = "Everyone in the room sees your name, role and team; the published archive too."
NFA_SAYS = (
    "People in the room see your name; the archive shows no name or team, "
    "and your role only where five or more members share it."
)
ANONYMOUS_SAYS = "Everyone, facilitators included, sees 'Anonymous'; only you see it is yours."
OFF_RECORD_SAYS = "Shown in the room while it is open, then erased for good at close; never archived."
OFF_RECORD_MARK = "Off the record — erased when the session closes"


@pytest.fixture
def room(transactional_db):
    """An open session (default: on the record, named) with a facilitator and two participants."""
    exchange = ExchangeFactory()
    people = {
        "fran": MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor"),
        "ana": MemberFactory(exchange=exchange, display_name="Ana Ruiz"),
        "ben": MemberFactory(exchange=exchange, display_name="Ben Carter"),
    }
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange), attribution_default="named")
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    PhaseFactory(session=session, order=2, title="Closing", planned_minutes=10)
    in_thread(services.session_open, session_id=session.pk, member=people["fran"])
    return {"session": session, "base": f"/sessions/{session.pk}", **people}


def open_as(new_context, member, path, *, context=None):
    page = (context or new_context()).new_page()
    # Record browser dialogs (window.confirm): accept them so a test never hangs,
    # and let the test assert that the room asked none of its own questions that way.
    page.browser_dialogs = []

    def on_dialog(dialog):
        page.browser_dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", on_dialog)
    if context is None:
        login(page, member.user.email, PASSWORD)
    page.goto(path)
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    return page


def item(page, text):
    """The contribution whose own words hold ``text`` (not a reply quoting them)."""
    return page.locator("#contribution-list > li").filter(
        has=page.locator(":scope > .contribution-text", has_text=text)
    )


def composer_menu(page):
    return page.get_by_label("How it may be attributed", exact=True)


def share(page, words, consent=None):
    if consent is not None:
        composer_menu(page).select_option(consent)
    page.get_by_label("Your contribution", exact=True).fill(words)
    page.get_by_role("button", name="Share", exact=True).click()


def test_the_menu_returns_to_the_default_and_off_the_record_is_marked_and_confirmed(new_context, room):
    ana = open_as(new_context, room["ana"], f"{room['base']}/room/")
    menu = composer_menu(ana)
    explain = ana.locator("#compose-consent-explain")
    expect(menu).to_have_value("named")
    expect(explain).to_have_text(NAMED_SAYS)
    expect(explain).to_have_attribute("aria-live", "polite")
    # The choice's labels are the server's own.
    labels = menu.locator("option").all_inner_texts()
    assert labels[0] == "On the record, named" and len(labels) == 4

    # Not for attribution, once: the next words are back on the session's default.
    menu.select_option("not_for_attribution")
    expect(explain).to_have_text(NFA_SAYS)
    share(ana, "Our precinct started a youth advisory board.")
    expect(item(ana, "youth advisory board")).to_have_count(1)
    assert (
        Contribution.objects.get(text="Our precinct started a youth advisory board.").consent == "not_for_attribution"
    )
    expect(menu).to_have_value("named")
    expect(explain).to_have_text(NAMED_SAYS)

    menu.select_option("anonymous")
    expect(explain).to_have_text(ANONYMOUS_SAYS)

    # Off the record: the draft itself says so, on the box and in a badge.
    menu.select_option("off_record")
    expect(explain).to_have_text(OFF_RECORD_SAYS)
    mark = ana.locator("#compose-offrecord-mark")
    expect(mark).to_be_visible()
    expect(mark).to_have_text(OFF_RECORD_MARK)
    box = ana.get_by_label("Your contribution", exact=True)
    expect(box).to_have_attribute("placeholder", OFF_RECORD_MARK)
    expect(box).to_have_class("off-record-draft")
    expect(box).to_have_accessible_description(
        f"{OFF_RECORD_MARK} Enter to send, Shift+Enter for a new line. 0 of 4000 characters"
    )
    assert_no_serious_axe_violations(ana)

    # Sharing asks once, inside the page; Escape says no and nothing is sent.
    words = "The night the chief apologised, off the record."
    box.fill(words)
    ana.get_by_role("button", name="Share", exact=True).click()
    dialog = ana.get_by_role("dialog", name="Share this off the record?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("erased for good at close")
    expect(dialog.get_by_role("button", name="Share off the record")).to_be_focused()
    assert_no_serious_axe_violations(ana)
    ana.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(box).to_have_value(words)
    assert not Contribution.objects.filter(text=words).exists()
    # "Go back" says no as well.
    ana.get_by_role("button", name="Share", exact=True).click()
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    assert not Contribution.objects.filter(text=words).exists()
    # Asked again, the keyboard says yes.
    ana.get_by_role("button", name="Share", exact=True).click()
    expect(dialog.get_by_role("button", name="Share off the record")).to_be_focused()
    ana.keyboard.press("Enter")
    expect(item(ana, words)).to_have_count(1)
    expect(item(ana, words)).to_contain_text("Off the record (never archived)")
    assert Contribution.objects.get(text=words).consent == "off_record"
    # And the composer is back on the record, unmarked.
    expect(menu).to_have_value("named")
    expect(mark).to_be_hidden()
    expect(box).not_to_have_class("off-record-draft")
    expect(box).to_have_attribute("placeholder", "")
    assert ana.browser_dialogs == []
    assert_no_console_errors(ana)


def test_sharing_a_note_asks_for_its_attribution(new_context, room):
    ana = open_as(new_context, room["ana"], f"{room['base']}/room/")
    in_thread(services.reflection_start, session_id=room["session"].pk, member=room["fran"], seconds=300)
    expect(ana.locator("#reflection-panel")).to_be_visible()
    # The composer's menu says anonymous: the note must not silently take that.
    composer_menu(ana).select_option("anonymous")
    ana.get_by_label("My private notes").fill("What I am learning: listening first, then acting.")

    share_button = ana.get_by_role("button", name="Share into the room")
    share_button.click()
    expect(share_button).to_have_attribute("aria-expanded", "true")
    choice = ana.get_by_role("group", name="How may this note be attributed?")
    expect(choice).to_be_visible()
    # The session's default is chosen, and its meaning is spelled out.
    expect(choice.get_by_role("radio", name="On the record, named")).to_be_checked()
    expect(choice.get_by_role("radio", name="On the record, named")).to_be_focused()
    expect(ana.locator("#note-consent-explain")).to_have_text(NAMED_SAYS)
    assert_no_serious_axe_violations(ana)

    # Escape closes the choice; nothing is shared.
    ana.keyboard.press("Escape")
    expect(choice).to_be_hidden()
    expect(share_button).to_be_focused()
    assert not Contribution.objects.filter(kind="reflection").exists()

    share_button.click()
    choice.get_by_label("Not for attribution", exact=False).check()
    expect(ana.locator("#note-consent-explain")).to_have_text(NFA_SAYS)
    ana.get_by_role("button", name="Share with this attribution").click()
    expect(item(ana, "listening first, then acting")).to_have_count(1)
    expect(choice).to_be_hidden()
    shared = Contribution.objects.get(kind="reflection")
    assert shared.consent == "not_for_attribution"
    # The composer kept its own choice.
    expect(composer_menu(ana)).to_have_value("anonymous")
    assert ana.browser_dialogs == []
    assert_no_console_errors(ana)


def test_anonymous_words_name_nobody_but_to_their_author(new_context, room):
    """Needs the server's visibility change (sessions/visibility.py): the room
    gets anonymous contributions with a hidden author."""
    base = room["base"]
    console = open_as(new_context, room["fran"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    ben = open_as(new_context, room["ben"], f"{base}/room/")
    words = "I was the officer at that traffic stop, and I still think about it."
    share(ana, words, consent="anonymous")

    # Ana sees her own name, and that nobody else does.
    mine = item(ana, words)
    expect(mine.locator(".contribution-meta strong")).to_have_text("Ana Ruiz")
    expect(mine).to_contain_text("everyone else sees “Anonymous”")
    expect(mine.get_by_role("button", name="Withdraw your contribution")).to_be_visible()

    # Everyone else, the facilitator included, sees "Anonymous": no name, role or team.
    for page in (ben, console):
        theirs = item(page, words)
        expect(theirs.locator(".contribution-meta strong")).to_have_text("Anonymous")
        expect(theirs).not_to_contain_text("Ana Ruiz")
        # Neither her role nor her team.
        expect(theirs.locator(".contribution-meta")).not_to_contain_text("Community leader")
        expect(theirs.locator(".contribution-meta")).not_to_contain_text(str(room["ana"].team))
        expect(theirs.get_by_role("button", name="Edit your contribution")).to_have_count(0)
        expect(theirs.get_by_role("button", name="Withdraw your contribution")).to_have_count(0)
        expect(theirs.get_by_label("How these words may be attributed")).to_have_count(0)
        expect(theirs.get_by_role("button", name="I heard you, Anonymous")).to_be_visible()
        state = page.evaluate("JSON.stringify(window.commonGroundRoom.state.contributions)")
        assert "Ana Ruiz" not in state
    # The facilitator may still remove it, by id, without learning whose it is.
    expect(item(console, words).get_by_role("button", name="Remove this anonymous contribution")).to_be_visible()

    # A reply to it reads "In reply to Anonymous".
    item(ben, words).get_by_role("button", name="Reply to Anonymous").click()
    expect(ben.locator("#compose-reply")).to_contain_text("In reply to Anonymous:")
    share(ben, "Thank you for saying that here.")
    reply = item(ana, "Thank you for saying that here.")
    expect(item(ben, "Thank you for saying that here.").locator(".in-reply-to")).to_contain_text(
        "In reply to Anonymous: “I was the officer"
    )
    # Ana's own screen names her in the reply line.
    expect(reply.locator(".in-reply-to")).to_contain_text("In reply to Ana Ruiz:")

    # Ana puts her name to it: every screen shows it at once; and takes it back again.
    mine.get_by_label("How these words may be attributed").select_option("named")
    mine.get_by_role("button", name="Change").click()
    expect(item(ben, words).locator(".contribution-meta strong")).to_have_text("Ana Ruiz")
    expect(item(console, words).locator(".contribution-meta strong")).to_have_text("Ana Ruiz")
    item(ana, words).get_by_label("How these words may be attributed").select_option("anonymous")
    item(ana, words).get_by_role("button", name="Change").click()
    expect(item(ben, words).locator(".contribution-meta strong")).to_have_text("Anonymous")
    expect(item(console, words).locator(".contribution-meta strong")).to_have_text("Anonymous")
    expect(item(ben, "Thank you for saying that here.").locator(".in-reply-to")).to_contain_text(
        "In reply to Anonymous:"
    )

    # A fresh page (hello) hides it the same way.
    ben.reload()
    expect(ben.locator("#connection-status")).to_have_attribute("data-status", "open")
    expect(item(ben, words).locator(".contribution-meta strong")).to_have_text("Anonymous")
    assert_no_serious_axe_violations(ben)
    for page in (console, ana, ben):
        assert_no_console_errors(page)


def test_withdrawing_asks_first_inside_the_page(new_context, room):
    base = room["base"]
    console = open_as(new_context, room["fran"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    ben = open_as(new_context, room["ben"], f"{base}/room/")
    words = "Something I may want to take back."
    share(ana, words)
    expect(item(ben, words)).to_have_count(1)

    withdraw = item(ana, words).get_by_role("button", name="Withdraw your contribution")
    withdraw.click()
    dialog = ana.get_by_role("dialog", name="Withdraw your contribution?")
    expect(dialog).to_be_visible()
    # The safe answer has the keyboard first; Escape keeps the words.
    expect(dialog.get_by_role("button", name="Keep it")).to_be_focused()
    ana.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(withdraw).to_be_focused()
    expect(item(ben, words)).to_have_count(1)
    assert Contribution.objects.get(text=words).withdrawn_at is None

    # By keyboard: back to "Withdraw", then Enter. The words leave every screen at once.
    withdraw.focus()
    ana.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    ana.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Withdraw", exact=True)).to_be_focused()
    ana.keyboard.press("Enter")
    expect(item(ben, words)).to_have_count(0)
    expect(item(ana, words)).to_have_count(0)
    expect(item(console, words)).to_have_count(0)

    # The facilitator's "Remove" asks too.
    other = "Ben's words the facilitator removes."
    share(ben, other)
    item(console, other).get_by_role("button", name="Remove Ben Carter's contribution").click()
    confirm = console.get_by_role("dialog", name="Remove this contribution from the room?")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Remove", exact=True).click()
    expect(item(ana, other)).to_have_count(0)
    for page in (console, ana, ben):
        assert page.browser_dialogs == []
        assert_no_console_errors(page)


def local_keys(page):
    return page.evaluate("Object.keys(window.localStorage).sort()")


def test_sign_out_forgets_drafts_outbox_and_notes(new_context, room):
    context = new_context()
    ana = context.new_page()
    login(ana, room["ana"].user.email, PASSWORD)
    ana = open_as(new_context, room["ana"], f"{room['base']}/room/", context=context)
    other_tab = open_as(new_context, room["ana"], f"{room['base']}/room/", context=context)
    session_id, member_id = room["session"].pk, room["ana"].pk

    # Words written while the room is unreachable wait in the outbox, on the device.
    ana.evaluate("window.commonGroundRoom.connection.stop()")
    share(ana, "Written on the train, not yet sent.")
    expect(ana.locator("#outbox-list")).to_contain_text("Written on the train")
    # An unsaved private note, and a key of another site's script on this origin, kept as they are.
    ana.evaluate(
        f"window.localStorage.setItem('cg.note.{session_id}.{member_id}', 'my private worry');"
        "window.localStorage.setItem('not-common-ground', 'kept')"
    )
    keys = local_keys(ana)
    assert f"cg.outbox.{session_id}.{member_id}" in keys
    assert f"cg.note.{session_id}.{member_id}" in keys

    ana.get_by_role("button", name="Sign out").click()
    ana.wait_for_url(lambda url: "/room/" not in url)
    assert local_keys(ana) == ["not-common-ground"]

    # The other open tab of the room heard of it: it leaves, with no words on screen.
    expect(other_tab.locator("#connection-status")).to_contain_text("signed out in another tab")
    expect(other_tab.locator("#compose-panel")).to_be_hidden()
    expect(other_tab.locator("#contribution-list > li")).to_have_count(0)
    assert local_keys(other_tab) == ["not-common-ground"]

    # The next person to sign in on this laptop finds nothing of Ana's.
    login(ana, room["ben"].user.email, PASSWORD)
    ana.goto(f"{room['base']}/room/")
    expect(ana.locator("#connection-status")).to_have_attribute("data-status", "open")
    expect(ana.locator("#outbox")).to_be_hidden()
    assert not Contribution.objects.filter(text="Written on the train, not yet sent.").exists()
    assert_no_console_errors(ana)


def test_after_close_the_room_shows_no_words_and_links_the_review_page(new_context, room):
    base = room["base"]
    session = room["session"]
    console = open_as(new_context, room["fran"], f"{base}/console/")
    ana = open_as(new_context, room["ana"], f"{base}/room/")
    ben = open_as(new_context, room["ben"], f"{base}/room/")
    projector = open_as(new_context, None, f"{base}/projector/", context=ben.context)
    words = "We rebuilt the community board after the shooting."
    share(ana, words)
    item(ben, words).get_by_role("button", name="I heard you, Ana Ruiz").click()
    ben.get_by_label("What I heard (optional, one line)").fill("Rebuilding takes years.")
    ben.get_by_role("button", name="Send “I heard you”").click()
    item(ben, words).get_by_role("button", name="Reply to Ana Ruiz").click()
    share(ben, "How did you choose who sat on it?")
    expect(item(ana, "How did you choose")).to_contain_text("In reply to Ana Ruiz")
    expect(item(ana, words)).to_contain_text("Rebuilding takes years.")
    in_thread(services.reflection_start, session_id=session.pk, member=room["fran"], seconds=300)
    ana.get_by_label("My private notes").fill("A private thought about the board.")
    # The projector got those events bare, kept its seq, and still follows the room.
    ana.get_by_role("button", name="Raise hand: new point").click()
    expect(projector.locator("#projector-queue")).to_contain_text("Ana Ruiz")
    for text in (words, "How did you choose", "Rebuilding takes years."):
        assert text not in projector.content()
    # Ben has a half-written reply in the composer when the session closes.
    ben.get_by_label("Your contribution", exact=True).fill("Half a thought, never sent.")

    console.get_by_role("button", name="Close the session").click()
    console.locator("#confirm-dialog").get_by_role("button", name="Close the session").click()
    review_url = reverse("archive_review", args=[session.pk])
    texts = (words, "How did you choose", "Rebuilding takes years.", "A private thought", "Half a thought")
    for page in (ana, ben, console):
        expect(page.locator("#closed-panel")).to_be_visible()
        expect(page.locator("#closed-panel")).to_contain_text("now only on the review page")
        link = page.get_by_role("link", name="Review your words")
        expect(link).to_have_attribute("href", review_url)
        expect(page.locator("#contribution-list > li")).to_have_count(0)
        for panel in ("#compose-panel", "#queue-panel", "#round-panel", "#reflection-panel", "#pause-signal-panel"):
            expect(page.locator(panel)).to_be_hidden()
        for control in ("Share", "Raise hand: new point", "I need a pause", "I'm done", "Share into the room"):
            expect(page.get_by_role("button", name=control, exact=True)).to_have_count(0)
        # The commitment form stays while its window is open.
        expect(page.get_by_label("What will you try at home before we meet again?")).to_be_visible()
        # Nothing of anyone's words is left on the page or in the room's memory.
        for box in ("#compose-text", "#reflection-notes"):
            assert page.locator(box).input_value() == ""
        memory = page.evaluate("JSON.stringify(window.commonGroundRoom.state)")
        content = page.content()
        for text in texts:
            assert text not in memory, text
            assert text not in content, text
    expect(projector.locator("#projector-phase")).to_have_text("Session closed")
    expect(projector.locator("#projector-queue > li")).to_have_count(0)
    wait = ana.locator("#announcer")
    expect(wait).to_contain_text("The words shared here are now only on the review page.")
    assert not [k for k in local_keys(ana) if k.startswith("cg.note.")]
    assert_no_serious_axe_violations(ana)

    # Coming back to the closed room: still no words, still the way to the review page.
    ana.reload()
    expect(ana.locator("#connection-status")).to_have_attribute("data-status", "open")
    expect(ana.locator("#closed-panel")).to_be_visible()
    expect(ana.locator("#contribution-list > li")).to_have_count(0)
    assert words not in ana.content()
    ana.get_by_label("What will you try at home before we meet again?").fill("Invite the board to our next meeting.")
    ana.get_by_role("button", name="Record my commitment").click()
    expect(ana.locator("#commitment-status")).to_contain_text("Your commitment is recorded")

    # The review page is where Ana reads her own words; redacting asks first, without any script.
    ana.get_by_role("link", name="Review your words").click()
    ana.wait_for_url(f"**{review_url}")
    expect(ana.get_by_text(words)).to_be_visible()
    confirm = ana.get_by_role("button", name="Yes, redact these words for good")
    expect(confirm).to_be_hidden()
    ana.locator("summary", has_text="Redact").click()
    expect(confirm).to_be_visible()
    assert_no_serious_axe_violations(ana)
    confirm.click()
    expect(ana.locator(".messages")).to_contain_text("redacted")
    for page in (console, ana, ben, projector):
        assert_no_console_errors(page)
