"""Every ratio the dashboard shows is a share of a whole (0 to 100 %), and
the tier preview answers its revenue question as the dashboard does."""

from datetime import timedelta
from decimal import Decimal

from config.clock import shop_day_start, shop_today
from demo.shop import load_demo_shop
from loyalty.sale import record_purchase
from points.refund import refund_purchase
from reports.periods import Period
from reports.selectors import dashboard_figures
from tests.clock import clock_at
from tests.factories import MemberFactory
from tiers.models import Tier
from tiers.selectors import ladder_preview


def _ratios(found):
    """(name, value) of every ratio on the page."""
    for row in found["distribution"].rows:
        yield f"share of members, {row.tier}", row.share
    for row in found["performance"]:
        for side in ("now", "before"):
            data = getattr(row, side)
            for name in ("active_ratio", "repurchase_rate", "revenue_share"):
                yield f"{name}, {row.tier or 'all'}, {side}", getattr(data, name)
    for row in found["sale_tiers"]:
        for side in ("now", "before"):
            yield (
                f"revenue share by the sale's tier, {row.tier}, {side}",
                getattr(row, side).revenue_share,
            )
    for side in ("now", "before"):
        yield f"redemption rate, {side}", getattr(found["flow"], side).redemption_rate


def test_every_ratio_on_the_demo_dashboard_is_within_0_and_100_percent(db):
    load_demo_shop(members=40)
    period = Period.default()
    checked = 0
    for tier in [None, *Tier.objects.all()]:
        for name, value in _ratios(dashboard_figures(period=period, tier=tier)):
            assert value is None or 0 <= value <= 1, (str(tier), name, value)
            checked += value is not None
    assert checked > 40


def _sale(member, moment, amount, key):
    with clock_at(moment):
        return record_purchase(
            member=member, amount=Decimal(amount), idempotency_key=key, at=moment
        )


def test_the_tier_preview_and_the_dashboard_agree_on_the_same_window(tiers):
    """Both group members by the tier they hold today over the qualifying
    window: the same members' shares and the same revenue shares. A sale
    before the window counts in neither; a refund inside it in both."""
    today = shop_today()
    noon = shop_day_start(today - timedelta(days=20)) + timedelta(hours=12)
    silver = MemberFactory(tier=tiers["silver"])
    gold = MemberFactory(tier=tiers["gold"])
    plain = MemberFactory(tier=tiers["member"])
    MemberFactory(tier=tiers["member"])
    _sale(plain, shop_day_start(today - timedelta(days=500)), "9000", "long-ago")
    _sale(plain, noon, "300", "plain")
    _sale(silver, noon, "1000", "silver")
    refunded = _sale(gold, noon, "2000", "gold")
    with clock_at(noon + timedelta(days=3)):
        refund_purchase(purchase=refunded, amount=Decimal("500"), idempotency_key="back")

    preview = ladder_preview(list(Tier.objects.active()))
    window = preview.window
    found = dashboard_figures(period=Period(window.first_day, window.last_day))
    by_tier = {row.tier.pk: row.now for row in found["performance"] if row.tier}
    pyramid = {row.tier.pk: row.share for row in found["distribution"].rows}
    for row in preview.rows:
        assert row.today_revenue_share == 100 * by_tier[row.tier.pk].revenue_share, row.tier
        assert row.today_share == 100 * pyramid[row.tier.pk], row.tier
    assert by_tier[tiers["gold"].pk].revenue == refunded.amount_paid - 500
