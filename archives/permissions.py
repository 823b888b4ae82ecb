"""Who may read and shape the archive.

Conveners and facilitators hold the whole published archive of their
exchange. A participant or scribe reads the published archives of the
sessions they were in: the meeting's attendance, or words of their own in the
session, or a turn in one of its rounds. Nobody else learns that an archive
exists (selectors raise 404). Before publication only the author sees their
own words, on the review page.
"""

from participants.models import ExchangeRole, Member

HOLDERS = frozenset({ExchangeRole.CONVENER, ExchangeRole.FACILITATOR})


def holds_archive(member: Member | None) -> bool:
    """Conveners and facilitators read the whole published archive, its
    equity of voice and its follow-through, and publish sessions."""
    return member is not None and member.exchange_role in HOLDERS


def can_manage_themes(member: Member | None) -> bool:
    return holds_archive(member)


def can_publish(member: Member | None) -> bool:
    return holds_archive(member)


def can_read_access_log(member: Member | None) -> bool:
    """Only conveners: the log says who read whose words, which is itself sensitive."""
    return member is not None and member.exchange_role == ExchangeRole.CONVENER


def can_review_contribution(member: Member, contribution) -> bool:
    """Only the speaker decides what becomes of their words in the archive."""
    return member.pk == contribution.author_id
