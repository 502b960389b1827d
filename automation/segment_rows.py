"""A chunk's rows in bulk: the SegmentRecipient lines and the outbox
messages of a message to a segment.

On PostgreSQL each table gets one INSERT whose columns travel as arrays
bound on the server (as tiers/history_sql.py writes the tier history):
building a model instance per row and spelling every text into the
statement cost more than the database's work. Elsewhere (SQLite) bulk_create
does it. Either way a row already there (a redelivered chunk) is skipped.
"""

from django.db import connection

from config.database import server_binding_cursor
from members.models import OutboundMessage
from segments.models import SegmentRecipient


def insert_rows(*, message, purpose, recipients, outbound, now):
    """`recipients`: [(member id, outcome)]; `outbound`: [(member id,
    channel, address, subject, text, dedup key, due)], queued at `now`."""
    if connection.vendor != "postgresql":
        SegmentRecipient.objects.bulk_create(
            [
                SegmentRecipient(message=message, member_id=member_id, outcome=outcome)
                for member_id, outcome in recipients
            ],
            ignore_conflicts=True,
        )
        OutboundMessage.objects.bulk_create(
            [
                OutboundMessage(
                    member_id=member_id,
                    purpose=purpose,
                    channel=channel,
                    address=address,
                    subject=subject,
                    text=text,
                    dedup_key=key,
                    next_attempt_at=due,
                )
                for member_id, channel, address, subject, text, key, due in outbound
            ],
            ignore_conflicts=True,
        )
        return
    with server_binding_cursor(connection) as cursor:
        if recipients:
            cursor.execute(
                _RECIPIENTS_SQL.format(table=SegmentRecipient._meta.db_table),
                [message.pk, *map(list, zip(*recipients, strict=True))],
            )
        if outbound:
            cursor.execute(
                _OUTBOX_SQL.format(table=OutboundMessage._meta.db_table),
                [
                    str(purpose),
                    OutboundMessage.Status.QUEUED.value,
                    now,
                    *map(list, zip(*outbound, strict=True)),
                ],
            )


# Typed, since a value bound on the server has no type of its own.
_RECIPIENTS_SQL = (
    "INSERT INTO {table} (message_id, member_id, outcome)"
    " SELECT %s::bigint, r.member_id, r.outcome"
    " FROM unnest(%s::bigint[], %s::text[]) AS r (member_id, outcome)"
    " ON CONFLICT DO NOTHING"
)
_OUTBOX_SQL = (
    "INSERT INTO {table} (member_id, purpose, channel, address, subject, text, dedup_key,"
    " status, attempts, last_error, next_attempt_at, created_at, sent_at)"
    " SELECT o.member_id, %s::varchar, o.channel, o.address, o.subject, o.text, o.dedup_key,"
    " %s::varchar, 0, '', o.next_attempt_at, %s::timestamptz, NULL"
    " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],"
    " %s::timestamptz[])"
    " AS o (member_id, channel, address, subject, text, dedup_key, next_attempt_at)"
    " ON CONFLICT DO NOTHING"
)
