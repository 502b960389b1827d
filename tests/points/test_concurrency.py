"""Two cashiers at once: row locks must neither double-spend nor double-record."""

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections

from config.errors import LoyaltyError
from loyalty.sale import record_purchase
from points.models import LedgerEntry, Purchase
from tests.factories import MemberFactory, TierFactory, give_points, programme_rules

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(count, work):
    """Run work(i) in `count` threads released together; return results or errors."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # collected and asserted on by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def member():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    programme_rules(earn_points=0)  # no earning, so only the 1,000 points are spent
    buyer = MemberFactory(tier=TierFactory(rank=1))
    give_points(buyer, 1000)
    return buyer


def test_sixteen_cashiers_redeeming_100_each_from_1000_points(member):
    results = run_at_once(
        16,
        lambda i: record_purchase(
            member=member, amount=Decimal("500"), points_to_redeem=100, idempotency_key=f"t{i}"
        ),
    )
    sales = [r for r in results if isinstance(r, Purchase)]
    refused = [r for r in results if isinstance(r, LoyaltyError)]
    assert len(sales) == 10
    assert len(refused) == 6
    assert {error.code for error in refused} == {"insufficient_points"}
    member.refresh_from_db()
    assert member.points_balance == 0
    assert member.purchase_count == 10
    assert LedgerEntry.objects.filter(kind="redeem_cash").count() == 10
    call_command("check_ledger")


def test_one_key_from_eight_threads_records_one_sale(member):
    results = run_at_once(
        8,
        lambda i: record_purchase(
            member=member, amount=Decimal("500"), points_to_redeem=100, idempotency_key="same"
        ),
    )
    assert all(isinstance(r, Purchase) for r in results), results
    assert {r.pk for r in results} == {Purchase.objects.get().pk}
    member.refresh_from_db()
    assert member.points_balance == 900
    assert member.purchase_count == 1
    call_command("check_ledger")
