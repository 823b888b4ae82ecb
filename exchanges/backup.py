"""One exchange as a file, and back: for moving an exchange between
installations and for undoing its deletion.

A whole-database backup (``pg_dump``, docs/operations.md) is the first line;
this is the scalpel. ``exchange_dump`` writes every row that belongs to one
exchange (teams, members, invitations, meetings and their reminders, sessions
and everything the live room recorded, themes, commitments, check-ins, the
archive's review windows, redactions and access log) with Django's
serializers; ``exchange_restore`` loads such a file.

Primary keys are kept, not renumbered: the room's stored events name
contributions and members by id (a client resuming after a restore must see
the same ids), and the signed links already in people's mailboxes
(unsubscribe, check-in) carry member and commitment ids. So a restore refuses
when any of those ids is taken, which is the case only when the exchange
still exists or the file goes into a different, non-empty database.

People are matched by email address. An account that does not exist yet is
created with the password hash from the file (so its owner can sign in as
before) but never with staff rights; an existing account is left as it is.
The file therefore holds password hashes and everything people said: it is
as sensitive as the database.

Which rows belong to an exchange is found from the models' foreign keys, so
a new model with a path to Exchange is included without anyone remembering;
``EXCLUDED`` names the few that are deliberately left out.
"""

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, models, transaction

from .models import Exchange

if TYPE_CHECKING:
    from participants.models import User

FORMAT = "common-ground-exchange"
VERSION = 1
APP_LABELS = ("exchanges", "participants", "dialogue_sessions", "archives", "reminders")
# Models deliberately left out of a file (none today).
EXCLUDED: frozenset[str] = frozenset()
# Models that moved to another app since files were first written: an older
# file names them by their old label, and still restores.
MOVED_LABELS = {
    "exchanges.reminder": "reminders.reminder",
    "exchanges.reminderoffset": "reminders.reminderoffset",
    "exchanges.reminderplan": "reminders.reminderplan",
}
USER_FIELDS = ("email", "first_name", "last_name", "password", "is_active", "date_joined")


def _user_model() -> type["User"]:
    return get_user_model()


def _foreign_keys(model) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]


def exchange_models() -> list[tuple[type[models.Model], str]]:
    """(model, lookup from the model to its exchange's id), parents before children.

    Paths follow only non-null foreign keys, so no row of an exchange can be
    missed because one of its links is empty.
    """
    user_model = _user_model()
    candidates = [
        m
        for label in APP_LABELS
        for m in apps.get_app_config(label).get_models()
        if m._meta.label not in EXCLUDED and m is not user_model
    ]
    paths: dict[type[models.Model], str] = {Exchange: "pk"}
    changed = True
    while changed:
        changed = False
        for model in candidates:
            for fk in _foreign_keys(model):
                target = fk.related_model
                if fk.null or target is model or target not in paths:
                    continue
                path = fk.name if target is Exchange else f"{fk.name}__{paths[target]}"
                if model not in paths or path.count("__") < paths[model].count("__"):
                    if paths.get(model) != path:
                        paths[model] = path
                        changed = True
    missing = [m._meta.label for m in candidates if m not in paths]
    if missing:
        raise RuntimeError(f"No path to an exchange for {missing}: add them to EXCLUDED or give them one.")
    return [(model, paths[model]) for model in _parents_first(list(paths))]


def _parents_first(model_list: list[type[models.Model]]) -> list[type[models.Model]]:
    ordered: list[type[models.Model]] = []
    remaining = list(model_list)
    while remaining:
        for model in remaining:
            parents = {fk.related_model for fk in _foreign_keys(model)} & set(remaining)
            parents.discard(model)
            if not parents:
                ordered.append(model)
                remaining.remove(model)
                break
        else:  # a cycle: the database checks foreign keys at commit, so any order loads
            ordered.extend(remaining)
            break
    return ordered


def _querysets(exchange_id: int):
    for model, path in exchange_models():
        yield model, model._base_manager.filter(**{path: exchange_id}).order_by("pk")


