"""What the sale asks of PostgreSQL (points/sale_sql.py): one update of the
member row, and its statements parsed and planned once per connection, not
at every sale. (Members migration 0013 kept that update on the row's page,
HOT; migration 0020 indexed the balance, spend and last purchase for the
member list's sorts, which gave that up.)"""

import pytest
from django.db import connection

from loyalty.sale import record_purchase
from tests.factories import MemberFactory


def _xact_updates(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), "
            "pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            [table, table],
        )
        return cursor.fetchone()


@pytest.mark.postgres
def test_a_sale_updates_the_member_row_once(tiers):
    """The member list's sort indexes (members 0020) cover columns the sale
    sets, so the update is not HOT; it must still be one update per sale."""
    if connection.vendor != "postgresql":
        pytest.skip("HOT updates are PostgreSQL's")
    member = MemberFactory(tier=tiers["gold"])
    record_purchase(member=member, amount="100", idempotency_key="first")
    updated, _hot = _xact_updates("members_member")
    for number in range(3):
        record_purchase(member=member, amount="250", idempotency_key=f"sale-{number}")
    after_updated, _hot = _xact_updates("members_member")
    assert after_updated - updated == 3
    member.refresh_from_db()
    assert member.purchase_count == 4 and member.last_purchase_at is not None


@pytest.mark.postgres
def test_the_sale_statements_are_prepared_once_per_connection(tiers):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    member = MemberFactory(tier=tiers["gold"])
    for number in range(8):
        record_purchase(member=member, amount="300", idempotency_key=f"sale-{number}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(sql.startswith("WITH sale AS (INSERT") for sql in prepared), prepared
    assert any("FOR UPDATE" in sql and "idempotency_key" in sql for sql in prepared), prepared
    member.refresh_from_db()
    assert member.purchase_count == 8
