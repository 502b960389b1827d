from decimal import Decimal

import pytest
from django.core.management import call_command

from config.errors import LoyaltyError
from loyalty.sale import record_purchase
from points.behaviour import adjust_points
from points.models import LedgerEntry
from points.refund import refund_purchase
from tests.factories import MemberFactory, give_points, programme_rules


@pytest.fixture
def member(tiers):
    return MemberFactory(tier=tiers["member"])  # 5 % off, multiplier 1


def balance(member):
    member.refresh_from_db()
    return member.points_balance


def test_full_refund_reverses_earned_and_returns_redeemed_points(member):
    give_points(member, 1000)
    sale = record_purchase(
        member=member, amount=Decimal("1000"), points_to_redeem=400, idempotency_key="s"
    )
    assert balance(member) == 1000 - 400 + 750
    refund = refund_purchase(purchase=sale, idempotency_key="r")
    assert refund.amount == Decimal("750.00")
    assert (refund.points_returned, refund.points_reversed, refund.points_shortfall) == (
        400,
        750,
        0,
    )
    assert balance(member) == 1000
    member.refresh_from_db()
    assert member.lifetime_spend == Decimal("0")
    call_command("check_ledger")


def test_returned_points_go_back_to_the_lots_they_came_from(member):
    lot = give_points(member, 500)
    sale = record_purchase(
        member=member, amount=Decimal("1000"), points_to_redeem=300, idempotency_key="s"
    )
    lot.refresh_from_db()
    assert lot.remaining == 200
    refund_purchase(purchase=sale, idempotency_key="r")
    lot.refresh_from_db()
    assert lot.remaining == 500


def test_partial_refund_after_earned_points_were_spent_stops_at_zero(member, owner):
    sale = record_purchase(member=member, amount=Decimal("1000"), idempotency_key="s")  # 950
    adjust_points(member=member, points=-900, reason="spent", idempotency_key="a", by=owner)
    assert balance(member) == 50
    # Refund half of what was paid: 475 of the 950 earned points are owed back.
    refund = refund_purchase(purchase=sale, amount=Decimal("475"), idempotency_key="r")
    assert refund.points_reversed == 50
    assert refund.points_shortfall == 425
    assert balance(member) == 0
    sale.refresh_from_db()
    assert sale.refunded_amount == Decimal("475.00")
    call_command("check_ledger")


def test_partial_refunds_add_up_to_the_sale(member):
    give_points(member, 1000)
    sale = record_purchase(
        member=member, amount=Decimal("1000"), points_to_redeem=333, idempotency_key="s"
    )
    paid = sale.amount_paid
    refunds = [
        refund_purchase(purchase=sale, amount=Decimal("100.01"), idempotency_key="r1"),
        refund_purchase(purchase=sale, amount=Decimal("250"), idempotency_key="r2"),
        refund_purchase(purchase=sale, idempotency_key="r3"),
    ]
    assert sum(r.amount for r in refunds) == paid
    assert sum(r.points_returned for r in refunds) == 333
    assert sum(r.points_reversed for r in refunds) == sale.points_earned
    assert balance(member) == 1000
    call_command("check_ledger")


def test_refund_prefers_the_sales_own_points(member):
    old = give_points(member, 100)
    sale = record_purchase(member=member, amount=Decimal("100"), idempotency_key="s")  # 95
    refund_purchase(purchase=sale, idempotency_key="r")
    old.refresh_from_db()
    assert old.remaining == 100
    assert sale.ledger_entries.get(kind="purchase_earn").remaining == 0


def test_refunding_more_than_is_left_is_refused(member):
    sale = record_purchase(member=member, amount=Decimal("100"), idempotency_key="s")
    refund_purchase(purchase=sale, amount=Decimal("90"), idempotency_key="r1")
    with pytest.raises(LoyaltyError) as error:
        refund_purchase(purchase=sale, amount=Decimal("10"), idempotency_key="r2")
    assert error.value.code == "over_refund"
    refund_purchase(purchase=sale, idempotency_key="r3")
    with pytest.raises(LoyaltyError) as error:
        refund_purchase(purchase=sale, idempotency_key="r4")
    assert error.value.code == "already_refunded"


