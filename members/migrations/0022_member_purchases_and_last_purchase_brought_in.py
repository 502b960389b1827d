"""The purchases and the last purchase an import brings from the earlier
system (Member.opening_purchases, opening_last_purchase_on).

SQLite adds these columns by rebuilding the member table, which drops the
list's sort indexes that migration 0020 made outside the model's state: they
are made again there. PostgreSQL adds the columns in place and keeps them."""

import importlib

from django.db import migrations, models


def keep_sort_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        sort_indexes = importlib.import_module("members.migrations.0020_member_list_sort_indexes")
        sort_indexes.create_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0021_import_reading_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="opening_last_purchase_on",
            field=models.DateField(blank=True, null=True, verbose_name="last purchase brought in"),
        ),
        migrations.AddField(
            model_name="member",
            name="opening_purchases",
            field=models.PositiveIntegerField(
                db_default=0, default=0, verbose_name="purchases brought in"
            ),
        ),
        migrations.RunPython(keep_sort_indexes, migrations.RunPython.noop, elidable=False),
    ]
