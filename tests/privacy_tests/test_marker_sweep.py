"""One session, run from open to publication, swept for every word and name
that must not reach a reader.

Marker strings are said under every consent (and withdrawn, edited, noted in
private, reflected back); the test records every frame every socket receives
(each role, the projector, a late joiner, and everyone again after close),
every archive page and export before and after publication, every email the
worker sends, and every row of the database after close. It fails if a marker
or a hidden speaker's name appears anywhere the consent table
(docs/privacy.md) does not allow.
"""

import csv
import io
import json

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archives import services as archive_services
from participants.models import StakeholderRole
from reminders.outbox import reminders_scan
from sessions import visibility
from sessions.models import Contribution
from tests.factories import DialogueSessionFactory, MeetingFactory, PhaseFactory, TeamFactory
from tests.sessions_tests.conftest import RoomClient, join, project

pytestmark = pytest.mark.django_db(transaction=True)

M = {
    "named": "MARKnamed-mural",
    "nfa": "MARKnfa-viewing",
    "anonymous": "MARKanon-grief",
    "off_record": "MARKoff-zebra",
    "withdrawn": "MARKwithdrawn-quince",
    "edit_old": "MARKeditold-draft",
    "edit_new": "MARKeditnew-final",
    "note": "MARKnote-private",
    "shared_note": "MARKsharednote-anon",
    "reflection_off": "MARKreflect-off",
}
# Words that no reader may ever see after close, and that the database must not keep.
ERASED = ("off_record", "withdrawn", "edit_old", "reflection_off")


class World:
    pass


def _build(exchange, make_member) -> World:
    w = World()
    w.exchange = exchange
    quarry = TeamFactory(exchange=exchange, community_name="Quarry Bend")
    cedar = TeamFactory(exchange=exchange, community_name="Cedar Hollow")
    other = StakeholderRole.OTHER
    w.fac = make_member("facilitator", display_name="Fran Facil", stakeholder_role=other)
    w.convener = make_member("convener", display_name="Connie Conv", stakeholder_role=other)
    w.scribe = make_member("scribe", display_name="Sam Scrib", stakeholder_role=other)
    w.named = make_member("participant", display_name="Nadia Named", stakeholder_role=StakeholderRole.ACADEMIC)
    # Bob is the only faith leader: Chatham House leaves him "A participant".
    w.nfa = make_member(
        "participant", display_name="Bartholomew Unnamed", stakeholder_role=StakeholderRole.FAITH_LEADER, team=quarry
    )
    w.anon = make_member(
        "participant", display_name="Yolanda Hidden", stakeholder_role=StakeholderRole.LAW_ENFORCEMENT, team=cedar
    )
    w.off = make_member("participant", display_name="Otto Offrec", stakeholder_role=other)
    w.never = make_member("participant", display_name="Xavier Never", stakeholder_role=other)
    for i in range(3):
        make_member("participant", display_name=f"Quiet {i}", stakeholder_role=other)
    w.hidden_names = ("Bartholomew Unnamed", "Yolanda Hidden", "Otto Offrec")
    w.hidden_teams = ("Quarry Bend", "Cedar Hollow")
    w.session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange), title="Trust at home")
    for order, title in enumerate(["Opening", "Stories", "Closing"], start=1):
        PhaseFactory(session=w.session, order=order, title=title, planned_minutes=30)
    return w


def _markers_in(text: str, keys) -> list[str]:
    return [k for k in keys if M[k] in text]


def _frames_about(frames, contribution_id):
    for f in frames:
        c = f.get("contribution")
        if f.get("type") == "event" and (
            (isinstance(c, dict) and c.get("id") == contribution_id) or f.get("contribution_id") == contribution_id
        ):
            yield f


def _get(member, url, **params):
    client = Client()
    client.force_login(member.user)
    return client.get(url, params)