def test_same_refund_key_changes_nothing_and_other_figures_are_refused(member):
    sale = record_purchase(member=member, amount=Decimal("100"), idempotency_key="s")
    first = refund_purchase(purchase=sale, amount=Decimal("50"), idempotency_key="r")
    again = refund_purchase(purchase=sale, amount=Decimal("50"), idempotency_key="r")
    assert again.pk == first.pk
    assert LedgerEntry.objects.filter(kind="refund_reversal").count() == 1
    with pytest.raises(LoyaltyError) as error:
        refund_purchase(purchase=sale, amount=Decimal("20"), idempotency_key="r")
    assert error.value.code == "idempotency_conflict"


def _points_only_sale(member):
    programme_rules(max_bill_share=100)
    give_points(member, 1000)
    sale = record_purchase(
        member=member, amount=Decimal("100"), points_to_redeem=190, idempotency_key="s"
    )
    assert sale.amount_paid == Decimal("0.00")
    return sale


def test_a_sale_paid_entirely_with_points_refunds_its_points(member):
    sale = _points_only_sale(member)
    lots_before = {
        lot.pk: lot.expires_on for lot in LedgerEntry.objects.filter(member=member, points__gt=0)
    }
    assert balance(member) == 1000 - 190
    refund = refund_purchase(purchase=sale, idempotency_key="r")
    assert refund.amount == Decimal("0")
    assert (refund.points_returned, refund.points_reversed, refund.points_shortfall) == (190, 0, 0)
    assert balance(member) == 1000
    # The points went back to the lots they came from, which keep their expiry dates.
    lots_after = {
        lot.pk: lot.expires_on
        for lot in LedgerEntry.objects.filter(member=member, points__gt=0)
        if lot.kind != "refund_reversal"
    }
    assert lots_after == lots_before
    member.refresh_from_db()
    assert member.lifetime_spend == Decimal("0")
    call_command("check_ledger")


def test_a_points_only_sale_refunds_once(member):
    sale = _points_only_sale(member)
    refund_purchase(purchase=sale, idempotency_key="r")
    assert refund_purchase(purchase=sale, idempotency_key="r").amount == 0  # a replay
    with pytest.raises(LoyaltyError) as error:
        refund_purchase(purchase=sale, idempotency_key="r2")
    assert error.value.code == "already_refunded"
    assert balance(member) == 1000


def test_a_points_only_sale_refunds_no_money(member):
    sale = _points_only_sale(member)
    for amount in (Decimal("10"), "ten"):
        with pytest.raises(LoyaltyError) as error:
            refund_purchase(purchase=sale, amount=amount, idempotency_key=f"r-{amount}")
        assert error.value.code == "points_only"
    assert balance(member) == 1000 - 190


def test_a_refund_dated_in_the_past_dates_its_entries_then_but_never_before_its_sale(member):
    from datetime import timedelta

    from django.utils import timezone

    sold_at = timezone.now() - timedelta(days=40)
    give_points(member, 500)
    sale = record_purchase(
        member=member,
        amount=Decimal("1000"),
        points_to_redeem=200,
        idempotency_key="s",
        at=sold_at,
    )
    later = sold_at + timedelta(hours=2)
    refund = refund_purchase(purchase=sale, idempotency_key="r", at=later)
    assert refund.created_at == later
    entries = LedgerEntry.objects.filter(refund=refund)
    assert entries.count() == 2  # the used points back, the earned taken
    assert {entry.created_at for entry in entries} == {later}
    early = record_purchase(member=member, amount=Decimal("100"), idempotency_key="s2", at=sold_at)
    # A moment before the sale itself is not a time it could be refunded.
    back = refund_purchase(purchase=early, idempotency_key="r2", at=sold_at - timedelta(days=1))
    assert back.created_at == sold_at
    call_command("check_ledger")
