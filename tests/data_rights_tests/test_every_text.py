"""Leaving takes every free text the person wrote, each by its own rule, and
their copy of their data holds their own words only.

Seen from the person who left (and from the people who stay, who must find
nothing of them): a marker string is seeded in each kind of text the person
can write, then every stored event payload and every column of every table
is scanned for it after the deletion.
"""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from archives.models import ArchiveAccess
from data_rights import services as data_rights
from data_rights.services import FORMER_MEMBER_NAME, NamedWords, user_account_delete, user_data_export
from participants.models import RSVP, CheckIn, Commitment, Invitation, Member
from sessions import services
from sessions.models import Acknowledgement, Contribution, PauseSignal, ReflectionNote, Round, SessionEvent
from tests.factories import DialogueSessionFactory, MeetingFactory, MemberFactory, PhaseFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"

# The person's identity.
FIRST, LAST = "Zephyrine", "Quillfeather"
EMAIL = "zq.marker@example.org"

# Erased whatever the person chooses.
ALWAYS_GONE = (
    FIRST,
    LAST,
    "zq.marker",
    "MARK-NAMED-EARLIER",  # an earlier version of on-the-record words
    "MARK-NFA-EARLIER",  # an earlier version of words kept without a name
    "MARK-OFF-RECORD",
    "MARK-WITHDRAWN",
    "MARK-PRIVATE-NOTE",
    "MARK-I-HEARD-YOU",  # the person's reflection on someone else's words (open room)
    "MARK-CLOSED-HEARD",  # the same, in a closed session
    "MARK-RSVP-NOTE",
    "MARK-SEARCH-QUERY",
)
# On the record: erased (REMOVE) or kept without the name (KEEP_UNATTRIBUTED).
NAMED = (
    "MARK-NAMED-NOW",
    "MARK-SHARED-NOTE-NAMED",  # a private note shared into the room, on the record
    "MARK-CLOSED-NAMED",
    "MARK-COMMITMENT",
    "MARK-CHECKIN-TRIED",
    "MARK-CHECKIN-LEARNING",
)
# Not for attribution or anonymous: kept, anonymous, either way.
KEPT = ("MARK-NFA-NOW", "MARK-ANON-WORDS", "MARK-SHARED-NOTE-ANON")
# Someone else's reflection on the person's on-the-record words: goes with them.
OTHERS_ON_NAMED = "MARK-OTHERS-REFLECTION"


def _open(meeting, title, facilitator):
    session = DialogueSessionFactory(meeting=meeting, title=title)
    PhaseFactory(session=session, order=1, title="Stories", planned_minutes=30)
    services.session_open(session_id=session.pk, member=facilitator)
    return session


