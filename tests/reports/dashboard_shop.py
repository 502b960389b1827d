"""A small shop with known figures for the dashboard tests.

Period under test: 2026-01-01 .. 2026-03-31 (90 days); the previous period
is 2025-10-03 .. 2025-12-31. Members (current tier, joined):
  A member 2025-06-01, B member 2025-06-01, C silver 2025-06-01,
  D gold 2025-06-01, E member 2026-02-15, F member 2026-05-01.
Refunds: 100 of A's sale of 2026-02-10, on 2026-02-15; 30 of A's sale of
2025-12-31 (the previous period), on 2026-01-15 (this period).
The figures each test expects are worked out by hand in its docstring.
"""

from datetime import date, timedelta
from decimal import Decimal

from config.clock import shop_day_start
from points.models import Refund
from reports.periods import Period
from tests.factories import LedgerEntryFactory, MemberFactory, PurchaseFactory

PERIOD = Period(date(2026, 1, 1), date(2026, 3, 31))


def at(day: date, hour=12, minute=0):
    """A moment on a shop-local day."""
    return shop_day_start(day) + timedelta(hours=hour, minutes=minute)


def build_shop(tiers):
    member, silver, gold = tiers["member"], tiers["silver"], tiers["gold"]
    joined = date(2025, 6, 1)
    m = {
        "A": MemberFactory(tier=member, joined_on=joined, points_balance=350),
        "B": MemberFactory(tier=member, joined_on=joined, points_balance=60),
        "C": MemberFactory(tier=silver, joined_on=joined, points_balance=500),
        "D": MemberFactory(tier=gold, joined_on=joined, points_balance=350),
        "E": MemberFactory(tier=member, joined_on=date(2026, 2, 15)),
        "F": MemberFactory(tier=member, joined_on=date(2026, 5, 1)),
    }

    def sale(who, day, paid, tier, hour=12, minute=0):
        return PurchaseFactory(
            member=m[who],
            tier=tier,
            created_at=at(day, hour, minute),
            amount_paid=Decimal(paid),
        )

    def refund(purchase, day, amount):
        """A refund row as refund_purchase leaves it (its points in the ledger below)."""
        Refund.objects.create(
            purchase=purchase,
            idempotency_key=f"test-refund-{purchase.pk}-{day}",
            created_at=at(day),
            amount=Decimal(amount),
        )
        purchase.refunded_amount += Decimal(amount)
        purchase.save(update_fields=["refunded_amount"])

    # This period.
    sale("A", date(2026, 1, 10), "100", member)
    refund(sale("A", date(2026, 2, 10), "300", member), date(2026, 2, 15), "100")
    sale("B", date(2026, 3, 31), "200", member, hour=23, minute=30)
    sale("C", date(2026, 1, 5), "50", member)  # before C's upgrade to silver
    sale("C", date(2026, 3, 1), "500", silver)
    # After it (the first minutes of the next day) and before it.
    sale("B", date(2026, 4, 1), "999", member, hour=0, minute=10)
    december = sale("A", date(2025, 12, 31), "80", member, hour=23, minute=50)
    refund(december, date(2026, 1, 15), "30")  # counts in January, not December
    sale("D", date(2025, 11, 1), "1000", gold)
    sale("D", date(2025, 11, 20), "500", gold)
    # Long before both periods.
    sale("D", date(2025, 7, 1), "7000", gold)

    def entry(who, day, kind, points):
        LedgerEntryFactory(member=m[who], kind=kind, points=points, created_at=at(day))

    entry("D", date(2025, 1, 1), "opening_balance", 500)
    entry("A", date(2025, 12, 20), "purchase_earn", 100)
    entry("A", date(2026, 1, 10), "purchase_earn", 100)
    entry("A", date(2026, 1, 20), "redeem_cash", -50)
    entry("A", date(2026, 1, 25), "refund_reversal", 20)  # a refund gave back points it used
    entry("A", date(2026, 2, 10), "purchase_earn", 300)
    entry("B", date(2026, 2, 10), "behaviour_earn", 20)
    entry("A", date(2026, 2, 15), "refund_reversal", -100)
    entry("C", date(2026, 3, 1), "purchase_earn", 500)
    entry("D", date(2026, 3, 1), "expiry", -200)
    entry("C", date(2026, 3, 5), "reward_redeem", -300)
    entry("C", date(2026, 3, 6), "reward_cancel", 300)
    entry("D", date(2026, 3, 10), "adjustment", 50)
    entry("B", date(2026, 4, 10), "purchase_earn", 40)

    m["A"].last_purchase_at = at(date(2026, 2, 10))
    m["B"].last_purchase_at = at(date(2026, 4, 1), 0, 10)
    m["C"].last_purchase_at = at(date(2026, 3, 1))
    m["D"].last_purchase_at = at(date(2025, 11, 20))
    for who in "ABCD":
        m[who].save(update_fields=["last_purchase_at"])
    return m
