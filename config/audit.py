"""The record of the owner's settings changes (config.models.SettingsChange).

Every service that changes a rule takes a snapshot of the object's fields
before the change and, once it has saved, calls record_settings_change in
its own transaction: the change and its record commit together or not at
all. Values are kept raw and JSON-safe (decimals and dates as strings, a
link as the linked row's id, a many-to-many as the sorted ids); the pages
that show them put them in the reader's words. Imports no app.
"""

import datetime
import uuid
from decimal import Decimal

from django.db.models.fields.files import FieldFile
from django.utils import timezone

from config.models import SettingsChange

EMPTY = (None, "", [], {})


def json_value(value):
    """A field's value as JSON keeps it: Decimal("10.00") -> "10", a date -> "2026-12-18"."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.date | datetime.time):  # datetimes are dates too
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def settings_snapshot(obj, fields) -> dict:
    """{field: JSON-safe value} of `obj` now; take it before changing `obj`."""
    snapshot = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            value = sorted(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
        elif field.is_relation:
            value = getattr(obj, field.attname)
        else:
            value = field.value_from_object(obj)
        snapshot[name] = json_value(value)
    return snapshot


def _acting_user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def record_settings_change(
    *, obj, before, fields, by, deleted=False, label=None
) -> SettingsChange | None:
    """Record what changed in `obj` since the snapshot `before`.

    `before` is None when `obj` was just created. For a removal pass
    `deleted=True` and call it before deleting, in the same transaction
    (the row still has its id then). A change that changed nothing records
    nothing and returns None. `label` is the object's name at the time
    (default: its `name` field; settings rows have none).
    """
    after = {} if deleted else settings_snapshot(obj, fields)
    if before is None:
        action = SettingsChange.Action.CREATED
        changes = {name: [None, value] for name, value in after.items() if value not in EMPTY}
    elif deleted:
        action = SettingsChange.Action.DELETED
        changes = {name: [value, None] for name, value in before.items() if value not in EMPTY}
    else:
        action = SettingsChange.Action.CHANGED
        changes = {
            name: [before.get(name), value]
            for name, value in after.items()
            if before.get(name) != value
        }
        if not changes:
            return None
    if label is None:
        label = getattr(obj, "name", "") or ""
    return SettingsChange.objects.create(
        app_label=obj._meta.app_label,
        model=obj._meta.label_lower,
        object_id="" if obj.pk is None else str(obj.pk),
        object_label=str(label)[:200],
        action=action,
        changes=changes,
        at=timezone.now(),
        by=_acting_user(by),
    )
