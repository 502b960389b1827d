"""Indexes for the owner's dashboard at a million members (PostgreSQL only).

campaigns.results.campaign_sales finds the sales a campaign lifted with
JSON containment on `earning_detail` (`earning_detail @> '{"explanation":
[{"campaign_id": "1"}]}'`); a GIN index (jsonb_path_ops, the smaller kind
that serves only @>) finds them without reading every sale of the
campaign's window. Built CONCURRENTLY so a live shop keeps selling while it
builds. SQLite has no such index type and reads the window, which is fine at
its size.
"""

from django.db import migrations

INDEXES = {
    "purchase_earning_detail_gin": (
        "points_purchase USING gin (earning_detail jsonb_path_ops)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("points", "0005_purchase_coupon")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
