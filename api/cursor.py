"""Cursor pagination over a list newest first (created_at, then id): the
cursor names the last row of a page, so pages hold still while rows are added."""

import base64
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from api.problems import Problem

MAX_LIMIT = 100


def _encode(row) -> str:
    text = f"{row.created_at.isoformat()}|{row.pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise Problem(
            400, "cursor_invalid", _("The cursor is not one this API gave: start without it.")
        ) from None


def page(queryset, *, cursor, limit):
    """(rows, next_cursor) of `queryset` (newest first) after `cursor`."""
    queryset = queryset.order_by("-created_at", "-id")
    if cursor:
        moment, pk = _decode(cursor)
        queryset = queryset.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    rows = list(queryset[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], _encode(rows[limit - 1])
    return rows, None
