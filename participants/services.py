"""Writes about people: invitations, joining, profiles, RSVPs and attendance.

Each service is keyword-only, runs in one transaction, and checks that the
acting member may do it, so a view never decides permission on its own.
Emails leave only once the transaction has committed: nobody is sent a link
to an invitation that was rolled back.
"""

from django.db import IntegrityError, transaction

from exchanges.models import Meeting

from .models import Attendance, Member


@transaction.atomic
def attendance_record_live(*, member: Member, meeting: Meeting) -> Attendance:
    """Note that a member came to a meeting because they joined one of its live sessions.

    Joining twice (a reconnect, a second session the same day) changes
    nothing, and a facilitator's own mark is never replaced: it is the more
    deliberate record of who was in the room.
    """
    if member.exchange_id != meeting.exchange_id:
        raise ValueError("The member belongs to another exchange than the meeting.")
    existing = Attendance.objects.filter(member=member, meeting=meeting).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Attendance.objects.create(member=member, meeting=meeting, source=Attendance.Source.LIVE)
    except IntegrityError:
        # Two connections of the same member raced; the other one recorded it.
        return Attendance.objects.get(member=member, meeting=meeting)
