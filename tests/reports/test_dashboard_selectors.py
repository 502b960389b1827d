from datetime import date
from decimal import Decimal

import pytest

from config.clock import shop_today
from loyalty.sale import record_purchase
from points.behaviour import adjust_points
from points.models import ProgrammeRules
from points.refund import refund_purchase
from reports.campaign_figures import campaign_figures
from reports.member_figures import lifecycle_counts
from reports.periods import Period
from reports.points_figures import points_flow
from reports.tier_figures import (
    revenue_by_sale_tier,
    tier_distribution,
    tier_movements,
    tier_performance,
)
from tests.clock import clock_at
from tests.factories import MemberFactory, PurchaseFactory, TierFactory, programme_rules
from tests.reports.dashboard_shop import PERIOD, at, build_shop

EMPTY = Period(date(2020, 1, 1), date(2020, 3, 31))


@pytest.fixture
def shop(tiers):
    return build_shop(tiers)


def _rows(performance):
    return {row.tier.name if row.tier else "all": row for row in performance}


def test_default_period_is_this_month_and_the_eleven_before():
    period = Period.default(today=date(2026, 11, 23))
    assert (period.start, period.end) == (date(2025, 12, 1), date(2026, 11, 23))
    assert len(period.months()) == 12


def test_previous_period_has_the_same_length_and_ends_the_day_before():
    assert PERIOD.days == 90
    assert PERIOD.previous == Period(date(2025, 10, 3), date(2025, 12, 31))


def test_tier_distribution_counts_shares_and_flags_drifted_bands(shop):
    """Member 4 of 6 (66.7 %, base 60-70: fine), Silver 1 (16.7 %, middle
    20-30: below), Gold 1 (16.7 %, top 5-10: above)."""
    distribution = tier_distribution()
    assert distribution.total == 6
    assert [(r.tier.name, r.members, r.group) for r in distribution.rows] == [
        ("Gold", 1, "top"),
        ("Silver", 1, "middle"),
        ("Member", 4, "base"),
    ]
    assert distribution.rows[2].share == Decimal(4) / 6
    statuses = {band.group: band.status for band in distribution.bands}
    assert statuses == {"top": "above", "middle": "below", "base": "within"}
    assert [band.group for band in distribution.warnings] == ["top", "middle"]


def test_middle_band_covers_all_the_tiers_between_top_and_base(tiers):
    TierFactory(rank=4, name="Black Gold")
    for tier, n in ((tiers["member"], 13), (tiers["silver"], 3), (tiers["gold"], 3)):
        MemberFactory.create_batch(n, tier=tier)
    MemberFactory(tier=tiers["gold"].__class__.objects.get(rank=4))
    distribution = tier_distribution()
    middle = next(band for band in distribution.bands if band.group == "middle")
    assert [t.name for t in middle.tiers] == ["Gold", "Silver"]
    assert middle.members == 6 and middle.share == Decimal(6) / 20
    assert middle.status == "within"


def test_tier_distribution_of_an_empty_programme_has_no_shares(tiers):
    distribution = tier_distribution()
    assert distribution.total == 0
    assert all(row.share is None for row in distribution.rows)
    assert distribution.warnings == []


def test_tier_performance_this_period(shop):
    """Grouped by the tier held today. Member tier: A, B and E had joined by
    the end (F joined after) = 3 members; buyers A (2 sales: 100 + 300, less
    the refunds made in the period: 100 of the February sale and 30 of the
    December one) and B (1, 200): 2 buyers, 1 repeat, 3 sales, 470.
    Silver: C (2 sales, 50 bought before the upgrade + 500) of 1 member.
    Gold: no sale, 1 member. Programme: 3 buyers, 2 repeat, 5 sales, 1,020
    of 5 members."""
    rows = _rows(tier_performance(period=PERIOD))
    assert list(rows) == ["Gold", "Silver", "Member", "all"]
    member = rows["Member"].now
    assert (member.members, member.buyers, member.repeat_buyers, member.purchases) == (3, 2, 1, 3)
    assert member.revenue == Decimal("470.00")
    assert member.active_ratio == Decimal(2) / 3
    assert member.frequency == Decimal("1.5")
    assert member.average_order == Decimal("156.67")
    assert member.repurchase_rate == Decimal("0.5")
    assert member.revenue_share == Decimal(470) / 1020
    silver = rows["Silver"].now
    assert (silver.members, silver.buyers, silver.purchases) == (1, 1, 2)
    assert (silver.active_ratio, silver.frequency, silver.average_order) == (1, 2, Decimal("275"))
    assert silver.repurchase_rate == 1
    gold = rows["Gold"].now
    assert (gold.members, gold.active_ratio, gold.revenue_share) == (1, 0, 0)
    assert (gold.frequency, gold.average_order, gold.repurchase_rate) == (None, None, None)
    everyone = rows["all"].now
    assert (everyone.members, everyone.buyers, everyone.repeat_buyers) == (5, 3, 2)
    assert (everyone.purchases, everyone.revenue) == (5, Decimal("1020.00"))
    assert everyone.active_ratio == Decimal("0.6")
    assert everyone.average_order == Decimal("204.00")
    assert everyone.revenue_share == 1


