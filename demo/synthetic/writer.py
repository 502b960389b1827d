"""Writing the synthetic shop's rows: COPY on PostgreSQL (with the tables'
indexes set aside during a large load), bulk_create elsewhere."""

from django.db import connection
from psycopg.types.json import Jsonb

from members.models import Member, MemberSortKeys
from points.models import LedgerEntry, LotDraw, Purchase, Refund
from rewards.models import Coupon, RewardRedemption

MEMBER_COLUMNS = [
    "id",
    "member_number",
    "phone",
    "phone_tail",
    "name",
    "name_key",
    "email",
    "birthday",
    "gender",
    "joined_on",
    "referred_by_id",
    "notes",
    "status",
    "tier_id",
    "tier_since",
    "tier_grace_until",
    "tier_pinned_until",
    "points_balance",
    "lifetime_spend",
    "purchase_count",
    "last_purchase_at",
    "messages_opt_out",
    "created_at",
    "updated_at",
    "created_by_id",
]
PURCHASE_COLUMNS = [
    "id",
    "member_id",
    "idempotency_key",
    "created_at",
    "gross_amount",
    "wholesale",
    "discount_percent",
    "discount_amount",
    "points_redeemed",
    "redeemed_value",
    "amount_paid",
    "points_earned",
    "earning_detail",
    "tier_id",
    "refunded_amount",
    "note",
    "by_id",
]
LEDGER_COLUMNS = [
    "behaviour_rule_id",
    "reverses_id",
    "id",
    "member_id",
    "kind",
    "points",
    "remaining",
    "expires_on",
    "created_at",
    "idempotency_key",
    "reason",
    "purchase_id",
    "refund_id",
    "by_id",
    "reward_redemption_id",
]
REDEMPTION_COLUMNS = [
    "id",
    "member_id",
    "reward_id",
    "quantity",
    "points_spent",
    "source",
    "status",
    "reason",
    "idempotency_key",
    "created_at",
    "by_id",
    "fulfilled_at",
    "fulfilled_by_id",
    "cancelled_at",
    "cancelled_by_id",
    "cancel_reason",
]
DRAW_COLUMNS = ["id", "entry_id", "lot_id", "points"]
# In the order they are written; the key names the list of rows in a chunk.
TABLES = [
    ("members", Member, MEMBER_COLUMNS),
    ("purchases", Purchase, PURCHASE_COLUMNS),
    ("redemptions", RewardRedemption, REDEMPTION_COLUMNS),
    ("entries", LedgerEntry, LEDGER_COLUMNS),
    ("draws", LotDraw, DRAW_COLUMNS),
]


def _copy_rows(model, columns, rows, *, freeze=False):
    # Fields added to the model since this module was written get their
    # defaults, as bulk_create would give them.
    others = [
        f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key
    ]
    defaults = [field.get_default() for field in others]
    q = connection.ops.quote_name
    names = ", ".join(q(model._meta.get_field(c).column) for c in columns)
    names += "".join(f", {q(field.column)}" for field in others)
    json_at = columns.index("earning_detail") if "earning_detail" in columns else None
    sql = f"COPY {q(model._meta.db_table)} ({names}) FROM STDIN"
    if freeze:
        sql += " WITH (FREEZE)"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            if json_at is not None:
                row[json_at] = Jsonb(row[json_at])
            copy.write_row(row + defaults if defaults else row)


def _bulk_rows(model, columns, rows):
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500
    )


def write_chunk(out, *, freeze=False):
    for key, model, columns in TABLES:
        if not out[key]:
            continue
        if connection.vendor == "postgresql":
            _copy_rows(model, columns, out[key], freeze=freeze)
        else:
            _bulk_rows(model, columns, out[key])


def set_aside_indexes(cursor):
    """Drop the foreign keys, unique constraints and secondary indexes of the
    tables we fill, and return the statements that build them again.

    Building an index once over ten million rows is far cheaper than keeping
    it up to date row by row; deferred foreign-key checks would also queue one
    event per row until commit. Runs inside the load's transaction, so a
    failed load leaves the schema as it was.
    """
    tables = [model._meta.db_table for _key, model, _columns in TABLES]
    # Written by members_member's trigger (members.sort_keys), row by row
    # into its indexes unless they are set aside too.
    tables.append(MemberSortKeys._meta.db_table)
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint
        WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')
        ORDER BY contype, conname
        """,
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c
            WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')
          )
        ORDER BY 1
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    q = connection.ops.quote_name
    for table, name, _type, _definition in constraints:  # 'f' sorts before 'u'
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    rebuild = [definition for _name, definition in indexes]
    rebuild += [
        f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {definition}"
        for table, name, _type, definition in sorted(constraints, key=lambda c: c[2], reverse=True)
    ]
    return rebuild


def clear_shop():
    """Delete every member, sale, reward redemption and ledger row."""
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for _k, m, _c in TABLES)
        with connection.cursor() as cursor:
            # Run deferred foreign-key checks now: TRUNCATE refuses to run
            # with them pending (a load earlier in the same transaction).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                f"TRUNCATE {tables}, points_refund, rewards_coupon RESTART IDENTITY CASCADE"
            )
        return
    for model in (LotDraw, LedgerEntry, Refund, Coupon, RewardRedemption, Purchase):
        model.objects.all().delete()
    Member.objects.update(referred_by=None)
    Member.objects.all().delete()
