"""Tier figures count a refund in the period it was made, as the dashboard
and accounting do, whichever period its sale was made in."""

from datetime import timedelta
from decimal import Decimal

from config.clock import shop_today
from points.models import Purchase, Refund
from points.refund import refund_purchase
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers import rules
from tiers.progress import member_figures


def _both_ways(member, as_of, ladder):
    """The engine's SQL figures and the ORM expressions' figures, which must agree."""
    figures, window = member_figures(member, as_of=as_of, ladder=ladder)
    expressions = rules.figure_expressions(window, {"lifetime_spend", "window_spend"})
    row = type(member).objects.filter(pk=member.pk).annotate(**expressions).values(*expressions)
    orm = {name[2:]: value for name, value in row.get().items()}
    return figures, orm


def test_a_refund_lowers_the_window_it_was_made_in(salon):
    member = MemberFactory()
    today = shop_today()
    buy(member, "1000", at(today - timedelta(days=400)), evaluate=False)  # before the window
    buy(member, "2000", at(today - timedelta(days=20)), evaluate=False)
    old_sale = Purchase.objects.get(member=member, amount_paid=Decimal("1000"))
    refund = refund_purchase(
        purchase=old_sale, amount=Decimal("300"), idempotency_key="old-sale-refund"
    )
    Refund.objects.filter(pk=refund.pk).update(created_at=at(today - timedelta(days=10)))
    ladder = list(salon.values())

    figures, orm = _both_ways(member, today, ladder)
    # The old sale is outside the window, its refund inside: the window pays it back.
    assert figures["window_spend"] == orm["window_spend"] == Decimal("1700")
    assert figures["lifetime_spend"] == orm["lifetime_spend"] == Decimal("2700")

    # Seen from before the refund was made, nothing was refunded yet.
    figures, orm = _both_ways(member, today - timedelta(days=15), ladder)
    assert figures["window_spend"] == orm["window_spend"] == Decimal("2000")
    assert figures["lifetime_spend"] == orm["lifetime_spend"] == Decimal("3000")
