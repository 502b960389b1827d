"""Fewer indexes on the members table: every sale, import row and expiry
updates it, and each index costs every write (18 of them at 1M members).

Dropped: the tier and created_by foreign-key indexes (member_tier_status_idx
leads with tier; nobody searches by creator), name_key's btree and its LIKE
twin (member_name_birthday_idx and the trigram index cover every search), and
the varchar_pattern_ops twins Django adds on PostgreSQL beside unique or
indexed CharFields (phone, member number, phone_tail): nothing here matches a
prefix with LIKE. DROP INDEX IF EXISTS is a no-op on SQLite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0008_search_indexes'),
        ('tiers', '0004_history_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(
            [
                "DROP INDEX IF EXISTS members_member_phone_2f3e23db_like",
                "DROP INDEX IF EXISTS members_member_member_number_a895ad8a_like",
                "DROP INDEX IF EXISTS members_member_phone_tail_9ed5c9e9_like",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='member',
            name='created_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='member',
            name='name_key',
            field=models.CharField(editable=False, max_length=100),
        ),
        migrations.AlterField(
            model_name='member',
            name='tier',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='members', to='tiers.tier', verbose_name='tier'),
        ),
    ]
