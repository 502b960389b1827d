"""An index for two-character name searches (PostgreSQL only).

A two-character given name (美玲) is the common search, and the trigram index
of 0008 cannot serve it: `name_key LIKE '%美玲%'` holds no complete trigram,
so every such search read all members. member_name_pairs(name_key) lists
the key's two-character pieces ({陈美, 美玲}); a GIN index over it finds the
members holding a piece, and search_members asks it for two-character keys.
Built CONCURRENTLY so a live shop keeps selling while it builds, then
ANALYZEd so the planner knows how common each piece is. SQLite has no such
index and scans, which is fine at its size.
"""

from django.db import migrations

PAIRS_FUNCTION = """
CREATE OR REPLACE FUNCTION member_name_pairs(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    pairs text[] := '{}';
BEGIN
    FOR i IN 1 .. char_length(name) - 1 LOOP
        pairs := pairs || substr(name, i, 2);
    END LOOP;
    RETURN pairs;
END
$$
"""


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PAIRS_FUNCTION)
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS member_name_pairs_gin "
        "ON members_member USING gin (member_name_pairs(name_key))"
    )
    schema_editor.execute("ANALYZE members_member")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS member_name_pairs_gin")
    schema_editor.execute("DROP FUNCTION IF EXISTS member_name_pairs(text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("members", "0010_dashboard_snapshots")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
