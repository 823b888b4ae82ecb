"""Who may read and shape the archive.

Conveners and facilitators hold the whole published archive of their
exchange. A participant or scribe reads the published archives of the
sessions they were in: the meeting's attendance, or words of their own in the
session, or a turn in one of its rounds. Nobody else learns that an archive
exists (selectors raise 404). Before publication only the author sees their
own words, on the review page.
"""

from participants import permissions as role_rules
from participants.models import Member
from sessions.models import Contribution

# The roles that hold the archive, for queries that leave them out of counts.
HOLDING_ROLES = role_rules.MANAGING_ROLES


def holds_archive(member: Member | None) -> bool:
    """Conveners and facilitators read the whole published archive, its
    equity of voice and its follow-through, and publish sessions: the
    exchange's managers (``participants.permissions``)."""
    return role_rules.can_manage_exchange(member)


def can_manage_themes(member: Member | None) -> bool:
    return holds_archive(member)


def can_publish(member: Member | None) -> bool:
    return holds_archive(member)


# The access log's reader is a role rule the exchange's own page asks too.
can_read_access_log = role_rules.can_read_access_log


def can_review_contribution(member: Member, contribution: Contribution) -> bool:
    """Only the speaker decides what becomes of their words in the archive."""
    return member.pk == contribution.author_id
