"""The member columns the import and the counter look members up by compare
byte by byte (PostgreSQL only).

phone, member_number, phone_tail and name_key are keys, never sorted for
people to read: phones and member numbers are digits, name_key is the
search form of the name. With the database's own collation each comparison
in their indexes asks the C library to collate (strcoll); with "C" it is a
plain byte comparison, and equality, LIKE and the order of digits are the
same. Every import row searches and inserts into four of these indexes:
on the 1M-member bench data the import's PostgreSQL CPU fell by about 6 %
with the database on C.UTF-8, and more under a language collation such as
zh_TW.UTF-8, where strcoll is dearer.

The models cannot say so (SQLite knows no "C" collation; its default,
BINARY, already compares bytes), so tests/members/test_member_columns.py
checks that no later migration puts the database's collation back: Django
would, on any AlterField of these columns.

The indexes on these columns are rebuilt: at 1M members about 5 seconds
during which the members table is locked; then the table is analysed again
(the columns' statistics go with their old type).
"""

from django.db import migrations

COLUMNS = {
    "phone": "varchar(20)",
    "member_number": "varchar(20)",
    "phone_tail": "varchar(4)",
    "name_key": "varchar(100)",
}


def _collate(collation):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        changes = ", ".join(
            f"ALTER COLUMN {column} TYPE {kind} COLLATE {collation}"
            for column, kind in COLUMNS.items()
        )
        schema_editor.execute(f"ALTER TABLE members_member {changes}")
        # Changing a column's type drops its statistics: without them the
        # planner took a last-4-digits lookup for a walk of the whole member
        # list (1 s instead of 4 ms at 1M members) until autovacuum came by.
        schema_editor.execute("ANALYZE members_member")

    return alter


class Migration(migrations.Migration):
    dependencies = [("members", "0014_search_without_trigrams")]

    operations = [
        migrations.RunPython(_collate('"C"'), _collate('"default"'), elidable=False),
    ]
