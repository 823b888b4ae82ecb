"""Themes named and tagged in the live room (the archive renames and merges them).

See ``sessions.services`` for the rules every service here follows.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exchanges.models import Exchange
from participants.models import Member

from .. import events, limits
from ..models import Contribution, ContributionTheme, Theme
from ..protocol import ErrorCode, RoomError
from .common import Result, contribution_in, require, require_open


def themes_ensure_defaults(*, exchange_id: int) -> None:
    """Give an exchange with no theme yet the themes its conveners look for from the start.

    Once: they are written in the active language (the person's who opened
    the first session), and from then on they are the exchange's own words. A
    default renamed or merged away is not brought back, nor written again in
    another facilitator's language beside the first.
    """
    # Two first sessions opened at once, by facilitators in two languages, would
    # both find none: the exchange's row is the lock (callers are atomic).
    Exchange.objects.select_for_update().filter(pk=exchange_id).values_list("pk", flat=True).first()
    if Theme.objects.filter(exchange_id=exchange_id).exists():
        return
    Theme.objects.bulk_create(
        [Theme(exchange_id=exchange_id, name=str(name)) for name in Theme.DEFAULTS], ignore_conflicts=True
    )


@transaction.atomic
def theme_create(*, session_id: int, member: Member, name: str) -> Result:
    require(member, "theme_create")
    name = name.strip()
    if not name or len(name) > limits.THEME_NAME_MAX:
        raise RoomError(
            ErrorCode.BAD_REQUEST, _("A theme name has 1 to %(max)s characters.") % {"max": limits.THEME_NAME_MAX}
        )
    session, room = events.lock_room(session_id=session_id, member=member, action="theme_create")
    require_open(session)
    exchange_id = session.meeting.exchange_id
    themes_ensure_defaults(exchange_id=exchange_id)
    existing = Theme.objects.filter(exchange_id=exchange_id, name__iexact=name).first()
    if existing is not None:
        return {"seq": None, "theme_id": existing.pk}
    theme = Theme.objects.create(exchange_id=exchange_id, name=name)
    event = events.record(
        session=session,
        room=room,
        name="theme_created",
        payload={"theme": {"id": theme.pk, "name": theme.name}},
        actor=member,
    )
    return {"seq": event.seq, "theme_id": theme.pk}


def _theme_ids(contribution: Contribution) -> list[int]:
    return sorted(contribution.theme_tags.values_list("theme_id", flat=True))


def _theme_change(*, session_id: int, member: Member, contribution_id: int, theme_id: int, tag: bool) -> Result:
    action = "theme_tag" if tag else "theme_untag"
    require(member, action)
    session, room = events.lock_room(session_id=session_id, member=member, action=action)
    require_open(session)
    contribution = contribution_in(session, contribution_id)
    theme = Theme.objects.filter(pk=theme_id, exchange_id=session.meeting.exchange_id).first()
    if theme is None:
        raise RoomError(ErrorCode.NOT_FOUND, _("No such theme in this exchange."))
    tags = ContributionTheme.objects.filter(contribution=contribution, theme=theme)
    if tag:
        if tags.exists():
            return {"seq": None}
        ContributionTheme.objects.create(
            contribution=contribution, theme=theme, tagged_by=member, tagged_at=timezone.now()
        )
    else:
        deleted, _per_model = tags.delete()
        if not deleted:
            return {"seq": None}
    event = events.record(
        session=session,
        room=room,
        name="theme_tagged" if tag else "theme_untagged",
        payload={"contribution_id": contribution.pk, "theme_id": theme.pk, "themes": _theme_ids(contribution)},
        actor=member,
        contribution=contribution,
    )
    return {"seq": event.seq}


@transaction.atomic
def theme_tag(*, session_id: int, member: Member, contribution_id: int, theme_id: int) -> Result:
    return _theme_change(
        session_id=session_id, member=member, contribution_id=contribution_id, theme_id=theme_id, tag=True
    )


@transaction.atomic
def theme_untag(*, session_id: int, member: Member, contribution_id: int, theme_id: int) -> Result:
    return _theme_change(
        session_id=session_id, member=member, contribution_id=contribution_id, theme_id=theme_id, tag=False
    )
