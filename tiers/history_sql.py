"""The engine's history rows in bulk: a review, a night's graces or an apply
of new rules writes thousands of TierChange rows per chunk.

On PostgreSQL each group of moves (same kind, target tier, grace end and
reason) is one INSERT whose per-member columns travel as three arrays bound
on the server; building model instances and spelling every value into the
statement's text cost more than the database's work. Elsewhere (SQLite, a
small shop) bulk_create does it.
"""

import json

from django.db import connection

from config.database import server_binding_cursor
from tiers.models import TierChange

BATCH = 5000


def insert_changes(groups, *, at, by_id):
    """Write {(kind, to tier id, grace end, reason): [(member id, from tier
    id, figures dict)]} as TierChange rows at `at` by the user `by_id`."""
    if connection.vendor != "postgresql":
        TierChange.objects.bulk_create(
            [
                TierChange(
                    member_id=member_id,
                    kind=kind,
                    from_tier_id=from_tier_id,
                    to_tier_id=to_tier_id,
                    reason=reason,
                    at=at,
                    grace_until=grace_until,
                    figures=figures,
                    by_id=by_id,
                )
                for (kind, to_tier_id, grace_until, reason), rows in groups.items()
                for member_id, from_tier_id, figures in rows
            ],
            batch_size=1000,
        )
        return
    with server_binding_cursor(connection) as cursor:
        for (kind, to_tier_id, grace_until, reason), rows in groups.items():
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                cursor.execute(
                    _insert_sql(),
                    [
                        str(kind),
                        to_tier_id,
                        reason,
                        at,
                        grace_until,
                        by_id,
                        [member_id for member_id, _from, _figures in batch],
                        [from_id for _member, from_id, _figures in batch],
                        [json.dumps(figures) for _member, _from, figures in batch],
                    ],
                )


def _insert_sql():
    quote = connection.ops.quote_name
    columns = [
        quote(TierChange._meta.get_field(name).column)
        for name in (
            "member",
            "from_tier",
            "figures",
            "kind",
            "to_tier",
            "reason",
            "at",
            "grace_until",
            "pinned_until",
            "by",
        )
    ]
    # Typed, since a value bound on the server may be a bare NULL.
    return (
        f"INSERT INTO {quote(TierChange._meta.db_table)} ({', '.join(columns)}) "
        "SELECT c.member_id, c.from_tier_id, c.figures::jsonb, %s::varchar, %s::bigint,"
        " %s::varchar, %s::timestamptz, %s::date, NULL::date, %s::bigint"
        " FROM unnest(%s::bigint[], %s::bigint[], %s::text[])"
        " AS c (member_id, from_tier_id, figures)"
    )
