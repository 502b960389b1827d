"""Indexes for the counter's lookups at a million members (PostgreSQL only).

search_members() finds part of a name with `name_key LIKE '%...%'` and part
of a phone with `phone LIKE '%...'`; a B-tree cannot serve either, a
trigram GIN index can. Built CONCURRENTLY so a live shop keeps selling
while it builds. SQLite has no such index type and scans, which is fine at
its size.
"""

from django.db import migrations

INDEXES = {
    "member_name_key_trgm": "name_key",
    "member_phone_trgm": "phone",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON members_member USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    # Numbered 0003 as asked; it follows main's members migrations (the lead renumbers).
    dependencies = [("members", "0007_owner_import_permissions")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
