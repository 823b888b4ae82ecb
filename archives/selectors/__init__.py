"""Reads of the archive, each checked against the reader and honouring consent.

The one rule every surface keeps: a contribution reaches a reader only
through ``archived_contributions`` (published sessions the reader may see;
never off the record, withdrawn, redacted or erased) and is attributed only
by ``_attribute`` (named: name, role and team; not for attribution: role and
team; anonymous: nothing). The transcript, search, themes, exports and the
equity drill-down all build their rows with ``rows_build``, so a page and an
export of the same words can never disagree about who said them.

A person outside the exchange, or a participant asking for a session they were
not in, gets ``Http404``: the archive does not say what exists. Every read
here runs a fixed number of queries however many contributions there are.

One module per concern; this package's face lists what the views, exports
and tests use, so callers write ``selectors.transcript_get(...)``.
"""

from .access import (
    ACCESS_LOG_PAGE_SIZE,
    SessionSummary,
    access_log_page,
    archive_review_get,
    archived_session_get_for_user,
    member_was_in_session,
    session_list_for_member,
    visible_sessions,
)
from .equity import (
    SMALL_CELL,
    Equity,
    EquityGroup,
    equity_get,
    gini,
)
from .followthrough import (
    UNATTRIBUTED,
    CommitmentRow,
    FollowThrough,
    followthrough_get,
)
from .pending import PendingArchive, pending_archive_get_for_user
from .review import (
    ReviewState,
    contributors_with_words,
    own_reviewable,
    review_state,
)
from .rows import (
    ARCHIVED_CONSENTS,
    CONSENT_LABELS,
    EXPORT_COLUMNS,
    KIND_LABELS,
    ROLE_LABELS,
    TRANSCRIPT_PAGE_SIZE,
    ArchiveRow,
    Transcript,
    TranscriptGroup,
    archived_contributions,
    export_rows,
    group_rows,
    in_transcript_order,
    rows_build,
    transcript_get,
)
from .search import (
    SEARCH_PAGE_SIZE,
    ArchiveFilters,
    filtered_contributions,
    highlight,
    is_postgres,
    plain_snippet,
    search,
    search_export_rows,
    search_page,
)
from .themes import (
    THEME_PAGE_SIZE,
    ThemeSummary,
    theme_get_for_user,
    theme_quotes,
    themes_list,
)

__all__ = [
    "ACCESS_LOG_PAGE_SIZE",
    "SessionSummary",
    "access_log_page",
    "session_list_for_member",
    "archive_review_get",
    "archived_session_get_for_user",
    "member_was_in_session",
    "visible_sessions",
    "PendingArchive",
    "pending_archive_get_for_user",
    "ARCHIVED_CONSENTS",
    "ArchiveRow",
    "CONSENT_LABELS",
    "EXPORT_COLUMNS",
    "KIND_LABELS",
    "ROLE_LABELS",
    "TRANSCRIPT_PAGE_SIZE",
    "Transcript",
    "TranscriptGroup",
    "archived_contributions",
    "export_rows",
    "group_rows",
    "in_transcript_order",
    "rows_build",
    "transcript_get",
    "ArchiveFilters",
    "SEARCH_PAGE_SIZE",
    "filtered_contributions",
    "highlight",
    "is_postgres",
    "plain_snippet",
    "search",
    "search_export_rows",
    "search_page",
    "THEME_PAGE_SIZE",
    "ThemeSummary",
    "theme_get_for_user",
    "theme_quotes",
    "themes_list",
    "ReviewState",
    "contributors_with_words",
    "own_reviewable",
    "review_state",
    "Equity",
    "EquityGroup",
    "SMALL_CELL",
    "equity_get",
    "gini",
    "CommitmentRow",
    "FollowThrough",
    "UNATTRIBUTED",
    "followthrough_get",
]
