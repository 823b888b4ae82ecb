"""Who was present in each session while it was open, read back from the room's event log.

Archive access now follows presence in the session itself, not attendance at
its meeting. Sessions run before this change kept their presence in the
event log: walking each session's events in order, a member was in the
session if they were present when it opened or joined while it was open.
"""

from django.db import migrations


def backfill(apps, schema_editor):
    SessionEvent = apps.get_model("dialogue_sessions", "SessionEvent")
    SessionAttendance = apps.get_model("participants", "SessionAttendance")
    Member = apps.get_model("participants", "Member")
    names = ("presence_joined", "presence_left", "session_opened", "session_closed")
    rows = (
        SessionEvent.objects.filter(name__in=names)
        .order_by("session_id", "seq")
        .values_list("session_id", "name", "actor_id", "payload")
    )
    present: dict[int, set[int]] = {}
    open_now: dict[int, bool] = {}
    attended: set[tuple[int, int]] = set()
    for session_id, name, actor_id, payload in rows.iterator():
        here = present.setdefault(session_id, set())
        if name == "presence_joined":
            member_id = (payload.get("member") or {}).get("id") or actor_id
            if member_id:
                here.add(member_id)
                if open_now.get(session_id):
                    attended.add((member_id, session_id))
        elif name == "presence_left":
            here.discard(payload.get("member_id"))
        elif name == "session_opened":
            open_now[session_id] = True
            attended.update((member_id, session_id) for member_id in here)
        else:
            open_now[session_id] = False
    existing = set(Member.objects.values_list("pk", flat=True))
    SessionAttendance.objects.bulk_create(
        [SessionAttendance(member_id=m, session_id=s) for m, s in sorted(attended) if m in existing],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0002_session_attendance"),
        ("dialogue_sessions", "0004_chatham_house_label"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
