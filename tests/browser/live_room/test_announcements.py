"""New contributions from others reach screen-reader users politely: a
visually hidden ``role="log"`` region gains one short line per contribution
(or one summary when several arrive at once), never for one's own words,
never for history on arriving, and never naming an anonymous author. A line
leaves the region as soon as its words are withdrawn or edited or its author
hidden, and a few seconds after it was said in any case. Timers count down
without being announced every second."""

import uuid

import pytest
from playwright.sync_api import expect

from sessions import services
from tests.browser.conftest import assert_no_console_errors, assert_no_serious_axe_violations, in_thread, login
from tests.factories import (
    DialogueSessionFactory,
    ExchangeFactory,
    MeetingFactory,
    MemberFactory,
    PhaseFactory,
    TeamFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def room(transactional_db):
    exchange = ExchangeFactory()
    tulsa = TeamFactory(exchange=exchange, community_name="Tulsa", state_region="OK")
    people = {
        "fran": MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Okafor"),
        "ana": MemberFactory(exchange=exchange, display_name="Ana Ruiz"),
        "ben": MemberFactory(exchange=exchange, display_name="Ben Carter", team=tulsa),
    }
    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    in_thread(services.session_open, session_id=session.pk, member=people["fran"])
    return {"session": session, "url": f"/sessions/{session.pk}/room/", **people}


def open_room(new_context, member, url):
    page = new_context().new_page()
    login(page, member.user.email, PASSWORD)
    page.goto(url)
    expect(page.locator("#connection-status")).to_have_attribute("data-status", "open")
    return page


def contribute(room, who, text, consent=None):
    """Someone shares words; returns the contribution's id."""
    result = in_thread(
        services.contribution_create,
        session_id=room["session"].pk,
        member=room[who],
        client_id=str(uuid.uuid4()),
        text=text,
        consent=consent,
    )
    return result["contribution_id"]


def keep_log_lines(page, ms):
    """How long a line stays in the page's log region (a few seconds unless a test needs otherwise)."""
    page.evaluate(f"window.commonGroundRoom.ctx.contributionLog.lineMs = {ms}")


def test_contributions_from_others_are_added_to_the_log_region(new_context, room):
    ana = open_room(new_context, room["ana"], room["url"])
    ben = open_room(new_context, room["ben"], room["url"])
    # Lines leave a few seconds after they are said: long enough here to count them all.
    keep_log_lines(ana, 120_000)
    log = ana.get_by_role("log", name="New contributions")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator("p")).to_have_count(0)

    # Ben shares through the page; Ana's log says so, Ben's own does not.
    ben.get_by_label("Your contribution", exact=True).fill("We walk the beat with the youth council every Friday.")
    ben.keyboard.press("Enter")
    expect(log.locator("p")).to_have_text(
        ["Ben Carter (Tulsa, OK) said: We walk the beat with the youth council every Friday."]
    )
    expect(ben.locator("#contribution-log p")).to_have_count(0)

    # A long contribution is cut short for the announcement only; the list shows it whole.
    long_words = "Trust came back slowly. " * 20
    contribute(room, "ben", long_words)
    expect(log.locator("p")).to_have_count(2)
    line = log.locator("p").nth(1).text_content()
    assert line.startswith("Ben Carter (Tulsa, OK) said: Trust came back slowly.") and line.endswith("…")
    assert len(line) < 140
    expect(ana.locator("#contribution-list .contribution-text").nth(1)).to_have_text(long_words.strip())

    # Anonymous words: the line names nobody, as the list does.
    contribute(room, "ben", "I was afraid to say this with my name on it.", consent="anonymous")
    expect(log.locator("p")).to_have_count(3)
    expect(log.locator("p").nth(2)).to_have_text("Anonymous said: I was afraid to say this with my name on it.")
    assert "Ben Carter" not in log.locator("p").nth(2).text_content()

    # Several at once: one summary line, not three. The window (1.2 s in the room)
    # is held open here until all three are on the screen, then closed, so that
    # three arrivals the test makes one after another count as "at once" however
    # loaded the machine is; the window's timing is the Node tests'.
    ana.evaluate("window.commonGroundRoom.ctx.contributionLog.windowMs = 3600000")
    for words in ("First of three.", "Second of three.", "Third of three."):
        contribute(room, "ben", words)
    expect(ana.locator("#contribution-list > li")).to_have_count(6)
    expect(log.locator("p")).to_have_count(3)
    ana.evaluate("window.commonGroundRoom.ctx.contributionLog.flush()")
    expect(log.locator("p")).to_have_count(4)
    expect(log.locator("p").nth(3)).to_have_text("3 new contributions.")
    # The earlier lines were never redrawn: the region only gained.
    expect(log.locator("p").nth(0)).to_contain_text("every Friday")

    # Arriving (or coming back) brings history, which is not announced.
    ana.reload()
    expect(ana.locator("#connection-status")).to_have_attribute("data-status", "open")
    expect(ana.locator("#contribution-list > li")).to_have_count(6)
    ana.wait_for_timeout(1500)
    expect(ana.locator("#contribution-log p")).to_have_count(0)
    assert_no_serious_axe_violations(ana)
    assert_no_console_errors(ana)
    assert_no_console_errors(ben)


