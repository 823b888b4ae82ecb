"""What the archive keeps besides the room's own records.

The words themselves stay where the live room stored them
(``dialogue_sessions.Contribution``); the archive adds the review window that
stands between a closed session and its publication, each member's release of
their words, the redactions they made, and the log of who read what.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy


class ArchiveReview(models.Model):
    """The window after a session closes in which each member reviews their own words.

    Nothing of the session is shown to anyone but the author until
    ``published_at`` is set; a facilitator may publish once every member with
    words in the archive has released them, or once the window has ended.
    """

    session = models.OneToOneField(
        "dialogue_sessions.DialogueSession", on_delete=models.CASCADE, related_name="archive_review"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "participants.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="archive_review_closes_after_open"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.session_id}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ReviewRelease(models.Model):
    """A member's "I have reviewed; publish my words" for one session."""

    review = models.ForeignKey(ArchiveReview, on_delete=models.CASCADE, related_name="releases")
    member = models.ForeignKey("participants.Member", on_delete=models.CASCADE, related_name="archive_releases")
    released_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "member"], name="review_release_once")]

    def __str__(self) -> str:
        return f"{self.member_id} released {self.review_id}"


class Redaction(models.Model):
    """That an author took a contribution out of the archive for good.

    The contribution's text is erased when this row is made; the row remains
    so the archive knows to leave a gap rather than an empty quote.
    """

    contribution = models.OneToOneField(
        "dialogue_sessions.Contribution", on_delete=models.CASCADE, related_name="redaction"
    )
    redacted_by = models.ForeignKey("participants.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    redacted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Redaction of {self.contribution_id}"


class ArchiveAccess(models.Model):
    """One reading or export of the archive, so conveners can see who read what."""

    class What(models.TextChoices):
        TRANSCRIPT = "transcript", gettext_lazy("Transcript")
        REVIEW = "review", gettext_lazy("Review")
        EXCHANGE = "exchange", gettext_lazy("Exchange archive")
        SEARCH = "search", gettext_lazy("Search")
        THEMES = "themes", gettext_lazy("Themes")
        THEME = "theme", gettext_lazy("Theme")
        EQUITY = "equity", gettext_lazy("Equity of voice")
        FOLLOWTHROUGH = "followthrough", gettext_lazy("Follow-through")
        EXPORT = "export", gettext_lazy("Export")
        ACCESS_LOG = "access_log", gettext_lazy("Access log")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    member = models.ForeignKey("participants.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    exchange = models.ForeignKey("exchanges.Exchange", on_delete=models.CASCADE, related_name="archive_accesses")
    session = models.ForeignKey(
        "dialogue_sessions.DialogueSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    what = models.CharField(max_length=24, choices=What.choices)
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["exchange", "-created_at"], name="archive_access_by_exchange")]

    def __str__(self) -> str:
        return f"{self.what} by {self.user_id}"
