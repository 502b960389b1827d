"""The owner's rules as a sale reads them, kept in memory between requests.

Every sale and every counter request read the same few rows: the programme
rules, the tier ladder, the tier programme, the lifecycle day counts, the
campaigns and how they stack. They change a few times a year, so each
process keeps one copy, the Rulebook, and reuses it while the database says
the rules have not changed since.

How a process knows: RulesVersion holds a token that database triggers
replace in the same transaction as any INSERT, UPDATE, DELETE (or TRUNCATE)
on a table read here, whoever writes it: a service, the admin, a shell, a
migration. A reader compares the token with its copy's (the sale reads it
with the member row it locks, at no extra query) and reloads on any
difference. So a change is seen by the first sale that starts after it
commits, in every process, exactly as when each sale read the rows itself.

The Rulebook's objects are shared by every request of the process: read
them, never change or save them.
"""

from dataclasses import dataclass, field
from datetime import date

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
)
WATCHED_M2M = (("campaigns", "Campaign", "tiers"),)


@dataclass(frozen=True)
class Rulebook:
    version: str | None
    programme: object  # points.ProgrammeRules
    tiers: dict  # every tier by id: a member may still hold an inactive one
    ladder: list  # the active tiers by rank
    tier_programme: object  # tiers.TierProgramme
    lifecycle: object  # members.LifecycleRules
    stacking: str  # campaigns.CampaignSettings.stacking
    campaigns: list = field(default_factory=list)  # active ones, tiers prefetched, by priority

    def campaigns_on(self, day: date) -> list:
        """Active campaigns whose window holds `day` and whose schedule picks
        it, highest priority first."""
        return [campaign for campaign in self.campaigns if campaign.runs_on(day)]


_UNREAD = object()
_copy: Rulebook | None = None


def rules_version() -> str | None:
    """The token of the rules now (None before any trigger has written one)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {_table()} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def version_subquery_sql() -> str:
    """SQL reading the token inside another query's select list."""
    return f"(SELECT token FROM {_table()} WHERE id = 1)"


def current_rulebook(version=_UNREAD) -> Rulebook:
    """The rules now. `version`: the token the caller has just read with a
    query of its own (None: no token yet); read here when not given."""
    global _copy
    if version is _UNREAD:
        version = rules_version()
    copy = _copy
    if version is not None and copy is not None and copy.version == version:
        return copy
    book = _load(version)
    # Kept only when no change committed while it loaded: then every row
    # above belongs to `version` (tokens never come back, see RulesVersion).
    if version is not None and rules_version() == version:
        _copy = book
    return book


def forget_rulebook():
    """Drop this process's copy (the next reader loads the rules again)."""
    global _copy
    _copy = None


def _load(version) -> Rulebook:
    from campaigns.models import Campaign, CampaignSettings
    from members.models import LifecycleRules
    from points.models import ProgrammeRules
    from tiers.models import Tier, TierProgramme

    tiers = {tier.pk: tier for tier in Tier.objects.order_by("rank", "id")}
    campaigns = (
        Campaign.objects.filter(is_active=True)
        .prefetch_related("tiers")
        .order_by("-priority", "id")
    )
    return Rulebook(
        version=version,
        programme=_row(ProgrammeRules),
        tiers=tiers,
        ladder=[tier for tier in tiers.values() if tier.is_active],
        tier_programme=_row(TierProgramme),
        lifecycle=_row(LifecycleRules),
        stacking=_row(CampaignSettings).stacking,
        campaigns=list(campaigns),
    )


def _row(model):
    """A one-row settings model's row, or its defaults while it has none
    (reading never writes: a write would change the version being loaded)."""
    return model.objects.filter(pk=1).first() or model(pk=1)


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