def test_tier_performance_previous_period_and_change(shop):
    """Before: Member tier A (1 sale, 80: its refund came in January) of 2
    members (E had not joined); Silver nothing; Gold D (2 sales, 1,500).
    Programme 2 buyers, 1 repeat, 3 sales, 1,580 of 4 members."""
    rows = _rows(tier_performance(period=PERIOD))
    member = rows["Member"]
    assert (member.before.members, member.before.buyers, member.before.revenue) == (
        2,
        1,
        Decimal("80.00"),
    )
    assert member.active_ratio_change == Decimal(2) / 3 - Decimal("0.5")
    assert member.frequency_change == Decimal("0.5")  # 1.5 against 1
    assert member.average_order_change == Decimal("0.958375")  # 156.67 against 80
    assert member.revenue_share_change == Decimal(470) / 1020 - Decimal(80) / 1580
    gold = rows["Gold"]
    assert gold.before.average_order == Decimal("750.00")
    assert gold.before.repurchase_rate == 1
    assert gold.average_order_change is None  # nothing sold this period
    assert gold.repurchase_rate_change is None
    silver = rows["Silver"]
    assert silver.before.active_ratio == 0
    assert silver.average_order_change is None  # nothing sold before
    everyone = rows["all"].before
    assert (everyone.members, everyone.buyers, everyone.repeat_buyers) == (4, 2, 1)
    assert (everyone.purchases, everyone.revenue) == (3, Decimal("1580.00"))


def test_a_buyer_who_joined_after_the_period_counts_among_its_members(shop, tiers):
    """A member whose joined date lies after a sale of theirs (an imported
    date, say) still counts among the members, so the ratio stays within
    100 %: Member tier now has A, B, E and this buyer."""
    late = MemberFactory(tier=tiers["member"], joined_on=date(2026, 6, 1))
    PurchaseFactory(member=late, created_at=at(date(2026, 3, 3)), amount_paid=Decimal("10"))
    member = _rows(tier_performance(period=PERIOD))["Member"].now
    assert (member.members, member.buyers) == (4, 3)
    assert member.active_ratio == Decimal("0.75")


def test_revenue_by_the_tier_of_the_sale(shop):
    """Each sale in the tier it was made in, each refund in its sale's tier
    and its own period. Now: Member 100 + 300 + 200 + 50 - 100 - 30 = 520
    from 4 sales, Silver 500 from 1, Gold nothing. Before: Member 80 (its
    refund came later), Gold 1,500 from 2."""
    rows = {row.tier.name: row for row in revenue_by_sale_tier(period=PERIOD)}
    assert list(rows) == ["Gold", "Silver", "Member"]
    member = rows["Member"]
    assert (member.now.purchases, member.now.revenue) == (4, Decimal("520.00"))
    assert member.now.revenue_share == Decimal(520) / 1020
    assert member.now.average_order == Decimal("130.00")
    assert (member.before.purchases, member.before.revenue) == (1, Decimal("80.00"))
    assert rows["Silver"].now.revenue_share == Decimal(500) / 1020
    assert rows["Gold"].now.revenue_share == 0
    assert rows["Gold"].before.average_order == Decimal("750.00")
    assert sum(row.now.revenue_share for row in rows.values()) == 1


def test_a_refund_lowers_the_period_it_is_made_in(shop):
    """The 30 refunded on 2026-01-15 of a sale of 2025-12-31: December keeps
    its 80, January loses 30."""
    december = Period(date(2025, 12, 1), date(2025, 12, 31))
    january = Period(date(2026, 1, 1), date(2026, 1, 31))
    assert _rows(tier_performance(period=december))["all"].now.revenue == Decimal("80.00")
    assert _rows(tier_performance(period=january))["all"].now.revenue == Decimal("120.00")
    sold = {row.tier.name: row for row in revenue_by_sale_tier(period=january)}
    assert sold["Member"].now.revenue == Decimal("120.00")  # 100 + 50 - 30


