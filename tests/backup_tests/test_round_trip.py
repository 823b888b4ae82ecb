"""An exchange dumped, deleted and restored comes back exactly as it was."""

import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client

from exchanges import backup
from exchanges.models import Exchange
from participants.models import User
from sessions import services
from sessions.models import Contribution, SessionEvent, Theme
from tests.permissions.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich():
    """The permission matrix's world, plus a theme tag, an acknowledgement, a hand, a round and a note."""
    world = build_world()
    s, m = world.open_session, world.members
    words = Contribution.objects.filter(session=s).first()
    theme = Theme.objects.filter(exchange=world.exchange).first()
    services.theme_tag(session_id=s.pk, member=m["facilitator"], contribution_id=words.pk, theme_id=theme.pk)
    services.acknowledgement_create(session_id=s.pk, member=m["scribe"], contribution_id=words.pk, reflection="Heard.")
    services.contribution_create(
        session_id=s.pk, member=m["scribe"], client_id="reply", text="A reply.", reply_to_id=words.pk
    )
    services.hand_raise(session_id=s.pk, member=m["scribe"], kind="new_point")
    services.presence_join(session_id=s.pk, member=m["scribe"], channel_name="tab.1")
    services.round_start(session_id=s.pk, member=m["facilitator"], order="by_team", include_facilitators=True)
    services.note_save(session_id=s.pk, member=m["participant"], text="Private.")
    return world


def test_every_model_is_dumped_or_deliberately_left_out():
    """A new model of the four apps cannot silently miss the backup."""
    dumped = {model._meta.label for model, _ in backup.exchange_models()}
    for label in backup.APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            assert model._meta.label in dumped | backup.EXCLUDED | {"participants.User"}, model._meta.label


def test_round_trip_is_exact(rich, tmp_path):
    """Dump, delete, restore: every row is back, linked the same way, with the same ids."""
    exchange_id = rich.exchange.pk
    before = backup.exchange_canonical(exchange_id=exchange_id)
    pks_before = {label: [r["id"] for r in rows if "id" in r] for label, rows in before.items()}
    assert len(before["dialogue_sessions.SessionEvent"]) > 5
    assert before["participants.CheckIn"] and before["dialogue_sessions.ContributionTheme"]
    events_before = list(SessionEvent.objects.order_by("pk").values())
    path = tmp_path / "exchange.json"
    call_command("dump_exchange", exchange_id, str(path))

    Exchange.objects.filter(pk=exchange_id).delete()
    assert not SessionEvent.objects.exists()

    call_command("restore_exchange", str(path))
    assert backup.exchange_canonical(exchange_id=exchange_id) == before
    assert list(SessionEvent.objects.order_by("pk").values()) == events_before
    assert pks_before  # ids are kept: the canonical form drops them, the events compare them
    # New rows after a restore get fresh ids.
    services.contribution_create(
        session_id=rich.open_session.pk, member=rich.members["participant"], client_id="after", text="After."
    )


def test_restore_refuses_while_the_exchange_exists(rich, tmp_path):
    path = tmp_path / "exchange.json"
    call_command("dump_exchange", rich.exchange.pk, str(path))
    with pytest.raises(CommandError, match="already exist"):
        call_command("restore_exchange", str(path))


def test_accounts_matched_by_email_or_recreated_without_staff_rights(rich, tmp_path):
    """Existing accounts are reused; missing ones come back able to sign in, never as staff."""
    path = tmp_path / "exchange.json"
    participant_email = rich.members["participant"].user.email
    User.objects.filter(email=participant_email).update(is_staff=True)
    call_command("dump_exchange", rich.exchange.pk, str(path))
    data = json.loads(path.read_text())
    assert all("is_staff" not in u and "calendar_token" not in u for u in data["users"])
    Exchange.objects.filter(pk=rich.exchange.pk).delete()
    User.objects.filter(email=participant_email).delete()
    facilitator_pk = rich.members["facilitator"].user.pk

    call_command("restore_exchange", str(path))
    restored = User.objects.get(email=participant_email)
    assert not restored.is_staff
    assert restored.memberships.get().exchange_id == rich.exchange.pk
    assert rich.exchange.members.get(exchange_role="facilitator").user_id == facilitator_pk
    client = Client()
    assert client.login(email=participant_email, password="correct horse battery")


def test_unknown_exchange_and_bad_file(tmp_path):
    with pytest.raises(CommandError, match="No exchange"):
        call_command("dump_exchange", 999999, str(tmp_path / "x.json"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(CommandError, match="not a Common Ground exchange file"):
        call_command("restore_exchange", str(bad))
