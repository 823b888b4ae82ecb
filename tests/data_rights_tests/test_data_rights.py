"""A person can take everything held about them, and leave; their words
follow the consent they gave, and the room's history stays whole."""

import json

import pytest
from django.urls import reverse

from data_rights import services as data_rights
from data_rights.services import FORMER_MEMBER_NAME, NamedWords, user_account_delete, user_data_export
from participants.models import Commitment, Invitation, Member, User
from sessions import services
from sessions.models import Contribution, ReflectionNote, RoomState, SessionEvent
from tests.permissions.world import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.permissions.urls")]
PASSWORD = "correct horse battery"


@pytest.fixture
def world():
    """The matrix's world; the participant also speaks in every consent, keeps a note, acknowledges."""
    w = build_world()
    s, p = w.open_session, w.members["participant"]
    w.words = {}
    for consent in ("named", "not_for_attribution", "anonymous", "off_record"):
        result = services.contribution_create(
            session_id=s.pk, member=p, client_id=consent, text=f"My {consent} words.", consent=consent
        )
        w.words[consent] = result["contribution_id"]
    services.contribution_edit(session_id=s.pk, member=p, contribution_id=w.words["named"], text="My named words, v2.")
    services.note_save(session_id=s.pk, member=p, text="My private note.")
    services.note_save(session_id=s.pk, member=w.members["scribe"], text="The scribe's private note.")
    other = services.contribution_create(
        session_id=s.pk, member=w.members["scribe"], client_id="s1", text="Scribe says."
    )
    w.other_words = other["contribution_id"]
    services.acknowledgement_create(
        session_id=s.pk, member=p, contribution_id=other["contribution_id"], reflection="Heard it."
    )
    services.acknowledgement_create(
        session_id=s.pk, member=w.members["scribe"], contribution_id=w.words["named"], reflection="What I heard: v2."
    )
    services.pause_request(session_id=s.pk, member=w.members["scribe"])
    return w


def _events_text(session) -> str:
    return json.dumps(list(SessionEvent.objects.filter(session=session).values_list("payload", flat=True)))


# --- Export -------------------------------------------------------------------------


def test_export_holds_everything_about_the_person(world):
    user = world.members["participant"].user
    user.language = "es"
    user.save()
    Contribution.objects.filter(pk=world.words["named"]).update(language="es")
    data = user_data_export(user=user)
    assert data["account"]["email"] == world.members["participant"].user.email
    assert data["account"]["language"] == "es"
    (membership,) = data["memberships"]
    texts = {c["text"] for c in membership["contributions"]}
    assert {"My named words, v2.", "My not_for_attribution words.", "My anonymous words."} <= texts
    named = next(c for c in membership["contributions"] if c["id"] == world.words["named"])
    assert named["earlier_versions"] == ["My named words."] and named["consent"] == "named"
    assert named["language"] == "es"
    assert named["acknowledged_by_count"] == 1
    assert membership["private_notes"][0]["text"] == "My private note."
    assert membership["commitments"][0]["check_in"]["tried"] == "We met the youth council."
    assert membership["acknowledgements"][0]["reflection"] == "Heard it."
    assert membership["emails"][0]["kind"] == "meeting_reminder"