@pytest.fixture
def room():
    """An exchange with an open and a closed session, the leaving person
    having written every kind of text there is, and one other person."""
    user = UserFactory(email=EMAIL, first_name=FIRST, last_name=LAST)
    user.set_password(PASSWORD)
    user.save()
    person = MemberFactory(user=user, display_name=f"{FIRST} {LAST}")
    exchange = person.exchange
    other = MemberFactory(exchange=exchange, display_name="Bartholomew Ostrander", exchange_role="scribe")
    facilitator = MemberFactory(exchange=exchange, exchange_role="facilitator", display_name="Fran Facil")
    meeting = MeetingFactory(exchange=exchange, number=1, starts_at=timezone.now())

    closed = _open(meeting, "Closed session", facilitator)
    services.presence_join(session_id=closed.pk, member=person, channel_name="p-closed")
    said = services.contribution_create(
        session_id=closed.pk, member=person, client_id="c1", text="MARK-CLOSED-NAMED", consent="named"
    )
    theirs = services.contribution_create(session_id=closed.pk, member=other, client_id="c2", text="Other said.")
    services.acknowledgement_create(
        session_id=closed.pk, member=person, contribution_id=theirs["contribution_id"], reflection="MARK-CLOSED-HEARD"
    )
    services.session_close(session_id=closed.pk, member=facilitator)
    services.commitment_set(session_id=closed.pk, member=person, text="MARK-COMMITMENT")
    commitment = Commitment.objects.get(member=person, session=closed)
    CheckIn.objects.create(commitment=commitment, tried="MARK-CHECKIN-TRIED", learning="MARK-CHECKIN-LEARNING")

    s = _open(meeting, "Open session", facilitator)
    services.presence_join(session_id=s.pk, member=person, channel_name="p-open")
    services.presence_join(session_id=s.pk, member=other, channel_name="o-open")
    ids = {"closed_named": said["contribution_id"]}

    def say(key, text, consent):
        ids[key] = services.contribution_create(
            session_id=s.pk, member=person, client_id=key, text=text, consent=consent
        )["contribution_id"]

    say("named", "MARK-NAMED-EARLIER", "named")
    services.contribution_edit(session_id=s.pk, member=person, contribution_id=ids["named"], text="MARK-NAMED-NOW")
    say("nfa", "MARK-NFA-EARLIER", "not_for_attribution")
    services.contribution_edit(session_id=s.pk, member=person, contribution_id=ids["nfa"], text="MARK-NFA-NOW")
    say("anon", "MARK-ANON-WORDS", "anonymous")
    say("off", "MARK-OFF-RECORD", "off_record")
    say("withdrawn", "MARK-WITHDRAWN", "not_for_attribution")
    services.contribution_withdraw(session_id=s.pk, member=person, contribution_id=ids["withdrawn"])
    services.note_save(session_id=s.pk, member=person, text="MARK-PRIVATE-NOTE")
    for key, consent in (("shared_named", "named"), ("shared_anon", "anonymous")):
        marker = "MARK-SHARED-NOTE-NAMED" if consent == "named" else "MARK-SHARED-NOTE-ANON"
        ids[key] = services.note_share(session_id=s.pk, member=person, client_id=key, text=marker, consent=consent)[
            "contribution_id"
        ]
    others = services.contribution_create(session_id=s.pk, member=other, client_id="o1", text="Bart's story.")
    services.acknowledgement_create(
        session_id=s.pk, member=person, contribution_id=others["contribution_id"], reflection="MARK-I-HEARD-YOU"
    )
    services.acknowledgement_create(
        session_id=s.pk, member=other, contribution_id=ids["named"], reflection=OTHERS_ON_NAMED
    )
    services.hand_raise(session_id=s.pk, member=person, kind="new_point")
    services.round_start(session_id=s.pk, member=facilitator, order="by_team")
    services.pause_request(session_id=s.pk, member=person)

    RSVP.objects.create(member=person, meeting=meeting, response="coming", note="MARK-RSVP-NOTE")
    ArchiveAccess.objects.create(
        user=user, member=person, exchange=exchange, what="search", query="MARK-SEARCH-QUERY", created_at=timezone.now()
    )
    Invitation.objects.create(
        exchange=exchange,
        email=EMAIL,
        name=f"{FIRST} {LAST}",
        member=person,
        created_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=3),
        accepted_at=timezone.now(),
    )
    LogEntry.objects.create(
        user=UserFactory(is_staff=True),
        content_type=ContentType.objects.get_for_model(Member),
        object_id=str(person.pk),
        object_repr=str(person),
        action_flag=CHANGE,
        change_message="[]",
    )
    # Everything is really there before the deletion (the scan would find it).
    everything = _database_text()
    for marker in (*ALWAYS_GONE, *NAMED, *KEPT, OTHERS_ON_NAMED):
        assert marker in everything, marker
    return {"person": person, "other": other, "open": s, "closed": closed, "ids": ids, "commitment": commitment}


def _database_text() -> str:
    """Every value of every column of every table, as one string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def _events_text() -> str:
    return json.dumps(list(SessionEvent.objects.values_list("payload", flat=True)))


def _missing(markers, text):
    return [m for m in markers if m not in text]


def _found(markers, text):
    return [m for m in markers if m in text]


def test_removing_leaves_no_name_no_named_words_and_no_reflections_anywhere(room):
    """REMOVE: no event of any session and no column of any table holds the
    person's name, address, erased words, earlier versions, notes, reflections,
    commitments, check-ins, RSVP notes or search words; what they gave not for
    attribution or anonymously stays, without a name."""
    person = room["person"]
    user_account_delete(user=person.user, password=PASSWORD, named_words=NamedWords.REMOVE)
    everything, events = _database_text(), _events_text()
    assert _found((*ALWAYS_GONE, *NAMED, OTHERS_ON_NAMED), events) == []
    assert _found((*ALWAYS_GONE, *NAMED, OTHERS_ON_NAMED), everything) == []
    assert _missing(KEPT, events) == [] and _missing(KEPT, everything) == []
    for key in ("nfa", "anon", "shared_anon"):
        kept = Contribution.objects.select_related("author").get(pk=room["ids"][key])
        assert kept.consent == "anonymous" and kept.author.display_name == FORMER_MEMBER_NAME
    # Commitments and check-ins went with the account.
    assert not Commitment.objects.filter(pk=room["commitment"].pk).exists()
    assert not CheckIn.objects.filter(commitment_id=room["commitment"].pk).exists()
    # The person who stays keeps their words and name.
    assert "Bart's story." in events and "Bartholomew Ostrander" in events


def test_keeping_keeps_words_commitments_and_check_ins_without_the_name(room):
    """KEEP_UNATTRIBUTED: on-the-record words (as they stand now), shared
    notes, commitments and check-ins stay under "Former member"; the name,
    earlier versions, withdrawn and off-the-record words, private notes and
    the person's own reflections are gone all the same."""
    person = room["person"]
    result = user_account_delete(user=person.user, password=PASSWORD, named_words=NamedWords.KEEP_UNATTRIBUTED)
    everything, events = _database_text(), _events_text()
    assert _found(ALWAYS_GONE, events) == [] and _found(ALWAYS_GONE, everything) == []
    assert _missing((*NAMED, *KEPT), everything) == []
    # The room's log shows the kept words as they stand, never the earlier version.
    assert "MARK-NAMED-NOW" in events and "MARK-SHARED-NOTE-NAMED" in events
    commitment = Commitment.objects.select_related("member__user", "check_in").get(pk=room["commitment"].pk)
    assert commitment.text == "MARK-COMMITMENT" and commitment.check_in.tried == "MARK-CHECKIN-TRIED"
    assert commitment.member.display_name == FORMER_MEMBER_NAME and data_rights.is_former_member(commitment.member)
    assert result["commitments_kept"] == 1


