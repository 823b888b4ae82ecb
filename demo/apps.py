from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration exchange that ``make run`` loads (``seed_demo``).

    It fills every app, so it sits at the top of the layer order beside
    data_rights: nothing imports it."""

    name = "demo"
    verbose_name = "Demo"