def test_a_line_leaves_the_log_as_soon_as_its_words_change_and_soon_in_any_case(new_context, room):
    ana = open_room(new_context, room["ana"], room["url"])
    keep_log_lines(ana, 120_000)
    log = ana.locator("#contribution-log")
    lines = log.locator("p")
    session_id = room["session"].pk

    withdrawn = contribute(room, "ben", "I was stopped three times that winter.")
    expect(lines).to_have_count(1)
    expect(lines.first).to_have_attribute("data-contribution-ids", str(withdrawn))
    hidden = contribute(room, "ben", "My cousin is on the force.")
    expect(lines).to_have_count(2)
    edited = contribute(room, "ben", "The first version named the officer.")
    expect(lines).to_have_count(3)
    kept = contribute(room, "ben", "We meet again in May.")
    expect(lines).to_have_count(4)

    # Withdrawn: gone from the list and from the log at once (nothing left to read or copy).
    in_thread(services.contribution_withdraw, session_id=session_id, member=room["ben"], contribution_id=withdrawn)
    expect(ana.locator("#contribution-list")).not_to_contain_text("stopped three times")
    expect(lines).to_have_count(3)
    assert "stopped three times" not in log.text_content()
    # Switched to anonymous by its author: no line names him for those words any more.
    in_thread(
        services.consent_set, session_id=session_id, member=room["ben"], contribution_id=hidden, consent="anonymous"
    )
    expect(lines).to_have_count(2)
    assert "My cousin" not in log.text_content()
    # Edited: the earlier version goes.
    in_thread(
        services.contribution_edit,
        session_id=session_id,
        member=room["ben"],
        contribution_id=edited,
        text="The second version names nobody.",
    )
    expect(lines).to_have_count(1)
    assert "named the officer" not in log.text_content()
    expect(lines).to_have_text(["Ben Carter (Tulsa, OK) said: We meet again in May."])
    expect(lines.first).to_have_attribute("data-contribution-ids", str(kept))

    # And nothing lingers: a line said leaves by itself a few seconds later, unannounced.
    keep_log_lines(ana, 1500)
    contribute(room, "ben", "A last word before the break.")
    expect(log).to_contain_text("A last word before the break.")
    ana.wait_for_timeout(2500)
    assert "A last word" not in log.text_content()
    assert_no_serious_axe_violations(ana)
    assert_no_console_errors(ana)


def test_a_running_timer_is_not_announced_every_second(new_context, room):
    ana = open_room(new_context, room["ana"], room["url"])
    # Count every change to what the page's live regions would speak.
    ana.evaluate(
        """() => {
          window.liveChanges = [];
          const live = document.querySelectorAll(
            '[aria-live]:not([aria-live="off"]), [role="log"], [role="status"], [role="alert"]');
          const observer = new MutationObserver((records) => {
            for (const r of records) {
              const region = r.target.nodeType === 1 ? r.target : r.target.parentElement;
              window.liveChanges.push((region.closest('[aria-live], [role]') || region).id + ': ' + region.textContent);
            }
          });
          for (const node of live) observer.observe(node, { childList: true, subtree: true, characterData: true });
        }"""
    )
    in_thread(services.reflection_start, session_id=room["session"].pk, member=room["fran"], seconds=120)
    countdown = ana.locator("#reflection-countdown")
    expect(countdown).to_contain_text("of quiet reflection left")
    first = countdown.text_content()
    ana.wait_for_timeout(3500)
    assert countdown.text_content() != first  # it counts down on screen
    expect(countdown).to_have_attribute("role", "timer")
    expect(countdown).to_have_attribute("aria-live", "off")
    changes = ana.evaluate("window.liveChanges")
    spoken = [c for c in changes if c.split(": ", 1)[1].strip()]
    # The start is said once; the seconds ticking by are not.
    assert len(spoken) <= 2, spoken
    assert any("Quiet reflection has begun, for 2 minutes" in c for c in spoken), spoken
    assert not any("of quiet reflection left" in c for c in spoken), spoken
    assert_no_console_errors(ana)