async def test_no_word_or_name_reaches_anyone_its_consent_does_not_allow(exchange, make_member, settings):
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "RATE_PER_10S": 1000}
    w = await sync_to_async(_build)(exchange, make_member)
    s = w.session

    # --- The open room ------------------------------------------------------------
    # Each role has a tab that acts and one that only listens (an acting tab's
    # requests read past the events before their ack).
    tabs: dict[str, RoomClient] = {}
    listeners: dict[str, RoomClient] = {}
    for key in ("fac", "convener", "scribe", "named", "nfa", "anon", "off"):
        tabs[key] = await join(getattr(w, key), s)
        listeners[key] = await join(getattr(w, key), s)
    projector = await project(w.fac, s)
    await tabs["fac"].request({"type": "session_open"})

    async def say(key, text, consent, client_id):
        ack = await tabs[key].request(
            {"type": "contribute", "client_id": client_id, "text": text, "kind": "story", "consent": consent}
        )
        assert ack["type"] == "ack", ack
        return ack["contribution_id"]

    ids = {
        "named": await say("named", M["named"], "named", "n"),
        "nfa": await say("nfa", M["nfa"], "not_for_attribution", "b"),
        "anonymous": await say("anon", M["anonymous"], "anonymous", "y"),
        "off_record": await say("off", M["off_record"], "off_record", "o"),
        "withdrawn": await say("named", M["withdrawn"], "named", "w"),
        "edited": await say("named", M["edit_old"], "named", "e"),
    }
    await tabs["named"].request({"type": "contribution_withdraw", "contribution_id": ids["withdrawn"]})
    await tabs["named"].request({"type": "contribution_edit", "contribution_id": ids["edited"], "text": M["edit_new"]})
    await tabs["anon"].request({"type": "note_save", "text": M["note"]})
    shared = await tabs["anon"].request(
        {"type": "note_share", "client_id": "sn", "text": M["shared_note"], "consent": "anonymous"}
    )
    assert shared["type"] == "ack", shared
    await tabs["named"].request(
        {"type": "acknowledge", "contribution_id": ids["off_record"], "reflection": M["reflection_off"]}
    )
    await tabs["named"].request({"type": "acknowledge", "contribution_id": ids["anonymous"]})
    themes = tabs["fac"].hello["state"]["themes"] or (await join(w.fac, s)).hello["state"]["themes"]
    for key in ("nfa", "anonymous"):
        await tabs["fac"].request({"type": "theme_tag", "contribution_id": ids[key], "theme_id": themes[0]["id"]})

    live = {key: [tab.hello] + await tab.drain(quiet=0.4) for key, tab in listeners.items()}
    live["projector"] = [projector.hello] + await projector.drain(quiet=0.2)

    # The projector: nobody's words, nobody's link to them.
    assert _markers_in(json.dumps(live["projector"]), M) == []
    for f in live["projector"]:
        if f.get("event") in visibility.CONTRIBUTION_EVENTS:
            assert "contribution" not in f and "contribution_id" not in f
    # Anonymous words (a contribution and a shared note) name nobody but their author, facilitators included.
    anonymous_ids = (ids["anonymous"], shared["contribution_id"])
    for key, frames in live.items():
        if key in ("anon", "projector"):
            continue
        for cid in anonymous_ids:
            about = list(_frames_about(frames, cid))
            assert about, (key, cid)
            text = json.dumps(about)
            assert "Yolanda Hidden" not in text and "Cedar Hollow" not in text, key
            assert w.anon.pk not in [f.get("actor") for f in about]
    # A late joiner reads neither withdrawn words nor an edit's earlier text.
    late = await join(await sync_to_async(make_member)("participant", display_name="Lena Late"), s)
    late_frames = [late.hello] + await late.replay(0)
    assert _markers_in(json.dumps(late_frames), ("withdrawn", "edit_old", "note")) == []
    assert M["edit_new"] in json.dumps(late.hello)
    for cid in anonymous_ids:
        assert "Yolanda Hidden" not in json.dumps(list(_frames_about(late_frames, cid)))
    await late.close()

    # --- Close ---------------------------------------------------------------------
    closed_at = timezone.now()
    await tabs["fac"].request({"type": "session_close"})
    for tab in [*tabs.values(), *listeners.values(), projector]:
        await tab.close()
    # After close the live room shows no words to anyone, however they ask.
    for member in (w.fac, w.convener, w.named, w.anon, w.never):
        again = await join(member, s)
        frames = [again.hello] + await again.replay(0)
        assert _markers_in(json.dumps(frames), M) == [], member.display_name
        await again.close()

    # The database after close keeps no erased word, anywhere.
    leftovers = await sync_to_async(_database_markers)(ERASED)
    assert leftovers == [], leftovers

    # --- Review window: before publication ---------------------------------------
    await sync_to_async(_before_publication)(w, ids)

    # --- Emails between meetings -------------------------------------------------
    mail.outbox.clear()
    await sync_to_async(reminders_scan)(now=closed_at + timezone.timedelta(minutes=10))
    await sync_to_async(_emails_checked)(w)

    # --- Publication -----------------------------------------------------------------
    await sync_to_async(_publish)(w)
    await sync_to_async(_published_surfaces)(w, ids)


def _database_markers(keys) -> list[str]:
    """Every (model, marker) pair where a stored row still holds the marker."""
    found = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            text = json.dumps(row, default=str)
            for key in keys:
                if M[key] in text:
                    found.append(f"{model._meta.label}: {key}")
    return found


