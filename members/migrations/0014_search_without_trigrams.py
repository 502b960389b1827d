"""Member search without the two trigram indexes; the referrer indexed only where set.

An import writes every index of the members table once per new member, and
the trigram GIN indexes of 0008 were the dearest of them: a phone holds a
dozen trigrams and a name nearly as many, each an entry of its own. Both
searches are now served by cheaper indexes the table already has:

- part of a name: the name-pairs index of 0011, asked for all of the typed
  key's two-character pieces (`陈美玲` → `{陈美, 美玲}`) and rechecked with
  LIKE, as a trigram index is rechecked;
- the last 3 to 9 digits of a phone: the phone_tail index (3 digits are ten
  possible tails; 5 to 9 digits name one tail, and the rest is rechecked).

On the 1M-member bench data the import's PostgreSQL CPU per 200,000 new
members went from 9.0 to 7.3 s, and the lookups stay within their targets
(bench/README.md).

Most members were referred by nobody, so the referrer's index keeps only
the members who were: the same lookups (a member's referrals, the foreign
key's checks) with no entry written for the others.

Dropped CONCURRENTLY, so a live shop keeps selling; put back the same way
when migrating backwards.
"""

from django.db import migrations, models

TRIGRAM_INDEXES = {
    "member_name_key_trgm": "name_key",
    "member_phone_trgm": "phone",
}


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON members_member USING gin ({column} gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("members", "0013_drop_last_purchase_index")]

    operations = [
        migrations.RunPython(drop_trigram_indexes, create_trigram_indexes, elidable=False),
        migrations.AlterField(
            model_name="member",
            name="referred_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="referrals",
                to="members.member",
                verbose_name="referred by",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                condition=models.Q(referred_by__isnull=False),
                fields=["referred_by"],
                name="member_referred_by_idx",
            ),
        ),
    ]
