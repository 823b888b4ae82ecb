"""Who may do what in an exchange's schedule.

The role rules every app asks (who manages an exchange, who captures words)
are participants.permissions'; what is particular to scheduling is here.
"""


def session_schedule_is_editable(session) -> bool:
    """A session's plan is fixed once it opens: the live room runs from it and
    the archive must show what was actually planned."""
    return session.state == session.State.SCHEDULED