def test_the_reflections_the_person_wrote_are_erased_from_every_event(room):
    """An ``acknowledgement_added`` the person caused keeps its place in the
    log (gap-free) but carries neither their name nor their words."""
    person = room["person"]
    before = SessionEvent.objects.filter(name="acknowledgement_added").count()
    user_account_delete(user=person.user, password=PASSWORD, named_words=NamedWords.KEEP_UNATTRIBUTED)
    acks = list(SessionEvent.objects.filter(name="acknowledgement_added"))
    assert len(acks) == before
    placeholder = Member.objects.get(exchange=room["open"].meeting.exchange, display_name=FORMER_MEMBER_NAME)
    mine = [e.payload for e in acks if e.payload["member_id"] == placeholder.pk]
    assert len(mine) == 2  # the open session's; the closed one's was blanked at close
    assert all(p["reflection"] == "" and p["display_name"] == FORMER_MEMBER_NAME for p in mine)
    assert not Acknowledgement.objects.filter(reflection__in=["MARK-I-HEARD-YOU", "MARK-CLOSED-HEARD"]).exists()


def test_private_notes_pause_requests_hands_and_turns_go_with_the_account(room):
    person = room["person"]
    user_account_delete(user=person.user, password=PASSWORD, named_words=NamedWords.KEEP_UNATTRIBUTED)
    assert not ReflectionNote.objects.filter(member_id=person.pk).exists()
    assert not PauseSignal.objects.filter(member_id=person.pk).exists()
    assert not Round.objects.filter(turns__member_id=person.pk).exists()
    assert not Member.objects.filter(pk=person.pk).exists()


def test_a_second_leaver_keeps_their_commitment_in_the_same_session(room):
    """Two people who leave keeping their commitments in one session both keep
    them (a member holds one commitment per session: the second goes to a
    spare placeholder), so follow-through still counts two."""
    person, other = room["person"], room["other"]
    Commitment.objects.create(member=other, session=room["closed"], text="Bart will call the chief.")
    other.user.set_password(PASSWORD)
    other.user.save()
    user_account_delete(user=person.user, password=PASSWORD, named_words=NamedWords.KEEP_UNATTRIBUTED)
    user_account_delete(user=other.user, password=PASSWORD, named_words=NamedWords.KEEP_UNATTRIBUTED)
    kept = list(Commitment.objects.filter(session=room["closed"]).select_related("member__user"))
    assert sorted(c.text for c in kept) == ["Bart will call the chief.", "MARK-COMMITMENT"]
    assert all(c.member.display_name == FORMER_MEMBER_NAME and data_rights.is_former_member(c.member) for c in kept)
    assert not any(c.member.user.is_active for c in kept)
    assert "Bartholomew" not in _database_text()


# --- The person's own export ------------------------------------------------------------


def test_export_carries_the_persons_words_and_no_one_elses(room):
    """The export holds the person's own words, reflections, commitments and
    check-ins; of others only ids and counts: not the reflection someone
    wrote on the person's words, not their words, not their name."""
    person, other = room["person"], room["other"]
    data = user_data_export(user=person.user)
    body = json.dumps(data)
    for mine in ("MARK-NAMED-NOW", "MARK-I-HEARD-YOU", "MARK-PRIVATE-NOTE", "MARK-COMMITMENT", "MARK-CHECKIN-TRIED"):
        assert mine in body, mine
    for theirs in (OTHERS_ON_NAMED, "Bart's story.", "Other said.", "Bartholomew", "Fran Facil", other.user.email):
        assert theirs not in body, theirs
    (membership,) = data["memberships"]
    named = next(c for c in membership["contributions"] if c["id"] == room["ids"]["named"])
    assert named["acknowledged_by_count"] == 1
    heard = next(a for a in membership["acknowledgements"] if a["reflection"] == "MARK-I-HEARD-YOU")
    assert Contribution.objects.get(pk=heard["contribution_id"]).author_id == other.pk


def test_deleting_an_account_closes_its_live_room_sockets(django_capture_on_commit_callbacks, monkeypatch):
    """Rights follow the person: once the account is gone, every process is
    told to close that person's sockets (tests/sessions_tests/test_rights_follow_person.py
    shows a told socket closing)."""
    from participants import access

    member = MemberFactory()
    told: list[list[int]] = []
    monkeypatch.setattr(access, "_send", told.append)
    with django_capture_on_commit_callbacks(execute=True):
        user_account_delete(user=member.user, password="correct horse battery")
    assert told == [[member.pk]]
