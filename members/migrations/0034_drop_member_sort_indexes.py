"""Drop migration 0032's sort indexes from members_member: the list reads
MemberSortKeys since 0033. With no index on a figure a sale changes,
PostgreSQL rewrites the member row in place (a HOT update: no index entry)
in the room migration 0012's fillfactor leaves on its pages.
"""

from importlib import import_module

from django.db import migrations

lead_with_the_tier = import_module("members.migrations.0032_member_list_sort_indexes_by_tier")


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("members", "0033_member_sort_keys")]

    operations = [
        migrations.RunPython(
            lead_with_the_tier.drop_indexes, lead_with_the_tier.create_indexes, elidable=False
        )
    ]
