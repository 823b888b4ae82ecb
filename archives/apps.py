from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    """Session archives for conveners: review windows, transcripts, search,
    themes, equity of voice, exports and the log of who read what."""

    name = "archives"
    verbose_name = "Archives"
