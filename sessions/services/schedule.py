"""Scheduling a session inside a meeting: its question, its times and its agenda.

The plan is fixed once the session opens (``DialogueSession.plan_is_editable``):
the live room runs from it and the archive shows what was planned.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.dates import format_when
from core.fields import zone_label
from exchanges.models import Meeting
from exchanges.services import localise_pair
from participants.models import Member
from participants.permissions import require_manager

from ..models import Attribution, DialogueSession, Phase


def _check_session_times(
    *, meeting: Meeting, planned_start: dt.datetime, planned_end: dt.datetime, exclude_pk: int | None = None
) -> None:
    if planned_end <= planned_start:
        raise ValidationError({"ends_local": _("The session must end after it starts.")})
    if planned_start < meeting.starts_at:
        raise ValidationError({"starts_local": _("The session cannot start before the meeting starts.")})
    if planned_end > meeting.ends_at:
        raise ValidationError({"ends_local": _("The session cannot end after the meeting ends.")})
    overlapping = DialogueSession.objects.filter(
        meeting=meeting, planned_start__lt=planned_end, planned_end__gt=planned_start
    )
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    clash = overlapping.first()
    if clash is not None:
        zone = zoneinfo.ZoneInfo(meeting.time_zone)
        start, end = clash.planned_start.astimezone(zone), clash.planned_end.astimezone(zone)
        during = f"{format_when(start, 'time')}–{format_when(end, 'time')} {zone_label(meeting.time_zone)}"
        raise ValidationError(
            {
                "starts_local": _("This overlaps “%(title)s” (%(during)s). Sessions run one at a time.")
                % {"title": clash.title, "during": during}
            }
        )


def _check_attribution(value: str) -> None:
    if value not in Attribution.values:
        raise ValidationError({"attribution_default": _("Choose how contributions are attributed by default.")})


@transaction.atomic
def dialogue_session_create(
    *,
    member: Member,
    meeting: Meeting,
    title: str,
    question: str,
    starts_local: dt.datetime,
    ends_local: dt.datetime,
    guiding_prompts: str = "",
    attribution_default: str = Attribution.NAMED,
    phases: Iterable[tuple[str, int]] | None = None,
) -> DialogueSession:
    """Schedule a session inside a meeting, with its question and, optionally, its agenda."""
    require_manager(member, exchange_id=meeting.exchange_id)
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting is cancelled; sessions can no longer be added to it."))
    if not question.strip():
        raise ValidationError({"question": _("A session is built around one question.")})
    _check_attribution(attribution_default)
    planned_start, planned_end = localise_pair(starts_local, ends_local, meeting.time_zone)
    _check_session_times(meeting=meeting, planned_start=planned_start, planned_end=planned_end)
    session = DialogueSession.objects.create(
        meeting=meeting,
        title=title.strip(),
        question=question.strip(),
        guiding_prompts=_clean_prompts(guiding_prompts),
        planned_start=planned_start,
        planned_end=planned_end,
        attribution_default=attribution_default,
    )
    if phases is not None:
        session_phases_replace(member=member, session=session, phases=phases)
    return session


@transaction.atomic
def dialogue_session_update(
    *,
    member: Member,
    session: DialogueSession,
    title: str,
    question: str,
    starts_local: dt.datetime,
    ends_local: dt.datetime,
    guiding_prompts: str = "",
    attribution_default: str = Attribution.NAMED,
    phases: Iterable[tuple[str, int]] | None = None,
) -> DialogueSession:
    """Change a session's plan while it is still only scheduled."""
    meeting = session.meeting
    require_manager(member, exchange_id=meeting.exchange_id)
    session = DialogueSession.objects.select_for_update().get(pk=session.pk)
    if not session.plan_is_editable:
        raise ValidationError(_("This session has already opened; its plan can no longer change."))
    if not question.strip():
        raise ValidationError({"question": _("A session is built around one question.")})
    _check_attribution(attribution_default)
    planned_start, planned_end = localise_pair(starts_local, ends_local, meeting.time_zone)
    _check_session_times(meeting=meeting, planned_start=planned_start, planned_end=planned_end, exclude_pk=session.pk)
    session.title = title.strip()
    session.question = question.strip()
    session.guiding_prompts = _clean_prompts(guiding_prompts)
    session.planned_start = planned_start
    session.planned_end = planned_end
    session.attribution_default = attribution_default
    session.save(
        update_fields=["title", "question", "guiding_prompts", "planned_start", "planned_end", "attribution_default"]
    )
    if phases is not None:
        session_phases_replace(member=member, session=session, phases=phases)
    return session


MAX_PHASES = 30


@transaction.atomic
def session_phases_replace(
    *, member: Member, session: DialogueSession, phases: Iterable[tuple[str, int]]
) -> list[Phase]:
    """Replace a session's agenda with ``phases`` (title, planned minutes), in order.

    The agenda is edited as a whole, so it is stored as a whole: orders are
    renumbered 1, 2, 3 … from the list's order. The phases must fit in the
    session, since the live room counts them down against its planned end.
    """
    meeting = session.meeting
    require_manager(member, exchange_id=meeting.exchange_id)
    session = DialogueSession.objects.select_for_update().get(pk=session.pk)
    if not session.plan_is_editable:
        raise ValidationError(_("This session has already opened; its agenda can no longer change."))
    cleaned = [(title.strip(), int(minutes)) for title, minutes in phases]
    if len(cleaned) > MAX_PHASES:
        raise ValidationError({"phases": _("An agenda has at most %(max)s phases.") % {"max": MAX_PHASES}})
    for position, (title, minutes) in enumerate(cleaned, start=1):
        if not title:
            raise ValidationError({"phases": _("Phase %(position)s needs a title.") % {"position": position}})
        if minutes < 1:
            raise ValidationError(
                {"phases": _("Phase %(position)s must last at least one minute.") % {"position": position}}
            )
    total = sum(minutes for _title, minutes in cleaned)
    length = int((session.planned_end - session.planned_start).total_seconds() // 60)
    if total > length:
        raise ValidationError(
            {
                "phases": _("The phases add up to %(total)s minutes, but the session is %(length)s minutes long.")
                % {"total": total, "length": length}
            }
        )
    session.phases.all().delete()
    return Phase.objects.bulk_create(
        Phase(session=session, order=position, title=title, planned_minutes=minutes)
        for position, (title, minutes) in enumerate(cleaned, start=1)
    )


def _clean_prompts(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
