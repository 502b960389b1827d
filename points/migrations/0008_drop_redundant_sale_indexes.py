"""Four indexes fewer for every sale to write.

- The varchar_pattern_ops twins Django adds on PostgreSQL beside the unique
  idempotency keys of sales and ledger entries (231 MB and 632 MB at 1M
  members): nothing matches a key prefix with LIKE, and on loyalty_bench
  neither was ever scanned, yet each sale inserted its random key into both.
- The single-column member indexes of sales and ledger entries: the
  (member, created_at) indexes lead with member and serve the same look-ups.

Dropped CONCURRENTLY on PostgreSQL, so a live shop keeps selling meanwhile.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "points_purchase_idempotency_key_ebeab974_like": (
        "points_purchase (idempotency_key varchar_pattern_ops)",
        "postgresql",
    ),
    "points_ledgerentry_idempotency_key_2302ac48_like": (
        "points_ledgerentry (idempotency_key varchar_pattern_ops)",
        "postgresql",
    ),
    "points_purchase_member_id_673c1c9c": ("points_purchase (member_id)", None),
    "points_ledgerentry_member_id_c9f91564": ("points_ledgerentry (member_id)", None),
}


def _concurrently(schema_editor):
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def drop_indexes(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {name}")


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, (target, only_on) in INDEXES.items():
        if only_on in (None, vendor):
            schema_editor.execute(
                f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {name} ON {target}"
            )


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("members", "0009_prune_member_indexes"),
        ("points", "0007_prune_ledger_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="member",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_entries",
                        to="members.member",
                    ),
                ),
                migrations.AlterField(
                    model_name="purchase",
                    name="member",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="purchases",
                        to="members.member",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_indexes, create_indexes, elidable=False),
            ],
        ),
    ]
