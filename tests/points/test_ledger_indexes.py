"""The ledger's links are indexed only where they are set (points migration
0007); the lookups by a link must still be able to use those indexes."""

import pytest
from django.db import connection

from points.models import LINKS_LOOKED_UP, LedgerEntry


@pytest.mark.postgres
@pytest.mark.parametrize("link", LINKS_LOOKED_UP)
def test_a_lookup_by_link_can_use_its_partial_index(db, link):
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    for lookup in ({link: 1}, {f"{link}__in": [1, 2]}):
        plan = LedgerEntry.objects.filter(**lookup).order_by().explain()
        assert f"ledger_{link}_idx" in plan, plan


def test_no_link_gets_a_full_index_back(db):
    # A new foreign key on the ledger indexes every row unless told otherwise;
    # each index costs every sale, refund and expiry (see migration 0007).
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, LedgerEntry._meta.db_table)
    names = {name for name, info in indexes.items() if info["index"] and not info["primary_key"]}
    names = {name for name in names if not name.startswith("sqlite_autoindex")}
    assert names - {"points_ledgerentry_idempotency_key_key"} == {
        "points_ledgerentry_created_at_9ba938a9",
        "ledger_member_time_idx",
        "ledger_open_lots_idx",
        "ledger_expiring_idx",
        *(f"ledger_{link}_idx" for link in LINKS_LOOKED_UP),
    }


@pytest.mark.postgres
def test_member_pages_keep_room_for_updates_in_place(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL table storage option")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'members_member'")
        (options,) = cursor.fetchone()
    assert "fillfactor=70" in (options or [])
