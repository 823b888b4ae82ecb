"""The Celery application.

Its broker is Redis when ``REDIS_URL`` is set and kombu's filesystem transport
otherwise; settings prefixed ``CELERY_`` in ``config.settings`` configure it.
Tasks are discovered in each app's ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("common_ground")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
