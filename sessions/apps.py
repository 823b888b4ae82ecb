from django.apps import AppConfig


class DialogueSessionsConfig(AppConfig):
    """The dialogue sessions app.

    Its label is ``dialogue_sessions`` because ``django.contrib.sessions``
    already owns the label ``sessions``.
    """

    name = "sessions"
    label = "dialogue_sessions"
    verbose_name = "Dialogue sessions"