def exchange_dump(*, exchange_id: int) -> dict[str, Any]:
    """Every row of one exchange, and the accounts its rows name, as JSON-ready data."""
    if not Exchange.objects.filter(pk=exchange_id).exists():
        raise ValidationError(f"No exchange {exchange_id}.")
    user_model = _user_model()
    objects: list[dict] = []
    user_ids: set[int] = set()
    for model, queryset in _querysets(exchange_id):
        rows = list(queryset)
        user_fks = [fk.attname for fk in _foreign_keys(model) if fk.related_model is user_model]
        for row in rows:
            user_ids.update(getattr(row, attname) for attname in user_fks if getattr(row, attname) is not None)
        objects.extend(serializers.serialize("python", rows, use_natural_foreign_keys=True))
    users = list(user_model.objects.filter(pk__in=user_ids).order_by("email").values(*USER_FIELDS))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exchange_id": exchange_id,
        "users": users,
        "objects": objects,
    }


def _encode(value):
    """Full-precision JSON for what the serializer leaves as Python objects
    (Django's own JSON encoder drops microseconds, which would make a
    restored row differ from the original)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def exchange_dump_json(*, exchange_id: int) -> str:
    return json.dumps(exchange_dump(exchange_id=exchange_id), default=_encode, ensure_ascii=False, indent=1)


@transaction.atomic
def exchange_restore(*, data: dict[str, Any]) -> Exchange:
    """Load an ``exchange_dump`` file; the exchange comes back with the same ids."""
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValidationError("This is not a Common Ground exchange file this version can read.")
    user_model = _user_model()
    for fields in data["users"]:
        if user_model.objects.filter(email__iexact=fields["email"]).exists():
            continue
        user_model.objects.create(**{k: v for k, v in fields.items() if k in USER_FIELDS})

    for obj in data["objects"]:
        obj["model"] = MOVED_LABELS.get(obj["model"], obj["model"])
    taken = []
    by_model: dict[str, list] = defaultdict(list)
    for obj in data["objects"]:
        by_model[obj["model"]].append(obj["pk"])
    for label, pks in by_model.items():
        model = apps.get_model(label)
        if model._base_manager.filter(pk__in=pks).exists():
            taken.append(label)
    if taken:
        raise ValidationError(
            "Rows with these ids already exist here: "
            + ", ".join(sorted(taken))
            + ". Delete the exchange first, or restore into an empty database."
        )

    restored = []
    for item in serializers.deserialize("python", data["objects"], handle_forward_references=True):
        item.save()
        restored.append(type(item.object))
    with connection.cursor() as cursor:  # the next new row must not reuse a restored id
        for statement in connection.ops.sequence_reset_sql(no_style(), list(set(restored))):
            cursor.execute(statement)
    return Exchange.objects.get(pk=data["exchange_id"])


def exchange_canonical(*, exchange_id: int) -> dict[str, list[dict]]:
    """The exchange's rows with ids left out, for comparing two copies.

    Each row's foreign keys become the position of the row they point to
    within its model (or the account's email), so two copies are equal
    exactly when they hold the same rows linked the same way.
    """
    user_model = _user_model()
    emails = {}
    rows_by_model: dict[type[models.Model], list[dict]] = {}
    for model, queryset in _querysets(exchange_id):
        rows_by_model[model] = list(queryset.values())
    position = {
        model: {row[model._meta.pk.attname]: i for i, row in enumerate(rows)} for model, rows in rows_by_model.items()
    }
    for model, rows in rows_by_model.items():
        for fk in _foreign_keys(model):
            if fk.related_model is user_model:
                ids = {row[fk.attname] for row in rows} - {None}
                emails.update(dict(user_model.objects.filter(pk__in=ids).values_list("pk", "email")))
    out: dict[str, list[dict]] = {}
    for model, rows in rows_by_model.items():
        pk_name = model._meta.pk.attname
        fks = {fk.attname: fk.related_model for fk in _foreign_keys(model)}
        canonical = []
        for row in rows:
            item = {}
            for key, value in row.items():
                if key == pk_name and key not in fks:
                    continue
                target = fks.get(key)
                if target is None or value is None:
                    item[key] = value
                elif target is user_model:
                    item[key] = emails[value]
                else:
                    item[key] = ("→", target._meta.label, position[target][value])
            canonical.append(item)
        out[model._meta.label] = canonical
    return out
