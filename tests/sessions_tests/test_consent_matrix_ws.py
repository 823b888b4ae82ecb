"""The consent matrix over the websocket: consent × reader × surface.

For each consent a speaker may choose, each reader (the speaker's own other
tab, another participant, a facilitator, the projector) and each surface
(a live event, a fresh hello, a replay from before the words, and all three
again after close), exactly whether the words and the speaker's name arrive.
"""

import json

import pytest
from asgiref.sync import sync_to_async

from .conftest import RoomClient, join, project

pytestmark = pytest.mark.django_db(transaction=True)

CONSENTS = ["named", "not_for_attribution", "anonymous", "off_record"]
READERS = ["author", "participant", "facilitator", "projector"]
WORDS = "Words said once about the shelter on Elm Street"


def expected(consent: str, reader: str, *, closed: bool) -> tuple[bool, bool]:
    """(words shown, speaker named) per docs/privacy.md."""
    if closed or reader == "projector":
        return False, False
    return True, reader == "author" or consent != "anonymous"


async def _reader(reader, people, session) -> RoomClient:
    if reader == "projector":
        return await project(people["facilitator"], session)
    return await join(people[reader], session)


def _contribution_part(frames: list[dict]) -> str:
    """Everything the frames say about contributions (presence lists name people by design)."""
    parts = []
    for f in frames:
        if f.get("type") == "hello":
            parts.append(f["state"].get("contributions", []))
        elif f.get("type") == "event" and ("contribution" in f or "contribution_id" in f):
            parts.append(f)
    return json.dumps(parts)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("consent", CONSENTS)
async def test_consent_matrix_over_the_websocket(open_session, facilitator, participant, make_member, consent, reader):
    other = await sync_to_async(make_member)("participant", display_name="Pat Other")
    speaker = await sync_to_async(make_member)("participant", display_name="Sol Speaker")
    people = {"author": speaker, "participant": other, "facilitator": facilitator}
    speaker_tab = await join(speaker, open_session)
    tab = await _reader(reader, people, open_session)
    since = tab.hello["last_seq"]
    ack = await speaker_tab.request(
        {"type": "contribute", "client_id": "m1", "text": WORDS, "kind": "story", "consent": consent}
    )
    assert ack["type"] == "ack"
    surfaces = {
        "live": await tab.drain(quiet=0.3),
        "hello": [(await _reader(reader, people, open_session)).hello],
        "replay": await tab.replay(since),
    }
    for surface, frames in surfaces.items():
        text = _contribution_part(frames)
        shown, named = expected(consent, reader, closed=False)
        assert (WORDS in text) is shown, surface
        assert ("Sol Speaker" in text) is named, surface
        if not named:
            assert f'"id": {speaker.pk}' not in text and f'"actor": {speaker.pk}' not in text, surface

    closer = await join(facilitator, open_session)
    await closer.request({"type": "session_close"})
    after = await _reader(reader, people, open_session)
    frames = [after.hello, *await after.replay(0)]
    text = json.dumps(frames)
    assert WORDS not in text
    assert "Sol Speaker" not in _contribution_part(frames)
    for t in (speaker_tab, tab, closer, after):
        await t.close()
