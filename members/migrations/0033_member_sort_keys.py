"""The member list's sort keys move to a narrow table kept by triggers.

Migration 0032's indexes (tier_id, balance | spend | last purchase, id) on
members_member held columns every sale changes, so a sale's update of the
member row could not be HOT and wrote an entry in each of the table's
thirteen indexes: at a million members record_purchase fell to 17 % of
pgbench (issue 24 asks 20 %). MemberSortKeys holds those keys with the same
indexes; members.sort_keys' triggers copy them from every write to
members_member. The triggers are made, and the rows copied, in this
migration's transaction: on PostgreSQL CREATE TRIGGER holds off every write
to members_member until it commits, so no sale falls between the copy and
the triggers. Migration 0034 drops 0032's indexes.
"""

import django.db.models.deletion
from django.db import migrations, models

# The module the app installs after every migrate: one copy of the SQL.
from members.sort_keys import install_triggers, uninstall_triggers


def make_triggers_and_copy(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Read one page of a tier at a time. The list's query filters the
        # tier on both tables, which the planner takes for two independent
        # filters: it expected a few thousand of a tier's 66,000 rows to
        # match and started parallel workers (10 ms) to find 50 rows.
        schema_editor.execute("ALTER TABLE members_membersortkeys SET (parallel_workers = 0)")
    install_triggers(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0032_member_list_sort_indexes_by_tier"),
        ("tiers", "0005_rules_applied_now"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberSortKeys",
            fields=[
                (
                    "member",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="sort_keys",
                        serialize=False,
                        to="members.member",
                    ),
                ),
                ("points_balance", models.IntegerField()),
                ("lifetime_spend", models.DecimalField(decimal_places=2, max_digits=14)),
                ("last_purchase_at", models.DateTimeField()),
                (
                    "tier",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tiers.tier",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["tier", "points_balance", "member"],
                        name="member_sort_balance_idx",
                    ),
                    models.Index(
                        fields=["tier", "lifetime_spend", "member"], name="member_sort_spend_idx"
                    ),
                    models.Index(
                        fields=["tier", "last_purchase_at", "member"],
                        name="member_sort_last_purchase_idx",
                    ),
                ],
            },
        ),
        migrations.RunPython(make_triggers_and_copy, uninstall_triggers, elidable=False),
    ]
