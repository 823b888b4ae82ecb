"""What the archive's pages may offer the reader, asked of ``archives.permissions``.

Templates never compare roles themselves: ``{% if member|holds_archive %}``.
"""

from django import template

from participants.models import Member

from .. import permissions

register = template.Library()


@register.filter
def holds_archive(member: Member | None) -> bool:
    return permissions.holds_archive(member)


@register.filter
def can_read_access_log(member: Member | None) -> bool:
    return permissions.can_read_access_log(member)
