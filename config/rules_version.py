"""The version token of the owner's rules, and the triggers that replace it.

Every sale and every counter request read the same few rows: the programme
rules, the tier ladder, the tier programme, the lifecycle day counts, the
campaigns and how they stack. Each process keeps one copy of them, the
Rulebook (campaigns.rulebook, which sits above the models it caches), and
reuses it while the database says the rules have not changed since.

How a process knows: RulesVersion holds a token that database triggers
replace in the same transaction as any INSERT, UPDATE, DELETE (or TRUNCATE)
on a watched table, whoever writes it: a service, the admin, a shell, a
migration. A reader compares the token with its copy's (the sale reads it
with the member row it locks, at no extra query) and reloads on any
difference. This module names the watched tables by app label and model
name (read through the app registry), so it imports no app.
"""

from django.db import connection

# Models (app label, model name) whose rows make up the rulebook, and the
# many-to-many tables among them: the triggers watch all of their tables.
WATCHED_MODELS = (
    ("points", "ProgrammeRules"),
    ("tiers", "Tier"),
    ("tiers", "TierProgramme"),
    ("members", "LifecycleRules"),
    ("campaigns", "Campaign"),
    ("campaigns", "CampaignSettings"),
    # A campaign's "who": a changed segment changes who gets it.
    ("segments", "Segment"),
)
WATCHED_M2M = (("campaigns", "Campaign", "tiers"), ("campaigns", "Campaign", "stores"))


def rules_version() -> str | None:
    """The token of the rules now (None before any trigger has written one)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {_table()} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def version_subquery_sql() -> str:
    """SQL reading the token inside another query's select list."""
    return f"(SELECT token FROM {_table()} WHERE id = 1)"


def _table():
    from config.models import RulesVersion

    return connection.ops.quote_name(RulesVersion._meta.db_table)


# ---------------------------------------------------------------------------
# The triggers, installed after every migrate (a migration that rebuilds a
# table on SQLite drops its triggers; installing again is harmless).


def watched_tables(apps) -> list:
    tables = [apps.get_model(app, name)._meta.db_table for app, name in WATCHED_MODELS]
    for app, name, relation in WATCHED_M2M:
        model = apps.get_model(app, name)
        tables.append(model._meta.get_field(relation).remote_field.through._meta.db_table)
    return tables


def install_triggers(apps, using="default"):
    """Make every watched table replace the token on any change (PostgreSQL:
    one trigger per statement; SQLite: per row), and give RulesVersion a
    fresh token. Another database gets no triggers and so no token: every
    reader then loads the rules itself, as before the rulebook."""
    from django.db import connections

    db = connections[using]
    try:
        version_table = db.ops.quote_name(apps.get_model("config", "RulesVersion")._meta.db_table)
        tables = watched_tables(apps)
    except LookupError:
        return  # a partial migrate: some of these tables do not exist yet
    if db.vendor == "postgresql":
        new_token = "gen_random_uuid()::text"
        statements = [_POSTGRESQL_FUNCTION.format(table=version_table, token=new_token)]
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'config_rules_changed' AND c.relname = ANY(%s)",
                [tables],
            )
            present = {name for (name,) in cursor.fetchall()}
        statements += [
            f"CREATE TRIGGER config_rules_changed "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {db.ops.quote_name(table)} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION config_rules_changed()"
            for table in tables
            if table not in present
        ]
    elif db.vendor == "sqlite":
        new_token = "lower(hex(randomblob(16)))"
        statements = [
            f"CREATE TRIGGER IF NOT EXISTS config_rules_changed_{table}_{event.lower()} "
            f"AFTER {event} ON {db.ops.quote_name(table)} BEGIN "
            f"INSERT INTO {version_table} (id, token) VALUES (1, {new_token}) "
            f"ON CONFLICT (id) DO UPDATE SET token = excluded.token; END"
            for table in tables
            for event in ("INSERT", "UPDATE", "DELETE")
        ]
    else:
        return
    statements.append(
        f"INSERT INTO {version_table} (id, token) VALUES (1, {new_token}) "
        f"ON CONFLICT (id) DO UPDATE SET token = excluded.token"
    )
    with db.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall_triggers(schema_editor):
    """Drop the triggers (and PostgreSQL's function): unapplying the
    RulesVersion migration must not leave triggers writing to a table that
    is gone."""
    from django.apps import apps as global_apps

    db = schema_editor.connection
    tables = watched_tables(global_apps)
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            for table in tables:
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
                if cursor.fetchone()[0]:
                    schema_editor.execute(
                        f"DROP TRIGGER IF EXISTS config_rules_changed ON {db.ops.quote_name(table)}"
                    )
        schema_editor.execute("DROP FUNCTION IF EXISTS config_rules_changed()")
    elif db.vendor == "sqlite":
        for table in tables:
            for event in ("insert", "update", "delete"):
                name = f"config_rules_changed_{table}_{event}"
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION config_rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {table} (id, token) VALUES (1, {token})
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$
"""
