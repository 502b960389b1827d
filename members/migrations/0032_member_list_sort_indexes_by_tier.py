"""The member list's sort indexes lead with the tier (issue 21 at a million
members).

The list is sorted by balance, lifetime spend or last purchase with a tier
filter. Migration 0020's indexes (points_balance, id) and their kin kept
the order but not the tier: for the base tier sorted by balance, largest
first, PostgreSQL walked 54,000 entries of the higher tiers' members (their
balances are the largest) and fetched each row to drop it, 620 ms at a
million members. Led by tier_id, the tier's members are one range of the
index, in order: the page reads its 50 rows and stops.

A list sorted without a tier filter now sorts the rows it reads (no target;
a few hundred ms at a million members). As in 0020 the indexes live outside
the model's state, are built CONCURRENTLY on PostgreSQL, and on SQLite
last_purchase_at has no NULLS FIRST (SQLite puts NULL first anyway).
"""

from django.db import migrations

OLD = ("member_balance_idx", "member_spend_idx", "member_last_purchase_idx")
INDEXES = {
    "member_tier_balance_idx": ("tier_id, points_balance, id", "tier_id, points_balance, id"),
    "member_tier_spend_idx": ("tier_id, lifetime_spend, id", "tier_id, lifetime_spend, id"),
    "member_tier_last_purchase_idx": (
        "tier_id, last_purchase_at ASC NULLS FIRST, id",
        "tier_id, last_purchase_at, id",
    ),
}


def create_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    how = "CONCURRENTLY IF NOT EXISTS" if postgres else "IF NOT EXISTS"
    for name, (pg_columns, other_columns) in INDEXES.items():
        columns = pg_columns if postgres else other_columns
        schema_editor.execute(f"CREATE INDEX {how} {name} ON members_member ({columns})")


def drop_indexes(apps, schema_editor, names=tuple(INDEXES)):
    how = "CONCURRENTLY IF EXISTS" if schema_editor.connection.vendor == "postgresql" else "IF EXISTS"
    for name in names:
        schema_editor.execute(f"DROP INDEX {how} {name}")


def lead_with_the_tier(apps, schema_editor):
    create_indexes(apps, schema_editor)
    drop_indexes(apps, schema_editor, OLD)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE members_member")


def back_to_0020(apps, schema_editor):
    from importlib import import_module

    import_module("members.migrations.0020_member_list_sort_indexes").create_indexes(
        apps, schema_editor
    )
    drop_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("members", "0031_member_home_store_index")]

    operations = [migrations.RunPython(lead_with_the_tier, back_to_0020, elidable=False)]
