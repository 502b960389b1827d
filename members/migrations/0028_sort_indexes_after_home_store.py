"""SQLite added the home store (0027) by rebuilding the member table, which
drops the list's sort indexes that migration 0020 made outside the model's
state: they are made again (IF NOT EXISTS). PostgreSQL added the column in
place and kept them."""

import importlib

from django.db import migrations


def keep_sort_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        sort_indexes = importlib.import_module("members.migrations.0020_member_list_sort_indexes")
        sort_indexes.create_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("members", "0027_home_store")]

    operations = [migrations.RunPython(keep_sort_indexes, migrations.RunPython.noop, elidable=False)]
