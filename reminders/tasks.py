"""Celery tasks for reminders: thin wrappers around the outbox.

``send_due_reminders`` runs every minute from Celery beat (exactly one beat:
see docs/reminders.md). It takes no arguments and is idempotent: running it
twice, or two at once, sends nothing twice.
"""

import logging

from celery import shared_task

from .outbox import reminders_scan

logger = logging.getLogger(__name__)


@shared_task(name="reminders.tasks.send_due_reminders", ignore_result=True)
def send_due_reminders() -> dict[str, int]:
    result = reminders_scan()
    outcomes = {str(state): n for state, n in result.outcomes.items()}
    if outcomes or result.materialized.created or result.materialized.skipped:
        logger.info("Reminder scan: materialised %s, outcomes %s", result.materialized, outcomes)
    return outcomes
