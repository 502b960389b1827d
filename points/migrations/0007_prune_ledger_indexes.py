"""Fewer index entries per ledger write: every sale, refund and expiry
inserts entries and changes lots, and a lot's change (remaining) moves the
row, so each index of the table takes a new entry every time (15 indexes; a
year-end expiry at 1M members wrote ~10 GB of WAL, mostly index pages).

Dropped, as no query reads through them:
- the idempotency key's varchar_pattern_ops twin (PostgreSQL adds it beside
  unique CharFields; nothing matches a key prefix with LIKE);
- member: ledger_member_time_idx leads with the member and serves every
  lookup by member (ledger page, balance checks, merges, open lots' scan);
- refund and by: no query looks entries up by refund or by staff user (only
  deleting a user would scan for `by`, once; refunds are never deleted).

Made partial (WHERE the link IS NOT NULL), as most entries leave them empty
and every expiry entry leaves them all empty: purchase, reward_redemption,
reverses, behaviour_rule, campaign. The lookups (`= %s`, `IN (...)`) imply
the link is set, so the partial indexes serve them.

PostgreSQL builds the partial indexes CONCURRENTLY before dropping the old
ones (CONCURRENTLY too), so a live shop keeps selling; SQLite takes the same
statements without CONCURRENTLY. Both name Django's indexes alike.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LINKS = ("purchase", "reward_redemption", "reverses", "behaviour_rule", "campaign")
# {index name: what it indexes}
OLD = {
    "points_ledgerentry_idempotency_key_2302ac48_like": "(idempotency_key varchar_pattern_ops)",
    "points_ledgerentry_member_id_c9f91564": "(member_id)",
    "points_ledgerentry_purchase_id_6cdc7079": "(purchase_id)",
    "points_ledgerentry_refund_id_2e2293bd": "(refund_id)",
    "points_ledgerentry_reward_redemption_id_34fec446": "(reward_redemption_id)",
    "points_ledgerentry_reverses_id_ae35dcb3": "(reverses_id)",
    "points_ledgerentry_behaviour_rule_id_1f32bc16": "(behaviour_rule_id)",
    "points_ledgerentry_campaign_id_3653e1ac": "(campaign_id)",
    "points_ledgerentry_by_id_db9c1e6f": "(by_id)",
}
NEW = {f"ledger_{link}_idx": f"({link}_id) WHERE {link}_id IS NOT NULL" for link in LINKS}


def _concurrently(schema_editor):
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def _create(schema_editor, indexes):
    on_postgres = schema_editor.connection.vendor == "postgresql"
    for name, target in indexes.items():
        if "varchar_pattern_ops" in target and not on_postgres:
            continue
        schema_editor.execute(
            f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {name} "
            f"ON points_ledgerentry {target}"
        )


def _drop(schema_editor, names):
    for name in names:
        schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {name}")


def forwards(apps, schema_editor):
    _create(schema_editor, NEW)
    _drop(schema_editor, OLD)


def backwards(apps, schema_editor):
    _create(schema_editor, OLD)
    _drop(schema_editor, NEW)


def _unindexed(**field):
    return models.ForeignKey(blank=True, null=True, db_index=False, **field)


PROTECT = django.db.models.deletion.PROTECT

STATE = [
    migrations.AlterField(
        model_name="ledgerentry",
        name="member",
        field=models.ForeignKey(
            db_index=False,
            on_delete=PROTECT,
            related_name="ledger_entries",
            to="members.member",
        ),
    ),
    migrations.AlterField(
        model_name="ledgerentry",
        name="purchase",
        field=_unindexed(on_delete=PROTECT, related_name="ledger_entries", to="points.purchase"),
    ),
    migrations.AlterField(
        model_name="ledgerentry",
        name="refund",
        field=_unindexed(on_delete=PROTECT, related_name="ledger_entries", to="points.refund"),
    ),
    migrations.AlterField(
        model_name="ledgerentry",
        name="reward_redemption",
        field=_unindexed(
            on_delete=PROTECT, related_name="ledger_entries", to="rewards.rewardredemption"
        ),
    ),
    migrations.AlterField(
        model_name="ledgerentry",
        name="reverses",
        field=_unindexed(
            on_delete=PROTECT,
            related_name="reversals",
            to="points.ledgerentry",
            verbose_name="gives back",
        ),
    ),
    migrations.AlterField(
        model_name="ledgerentry",
        name="behaviour_rule",
        field=_unindexed(
            on_delete=PROTECT,
            related_name="entries",
            to="points.behaviourrule",
            verbose_name="behaviour reward",
        ),
    ),
    migrations.AlterField(
        model_name="ledgerentry",
        name="campaign",
        field=_unindexed(
            on_delete=PROTECT,
            related_name="ledger_entries",
            to="campaigns.campaign",
            verbose_name="campaign",
        ),
    ),
    migrations.AlterField(
        model_name="ledgerentry",
        name="by",
        field=_unindexed(
            on_delete=django.db.models.deletion.SET_NULL,
            related_name="+",
            to=settings.AUTH_USER_MODEL,
            verbose_name="staff",
        ),
    ),
    *(
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q((f"{link}__isnull", False)),
                fields=[link],
                name=f"ledger_{link}_idx",
            ),
        )
        for link in LINKS
    ),
]


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("points", "0006_dashboard_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
            state_operations=STATE,
        )
    ]
