"""The triggers that keep MemberSortKeys a copy of the member rows' sort keys.

A trigger rather than the services: members are written by the sale, the
ledger, expiry runs, tier moves, imports (COPY on PostgreSQL), merges, the
admin and raw SQL, and a sort key missed by one of them would put a member
on the wrong page with nothing to show for it.

- PostgreSQL: new members are copied once per statement (a transition
  table, so an import's or generate_data's COPY of a million rows is one
  INSERT ... SELECT); an update is copied per row, and only when a key
  changed (the WHEN clause is checked without calling the function).
- SQLite: per row, for both (it has no statement triggers).

Deleting a member deletes its row through the foreign key (the ORM's
cascade; TRUNCATE ... CASCADE).

Installed by members migration 0033 and again after every migrate and
flush (members.apps): a migration that rebuilds members_member on SQLite
drops its triggers, and a database made without migrations has none. When
they had to be made again, the rows are copied afresh (resync).

Lock order (config.locks): a member row, then its sort keys row; nothing
else writes the latter.
"""

from django.apps import apps as global_apps
from django.db import connections

# A member who never bought: the oldest purchase there can be, so a list
# from the oldest starts with them and one from the newest ends with them,
# on both databases (SQLite cannot declare NULLS FIRST on an index).
NEVER = "0001-01-01 00:00:00"
INSERTED = "members_sort_keys_inserted"
UPDATED = "members_sort_keys_updated"
KEYS = ("tier_id", "points_balance", "lifetime_spend", "last_purchase_at")


def install_after_migrate(sender, *, using, apps=global_apps, **kwargs):
    # After every migrate and flush (which sends no `apps`).
    install_triggers(apps, using=using)


def install_triggers(apps, using="default") -> bool:
    """Make the triggers where they are missing; when any was, copy every
    member's keys afresh. True when they were missing."""
    db = connections[using]
    try:
        members = apps.get_model("members", "Member")._meta.db_table
        sort_keys = apps.get_model("members", "MemberSortKeys")._meta.db_table
    except LookupError:
        return False  # a partial migrate: the table does not exist yet
    if db.vendor not in ("postgresql", "sqlite"):
        return False
    if db.vendor == "postgresql":
        statements = _postgresql(members, sort_keys)
        present_sql = (
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname = %s AND t.tgname IN (%s, %s)"
        )
    else:
        statements = _sqlite(members, sort_keys)
        present_sql = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = %s AND name IN (%s, %s)"
        )
    with db.cursor() as cursor:
        cursor.execute(present_sql, [members, INSERTED, UPDATED])
        if len(cursor.fetchall()) == 2:
            return False
        for statement in statements:
            cursor.execute(statement)
        resync(cursor, members, sort_keys)
        if db.vendor == "postgresql":
            # The list's plans need the new rows' statistics now, not when
            # autovacuum next comes by.
            cursor.execute(f"ANALYZE {sort_keys}")
    return True


def resync(cursor, members, sort_keys):
    """Copy every member's keys (the triggers keep them from then on)."""
    cursor.execute(f"DELETE FROM {sort_keys}")
    cursor.execute(
        f"INSERT INTO {sort_keys} (member_id, tier_id, points_balance, lifetime_spend, "
        f"last_purchase_at) SELECT id, {_keys_of('m')} FROM {members} m"
    )


def uninstall_triggers(apps, schema_editor):
    db = schema_editor.connection
    members = apps.get_model("members", "Member")._meta.db_table
    if db.vendor == "postgresql":
        for name in (INSERTED, UPDATED):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {members}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    elif db.vendor == "sqlite":
        for name in (INSERTED, UPDATED):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def _keys_of(row, never=NEVER):
    return (
        f"{row}.tier_id, {row}.points_balance, {row}.lifetime_spend, "
        f"COALESCE({row}.last_purchase_at, '{never}')"
    )


def _postgresql(members, sort_keys):
    never = f"{NEVER}+00"
    changed = " OR ".join(f"OLD.{key} IS DISTINCT FROM NEW.{key}" for key in KEYS)
    return [
        f"""
CREATE OR REPLACE FUNCTION {INSERTED}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {sort_keys} (member_id, tier_id, points_balance, lifetime_spend, last_purchase_at)
    SELECT n.id, {_keys_of("n", never)} FROM new_members n;
    RETURN NULL;
END $$""",
        f"""
CREATE OR REPLACE FUNCTION {UPDATED}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {sort_keys} SET tier_id = NEW.tier_id, points_balance = NEW.points_balance,
        lifetime_spend = NEW.lifetime_spend,
        last_purchase_at = COALESCE(NEW.last_purchase_at, '{never}')
    WHERE member_id = NEW.id;
    RETURN NULL;
END $$""",
        f"DROP TRIGGER IF EXISTS {INSERTED} ON {members}",
        f"CREATE TRIGGER {INSERTED} AFTER INSERT ON {members} "
        f"REFERENCING NEW TABLE AS new_members FOR EACH STATEMENT EXECUTE FUNCTION {INSERTED}()",
        f"DROP TRIGGER IF EXISTS {UPDATED} ON {members}",
        f"CREATE TRIGGER {UPDATED} AFTER UPDATE OF {', '.join(KEYS)} ON {members} "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {UPDATED}()",
    ]


def _sqlite(members, sort_keys):
    changed = " OR ".join(f"OLD.{key} IS NOT NEW.{key}" for key in KEYS)
    return [
        f"CREATE TRIGGER IF NOT EXISTS {INSERTED} AFTER INSERT ON {members} BEGIN "
        f"INSERT INTO {sort_keys} (member_id, tier_id, points_balance, lifetime_spend, "
        f"last_purchase_at) VALUES (NEW.id, {_keys_of('NEW')}); END",
        f"CREATE TRIGGER IF NOT EXISTS {UPDATED} AFTER UPDATE OF {', '.join(KEYS)} "
        f"ON {members} WHEN {changed} BEGIN "
        f"UPDATE {sort_keys} SET tier_id = NEW.tier_id, points_balance = NEW.points_balance, "
        f"lifetime_spend = NEW.lifetime_spend, "
        f"last_purchase_at = COALESCE(NEW.last_purchase_at, '{NEVER}') "
        f"WHERE member_id = NEW.id; END",
    ]
