"""Indexes for the member list's sorts by balance, lifetime spend and last
purchase (issue 21: one tier of a million members, sorted by balance or last
purchase, under 200 ms p95).

Without them each such page read and sorted every member of the tier. The
price is the one migration 0013 avoided: a sale sets these columns, so its
member update can no longer stay on the row's page (HOT) and writes an entry
in each of the table's indexes (0013 measured 1.6 ms of database CPU per
sale without the last-purchase index, 2.3 ms with it).

last_purchase_at is kept NULLS FIRST, so the one index serves both
directions of members.selectors.sorted_members (never bought: first from
the oldest, last from the newest). SQLite cannot declare NULLS FIRST in an
index but puts NULL first anyway, so it gets the plain index. On PostgreSQL
the indexes are built CONCURRENTLY, so a live shop keeps selling meanwhile;
they live outside the model's state, like member_name_pairs_gin (0011).
"""

from django.db import migrations

INDEXES = {
    "member_balance_idx": ("points_balance, id", "points_balance, id"),
    "member_spend_idx": ("lifetime_spend, id", "lifetime_spend, id"),
    "member_last_purchase_idx": ("last_purchase_at ASC NULLS FIRST, id", "last_purchase_at, id"),
}


def create_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    how = "CONCURRENTLY IF NOT EXISTS" if postgres else "IF NOT EXISTS"
    for name, (pg_columns, other_columns) in INDEXES.items():
        columns = pg_columns if postgres else other_columns
        schema_editor.execute(f"CREATE INDEX {how} {name} ON members_member ({columns})")
    if postgres:
        schema_editor.execute("ANALYZE members_member")


def drop_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    how = "CONCURRENTLY IF EXISTS" if postgres else "IF EXISTS"
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {how} {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("members", "0019_job_heartbeats")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
