"""Rows the benchmarks need, made through the ORM (call ``common.django_setup`` first).

People are made once and reused: one bench exchange, one team per room, and
``rooms × clients`` members, each signed in by a Django session minted here
(the same cookie a browser gets from the login page). Each run gets fresh
open sessions, so one run's contributions never weigh on the next one's
``hello``.
"""

from __future__ import annotations

import datetime as dt

EXCHANGE_TITLE = "Benchmark exchange"
EMAIL = "bench-{i}@bench.localhost"


def _exchange():
    from exchanges.models import Exchange, Meeting

    exchange, _ = Exchange.objects.get_or_create(
        title=EXCHANGE_TITLE,
        defaults={"convening_organisation": "Bench", "time_zone": "UTC", "status": Exchange.Status.ACTIVE},
    )
    now = dt.datetime.now(dt.UTC)
    meeting, _ = Meeting.objects.get_or_create(
        exchange=exchange,
        number=1,
        defaults={
            "title": "Bench meeting",
            "time_zone": "UTC",
            "starts_at": now - dt.timedelta(hours=1),
            "ends_at": now + dt.timedelta(days=3650),
        },
    )
    return exchange, meeting


def members(total: int, *, per_team: int) -> list:
    """``total`` members of the bench exchange, in a stable order, made if missing."""
    from django.contrib.auth.hashers import make_password

    from exchanges.models import Team
    from participants.models import ExchangeRole, Member, StakeholderRole, User

    exchange, _ = _exchange()
    have = list(Member.objects.filter(exchange=exchange).select_related("user").order_by("pk"))
    if len(have) >= total:
        return have[:total]
    teams_needed = (total + per_team - 1) // per_team
    teams = list(Team.objects.filter(exchange=exchange).order_by("pk"))
    for t in range(len(teams), teams_needed):
        teams.append(
            Team.objects.create(
                exchange=exchange, community_name=f"Bench town {t + 1}", state_region="OH", locale_type="urban"
            )
        )
    password = make_password(None)  # unusable: these people only ever hold a minted session
    new_users = [
        User(email=EMAIL.format(i=i), password=password, first_name=f"Bench {i}") for i in range(len(have), total)
    ]
    User.objects.bulk_create(new_users, ignore_conflicts=True, batch_size=1000)
    users = {u.email: u for u in User.objects.filter(email__in=[u.email for u in new_users])}
    now = dt.datetime.now(dt.UTC)
    Member.objects.bulk_create(
        [
            Member(
                exchange=exchange,
                user=users[EMAIL.format(i=i)],
                exchange_role=ExchangeRole.PARTICIPANT,
                stakeholder_role=StakeholderRole.OTHER,
                team=teams[i // per_team],
                display_name=f"Bench Person {i:05d}",
                time_zone="UTC",
                consented_at=now,
            )
            for i in range(len(have), total)
        ],
        batch_size=1000,
    )
    return list(Member.objects.filter(exchange=exchange).select_related("user").order_by("pk"))[:total]


def session_cookies(users: list) -> list[str]:
    """A signed-in Django session for each user; returns the session keys."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    expire = timezone.now() + dt.timedelta(days=1)
    backend = (
        settings.AUTHENTICATION_BACKENDS[0]
        if hasattr(settings, "AUTHENTICATION_BACKENDS")
        else ("django.contrib.auth.backends.ModelBackend")
    )
    rows, keys = [], []
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=1000)
    return keys


def open_sessions(count: int, *, label: str) -> list[int]:
    """``count`` fresh open dialogue sessions of the bench meeting."""
    from django.utils import timezone

    from sessions.models import DialogueSession

    _, meeting = _exchange()
    now = timezone.now()
    made = DialogueSession.objects.bulk_create(
        [
            DialogueSession(
                meeting=meeting,
                title=f"{label} room {r + 1}",
                question="What is one thing you've been trying to do to improve trust?",
                planned_start=now,
                planned_end=now + dt.timedelta(hours=2),
                state=DialogueSession.State.OPEN,
                opened_at=now,
            )
            for r in range(count)
        ]
    )
    return [s.pk for s in made]


def room_last_seqs(session_ids: list[int]) -> dict[int, int]:
    from sessions.models import RoomState

    return dict(RoomState.objects.filter(session_id__in=session_ids).values_list("session_id", "last_seq"))
