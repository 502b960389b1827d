"""An index for the member list's Home store filter (and a segment's store):
without it the list's count read every member (about 400 ms at a million
members and 20 stores, PostgreSQL); with it, about 8 ms. The price: one
more small index entry when a member is enrolled, imported or updated by a
sale (whose update is no longer HOT since migration 0020 anyway).

In the model's state (Member.Meta.indexes), so a SQLite table rebuild keeps
it; on PostgreSQL built CONCURRENTLY, so a live shop keeps selling meanwhile.
"""

from django.db import migrations, models

NAME = "member_home_store_idx"


def create_index(apps, schema_editor):
    how = "CONCURRENTLY IF NOT EXISTS" if schema_editor.connection.vendor == "postgresql" else (
        "IF NOT EXISTS"
    )
    schema_editor.execute(f"CREATE INDEX {how} {NAME} ON members_member (home_store_id)")


def drop_index(apps, schema_editor):
    how = "CONCURRENTLY IF EXISTS" if schema_editor.connection.vendor == "postgresql" else (
        "IF EXISTS"
    )
    schema_editor.execute(f"DROP INDEX {how} {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("members", "0030_dashboard_snapshot_per_store")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="member",
                    index=models.Index(fields=["home_store"], name=NAME),
                )
            ],
            database_operations=[
                migrations.RunPython(create_index, drop_index, elidable=False)
            ],
        )
    ]