def test_export_holds_no_one_elses_private_data(world, client):
    """Not the scribe's note, pause request, words, or reflection back; not the calendar secret."""
    client.force_login(world.members["participant"].user)
    response = client.get(reverse("my_data_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode()
    json.loads(body)
    for secret in ("The scribe's private note.", "Scribe says.", "What I heard", world.members["scribe"].user.email):
        assert secret not in body
    assert world.members["participant"].user.calendar_token not in body


# --- Deletion -----------------------------------------------------------------------


def _delete(world, named_words=NamedWords.REMOVE):
    user = world.members["participant"].user
    last_seq = RoomState.objects.get(session=world.open_session).last_seq
    events = SessionEvent.objects.count()
    result = user_account_delete(user=user, password=PASSWORD, named_words=named_words)
    # Events remain, gap-free, none added or removed.
    assert SessionEvent.objects.count() == events
    assert RoomState.objects.get(session=world.open_session).last_seq == last_seq
    seqs = list(SessionEvent.objects.filter(session=world.open_session).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert not User.objects.filter(pk=user.pk).exists()
    return result


def test_wrong_password_deletes_nothing(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_account_delete(user=world.members["participant"].user, password="guess")
    assert Member.objects.filter(pk=world.members["participant"].pk).exists()


def test_default_removes_named_words_and_keeps_the_rest_unattributed(world):
    display_name = world.members["participant"].display_name
    Contribution.objects.filter(author=world.members["participant"]).update(language="es")
    result = _delete(world)
    # Their page's language goes with their name, from erased and kept words alike.
    assert not Contribution.objects.filter(pk__in=world.words.values()).exclude(language="").exists()
    named = Contribution.objects.get(pk=world.words["named"])
    assert named.text == "" and named.purged_at is not None
    assert not named.revisions.exclude(text="").exists()
    assert not named.acknowledgements.exclude(reflection="").exists()
    for consent in ("not_for_attribution", "anonymous"):
        kept = Contribution.objects.get(pk=world.words[consent])
        assert kept.text == f"My {consent} words."
        assert kept.consent == "anonymous"
        assert kept.author.display_name == FORMER_MEMBER_NAME and data_rights.is_former_member(kept.author)
    assert Contribution.objects.get(pk=world.words["off_record"]).author.display_name == FORMER_MEMBER_NAME
    # The world gave the participant named words in three more sessions.
    assert result["erased"] == 5 and result["kept"] == 2
    text = _events_text(world.open_session)
    assert "My named words" not in text and "What I heard: v2." not in text
    assert display_name not in text
    assert "My anonymous words." in text


def test_keeping_named_words_without_attribution(world):
    _delete(world, NamedWords.KEEP_UNATTRIBUTED)
    named = Contribution.objects.get(pk=world.words["named"])
    assert named.text == "My named words, v2." and named.consent == "anonymous"
    assert named.author.display_name == FORMER_MEMBER_NAME


def test_off_record_words_already_purged_stay_purged(world):
    services.session_close(session_id=world.open_session.pk, member=world.members["facilitator"])
    assert Contribution.objects.get(pk=world.words["off_record"]).text == ""
    _delete(world, NamedWords.KEEP_UNATTRIBUTED)
    assert Contribution.objects.get(pk=world.words["off_record"]).text == ""
    assert "My off_record words." not in _events_text(world.open_session)


def test_everything_private_goes_with_the_account(world):
    member = world.members["participant"]
    _delete(world)
    assert not ReflectionNote.objects.filter(member_id=member.pk).exists()
    assert not Commitment.objects.filter(member_id=member.pk).exists()
    assert not Invitation.objects.filter(email__iexact=member.user.email).exists()
    # Other people's things are untouched.
    assert ReflectionNote.objects.filter(member=world.members["scribe"]).exists()
    assert Contribution.objects.get(pk=world.other_words).text == "Scribe says."


def test_one_placeholder_per_exchange_across_deletions(world):
    _delete(world)
    scribe = world.members["scribe"]
    user_account_delete(user=scribe.user, password=PASSWORD, named_words=NamedWords.KEEP_UNATTRIBUTED)
    assert Member.objects.filter(exchange=world.exchange, display_name=FORMER_MEMBER_NAME).count() == 1
    placeholder = User.objects.get(email=data_rights.FORMER_MEMBER_EMAIL)
    assert not placeholder.is_active and not placeholder.has_usable_password()


def test_delete_page_asks_for_the_password_then_signs_out(world, client):
    user = world.members["participant"].user
    client.force_login(user)
    url = reverse("my_account_delete")
    page = client.get(url)
    assert page.status_code == 200 and b"named_words" in page.content
    refused = client.post(url, {"password": "wrong", "named_words": "remove", "confirm": "on"})
    assert refused.status_code == 200 and User.objects.filter(pk=user.pk).exists()
    done = client.post(url, {"password": PASSWORD, "named_words": "keep_unattributed", "confirm": "on"})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert not User.objects.filter(pk=user.pk).exists()
    assert client.get(reverse("my_schedule")).status_code == 302


def test_former_member_placeholder_is_not_listed_or_counted(world, client):
    """The placeholder keeping a deleted person's words is nobody to invite,
    mark present or count: the people page, attendance and the composition
    matrix leave it out."""
    _delete(world)
    exchange = world.members["facilitator"].exchange
    placeholder = Member.objects.get(exchange=exchange, display_name=FORMER_MEMBER_NAME)
    assert placeholder.team_id is None
    client.force_login(world.members["facilitator"].user)
    for url in (reverse("member_list", args=[exchange.pk]), reverse("exchange_series", args=[exchange.pk])):
        assert FORMER_MEMBER_NAME not in client.get(url).content.decode()
    from exchanges.selectors import composition_get_for_exchange

    assert sum(composition_get_for_exchange(exchange=exchange).unplaced.counts) == 0