def test_tier_performance_filtered_to_one_tier_keeps_its_share_of_all_revenue(shop, tiers):
    rows = tier_performance(period=PERIOD, tier=tiers["silver"])
    assert [row.tier for row in rows] == [tiers["silver"]]
    assert rows[0].now.revenue_share == Decimal(550) / 1020
    sold = revenue_by_sale_tier(period=PERIOD, tier=tiers["silver"])
    assert [(row.tier, row.now.revenue_share) for row in sold] == [
        (tiers["silver"], Decimal(500) / 1020)
    ]


def test_tier_performance_of_an_empty_period_is_all_dashes(shop):
    rows = tier_performance(period=EMPTY)
    for row in rows:
        for figures in (row.now, row.before):
            assert figures.purchases == 0
            assert figures.frequency is None
            assert figures.average_order is None
            assert figures.repurchase_rate is None
            assert figures.revenue_share is None
        assert row.frequency_change is None and row.revenue_share_change is None
    assert _rows(rows)["all"].now.members == 0  # nobody had joined yet


def test_points_flow_per_month(shop):
    """Jan: +100 earned, 50 redeemed, 20 of them given back by a refund.
    Feb: +300 +20 earned, a refund took 100 back. Mar: +500 earned, a reward
    of 300 redeemed then cancelled, 200 expired, +50 adjusted. Balances now
    1,260; 40 earned after the period, so 1,220 outstanding at its end; back
    from there 870 (Feb), 650 (Jan)."""
    flow = points_flow(period=PERIOD)
    assert [
        (m.month, m.issued, m.redeemed, m.expired, m.other, m.outstanding) for m in flow.months
    ] == [
        (date(2026, 1, 1), 100, 30, 0, 0, 650),
        (date(2026, 2, 1), 220, 0, 0, 0, 870),
        (date(2026, 3, 1), 500, 0, 200, 50, 1220),
    ]
    assert (flow.now.issued, flow.now.redeemed, flow.now.expired) == (820, 30, 200)
    # Of what members could spend (580 at the start, 820 issued, 50 added by
    # the adjustment), 30 redeemed.
    assert flow.now.opening == 580
    assert flow.now.added == 50
    assert flow.now.redemption_rate == Decimal(30) / 1450
    assert flow.outstanding == 1220
    assert flow.liability == Decimal("610.00")  # 100 points = 50
    assert (flow.before.issued, flow.before.redeemed) == (100, 0)
    assert flow.issued_change == Decimal("7.2")
    assert flow.redeemed_change is None
    assert flow.redemption_rate_change == Decimal(30) / 1450


def test_points_an_adjustment_gave_and_a_member_spent_keep_the_rate_at_most_100_percent(
    tiers, owner
):
    """Points added by hand are points the member could spend: spending all
    of them is a rate of 100 %, not more."""
    programme_rules()
    member = MemberFactory(tier=tiers["member"])
    adjust_points(member=member, points=1000, reason="goodwill", idempotency_key="a", by=owner)
    record_purchase(
        member=member, amount=Decimal("2000"), points_to_redeem=1000, idempotency_key="s"
    )
    today = shop_today()
    flow = points_flow(period=Period(today.replace(day=1), today))
    spent_share = Decimal(1000) / (1000 + flow.now.issued)
    assert flow.now.redemption_rate == spent_share
    assert 0 < flow.now.redemption_rate <= 1


def test_points_liability_follows_the_redemption_rate(shop):
    ProgrammeRules.objects.update_or_create(
        pk=1, defaults={"redeem_points": 3, "redeem_value": Decimal("1")}
    )
    assert points_flow(period=PERIOD).liability == Decimal("406.67")  # 1220 / 3


def test_points_flow_filtered_to_a_tier_reads_its_members_only(shop, tiers):
    """Member tier today: A and B. Balances 410, 40 after the period."""
    flow = points_flow(period=PERIOD, tier=tiers["member"])
    assert [(m.issued, m.redeemed, m.other, m.outstanding) for m in flow.months] == [
        (100, 30, 0, 150),
        (220, 0, 0, 370),
        (0, 0, 0, 370),
    ]


def test_points_flow_of_an_empty_period_has_no_rate(tiers):
    flow = points_flow(period=EMPTY)
    assert [m.issued for m in flow.months] == [0, 0, 0]
    assert flow.now.redemption_rate is None
    assert flow.redemption_rate_change is None
    assert (flow.outstanding, flow.liability) == (0, Decimal("0.00"))


