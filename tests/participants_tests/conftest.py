"""Fixtures for the people pages: meetings, invitations and a helper to read invitation emails."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from participants.models import Invitation
from tests.factories import MeetingFactory

LINK = re.compile(r"https?://\S+/invitations/[^/\s]+/")


@pytest.fixture
def meeting(exchange):
    return MeetingFactory(exchange=exchange, number=1)


@pytest.fixture
def make_invitation(exchange, facilitator):
    """Store an invitation directly (no email), as if sent ``age`` ago."""

    def make(email="new.person@example.org", name="New Person", age=dt.timedelta(0), **kwargs):
        created = timezone.now() - age
        kwargs.setdefault("team", facilitator.team)
        kwargs.setdefault("stakeholder_role", "law_enforcement")
        return Invitation.objects.create(
            exchange=exchange,
            email=email,
            name=name,
            invited_by=facilitator.user,
            created_at=created,
            expires_at=created + dt.timedelta(days=settings.INVITATION_DAYS),
            **kwargs,
        )

    return make


@pytest.fixture
def invitation(make_invitation):
    return make_invitation()


def links_in_outbox() -> list[str]:
    """The invitation links in the plain-text bodies of every email sent so far."""
    return [m for message in mail.outbox for m in LINK.findall(message.body)]


def query_count(func) -> int:
    """How many database queries ``func()`` makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)
