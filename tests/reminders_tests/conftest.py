"""Helpers for the between-meetings tests: a fixed clock and meetings around it."""

import datetime as dt

import pytest

from tests.factories import MeetingFactory

# Every test runs on this clock (services take ``now=``), never the real one.
NOW = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def make_meeting(exchange):
    def make(**kwargs):
        kwargs.setdefault("exchange", exchange)
        kwargs.setdefault("starts_at", NOW + dt.timedelta(days=30))
        kwargs.setdefault("ends_at", kwargs["starts_at"] + dt.timedelta(hours=6))
        return MeetingFactory(**kwargs)

    return make


def publish(session) -> None:
    """Mark a session's archive published, as the archive's own flow would leave it."""
    from django.utils import timezone

    from archives.models import ArchiveReview

    at = session.closed_at or timezone.now()
    ArchiveReview.objects.update_or_create(
        session=session,
        defaults={"opens_at": at, "closes_at": at + timezone.timedelta(days=7), "published_at": at},
    )