def test_lifecycle_counts_and_their_links(shop, tiers):
    """On 2026-05-10 with 30/60/90 days: F new; B active (bought 04-01);
    A (02-10), C (03-01) and E (joined 02-15, never bought) dormant;
    D (last bought 2025-11-20) churned."""
    counts = lifecycle_counts(today=date(2026, 5, 10))
    assert [(c.stage, c.members) for c in counts] == [
        ("new", 1),
        ("active", 1),
        ("dormant", 3),
        ("churned", 1),
    ]
    assert counts[2].url == "/members/?stage=dormant"
    by_tier = lifecycle_counts(tier=tiers["member"], today=date(2026, 5, 10))
    assert [c.members for c in by_tier] == [1, 1, 2, 0]
    assert by_tier[0].url == f"/members/?stage=new&tier={tiers['member'].pk}"


def test_tier_movements_per_month_by_rank(shop, tiers):
    """Jan: A up to Silver, C up to Gold by hand; Feb: D down to Silver in
    review; joining and grace rows are not moves; April is after the period."""
    from tiers.models import TierChange

    member, silver, gold = tiers["member"], tiers["silver"], tiers["gold"]

    def move(who, day, kind, from_tier, to_tier):
        TierChange.objects.create(
            member=shop[who], kind=kind, from_tier=from_tier, to_tier=to_tier, at=at(day)
        )

    move("A", date(2026, 1, 3), "upgrade", member, silver)
    move("C", date(2026, 1, 31), "manual", silver, gold)
    move("D", date(2026, 2, 2), "downgrade", gold, silver)
    move("D", date(2026, 2, 3), "grace_started", silver, silver)
    move("E", date(2026, 2, 15), "joined", None, member)
    move("B", date(2026, 4, 1), "upgrade", member, silver)
    months = tier_movements(period=PERIOD)
    assert [(m.month.month, m.upgrades, m.downgrades) for m in months] == [
        (1, 2, 0),
        (2, 0, 1),
        (3, 0, 0),
    ]
    gold_moves = tier_movements(period=PERIOD, tier=gold)
    assert [(m.upgrades, m.downgrades) for m in gold_moves] == [(1, 0), (0, 1), (0, 0)]


def test_campaigns_in_the_period_with_their_results(shop, tiers):
    """A ×2 campaign on 2026-03-01 only: C's sale of 500 that day carries its
    line and earned 1,000 points; the four Sundays before sold nothing, so
    there is no uplift to show (a dash)."""
    from points.models import Purchase
    from tests.factories import CampaignFactory

    campaign = CampaignFactory(starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 1))
    CampaignFactory(starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 31))  # long over
    CampaignFactory(starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 2), tiers=[tiers["gold"]])
    sale = Purchase.objects.get(member=shop["C"], amount_paid=Decimal("500"))
    sale.earning_detail = {"campaigns": [{"campaign_id": campaign.pk}]}
    sale.points_earned = 1000
    sale.save()
    rows = campaign_figures(period=PERIOD)
    assert [row.campaign.starts_on for row in rows] == [date(2026, 2, 1), date(2026, 3, 1)]
    first = rows[1]
    assert (first.sales_count, first.sales_amount, first.points_issued) == (
        1,
        Decimal("500.00"),
        1000,
    )
    assert first.count_uplift is None
    assert [row.campaign for row in campaign_figures(period=PERIOD, tier=tiers["silver"])] == [
        campaign
    ]
    assert campaign_figures(period=EMPTY) == []


def test_a_december_refund_of_a_september_sale_lowers_december(tiers):
    """The issue's case, as a shop lives it: 1,000 paid in September, 500 in
    December, then 400 of September's sale given back on 3 December."""
    member = MemberFactory(tier=tiers["gold"])
    tiers["gold"].retail_discount = Decimal("0")
    tiers["gold"].save()
    september = record_purchase(
        member=member, amount=Decimal("1000"), idempotency_key="sep", at=at(date(2026, 9, 10))
    )
    record_purchase(
        member=member, amount=Decimal("500"), idempotency_key="dec", at=at(date(2026, 12, 2))
    )
    with clock_at(at(date(2026, 12, 3))):
        refund_purchase(purchase=september, amount=Decimal("400"), idempotency_key="back")

    def revenue(first, last):
        return _rows(tier_performance(period=Period(first, last)))["all"].now.revenue

    assert revenue(date(2026, 9, 1), date(2026, 9, 30)) == Decimal("1000")
    assert revenue(date(2026, 12, 1), date(2026, 12, 3)) == Decimal("100")