def _before_publication(w: World, ids: dict) -> None:
    s = w.session
    exchange_id = s.meeting.exchange_id
    for reader in (w.convener, w.fac, w.never, w.named):
        assert _get(reader, reverse("archive_transcript", args=[s.pk])).status_code == 404
        for fmt in ("csv", "json", "md"):
            response = _get(reader, reverse("archive_export", kwargs={"session_id": s.pk, "fmt": fmt}))
            assert response.status_code == 404
        exported = _get(reader, reverse("archive_export", kwargs={"exchange_id": exchange_id, "fmt": "json"}))
        assert _markers_in(exported.content.decode(), M) == []
        search = _get(reader, reverse("archive_exchange", args=[exchange_id]), q="MARK")
        assert _markers_in(search.content.decode(), M) == []
    # The review page: each author alone, with their own words.
    review = reverse("archive_review", args=[s.pk])
    own = _get(w.named, review).content.decode()
    assert M["named"] in own and M["edit_new"] in own
    assert _markers_in(own, ("nfa", "anonymous", "shared_note", *ERASED)) == []
    for reader in (w.convener, w.fac, w.never):
        assert _markers_in(_get(reader, review).content.decode(), M) == []


def _emails_checked(w: World) -> None:
    authored = {
        w.named.user.email: {"named", "edit_new"},
        w.nfa.user.email: {"nfa"},
        w.anon.user.email: {"anonymous", "shared_note"},
    }
    assert mail.outbox, "the close sends each member a digest"
    for message in mail.outbox:
        bodies = [message.subject, message.body] + [alt[0] for alt in getattr(message, "alternatives", [])]
        text = "\n".join(str(b) for b in bodies)
        recipient = message.to[0]
        allowed = authored.get(recipient, set())
        assert _markers_in(text, [k for k in M if k not in allowed]) == [], recipient
        for name in w.hidden_names:
            assert name not in text or recipient == _email_of(w, name), (recipient, name)


def _email_of(w: World, name: str) -> str:
    return next(m.user.email for m in (w.nfa, w.anon, w.off) if m.display_name == name)


def _publish(w: World) -> None:
    for member in (w.named, w.nfa, w.anon):
        archive_services.review_release(session_id=w.session.pk, member=member)
    archive_services.archive_publish(session_id=w.session.pk, member=w.fac)


def _published_surfaces(w: World, ids: dict) -> None:
    s = w.session
    exchange_id = s.meeting.exchange_id
    common = visibility.common_roles(exchange_id=exchange_id)
    pages = {
        "transcript": (reverse("archive_transcript", args=[s.pk]), {}),
        "search": (reverse("archive_exchange", args=[exchange_id]), {"q": "MARK"}),
        "themes": (reverse("archive_themes", args=[exchange_id]), {}),
        "equity": (reverse("archive_equity", args=[s.pk]), {}),
        "followthrough": (reverse("archive_followthrough", args=[exchange_id]), {}),
        "csv": (reverse("archive_export", kwargs={"session_id": s.pk, "fmt": "csv"}), {}),
        "json": (reverse("archive_export", kwargs={"session_id": s.pk, "fmt": "json"}), {}),
        "md": (reverse("archive_export", kwargs={"session_id": s.pk, "fmt": "md"}), {}),
        "exchange_json": (reverse("archive_export", kwargs={"exchange_id": exchange_id, "fmt": "json"}), {}),
    }
    for reader in (w.convener, w.fac, w.named):
        for surface, (url, params) in pages.items():
            response = _get(reader, url, **params)
            if reader is w.named and surface in ("equity", "followthrough"):
                continue  # conveners' and facilitators' pages
            assert response.status_code == 200, (reader.display_name, surface)
            body = response.content.decode()
            assert _markers_in(body, ERASED + ("note",)) == [], (reader.display_name, surface)
            for name in w.hidden_names:
                assert name not in body, (reader.display_name, surface, name)
            if surface in ("transcript", "csv", "json", "md", "exchange_json"):
                assert M["nfa"] in body and M["anonymous"] in body and M["named"] in body
                for team in w.hidden_teams:
                    assert team not in body, (reader.display_name, surface, team)
    # Each not-for-attribution quote in an export fits at least five members of the exchange.
    rows = json.loads(_get(w.convener, pages["json"][0]).content)["contributions"]
    labels = {label: value for value, label in StakeholderRole.choices}
    for row in rows:
        if row["attribution"] == "not_for_attribution":
            assert row["speaker"] == "" and row["team"] == ""
            assert row["stakeholder_role"] == visibility.A_PARTICIPANT or labels[row["stakeholder_role"]] in common
        if row["attribution"] == "anonymous":
            assert (row["speaker"], row["stakeholder_role"], row["team"]) == ("", "", "")
    table = list(csv.DictReader(io.StringIO(_get(w.convener, pages["csv"][0]).content.decode())))
    assert {r["text"] for r in table} >= {M["named"], M["nfa"], M["anonymous"], M["edit_new"]}
    # Someone who was never in the session does not read its archive.
    assert _get(w.never, pages["transcript"][0]).status_code == 404
    with transaction.atomic():
        assert not Contribution.objects.filter(text__contains="MARKoff").exists()
