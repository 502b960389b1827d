"""Every dashboard figure recomputed the slow, plain way (Python over the
rows) for a generated shop, and compared with what the dashboard shows:
for the last 12 months, one month alone and this month, for all tiers and
each tier filter.

The plain definitions, written once here as the README states them:
- a per-tier figure groups by the tier a member holds today, or (revenue by
  the tier of the sale) by Purchase.tier, above and below every line;
- money is what was paid on the period's sales, less the refunds made in
  the period (Refund.created_at), whichever sale they refund;
- points issued are net of what refunds took back, redeemed of what
  refunds and cancelled rewards gave back, in the month they happened;
- a campaign's figures cover its own days: refunds of its sales made by its
  last day count there, later ones in the month they are made.
"""

import csv
import io
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from campaigns.models import Campaign
from config.clock import add_months, shop_date, shop_today
from config.money import round_money
from members.models import LifecycleRules, Member
from members.selectors import lifecycle_stage
from points.models import LedgerEntry, ProgrammeRules, Purchase, Refund
from reports import selectors as figures
from reports.periods import Period
from reports.services import dashboard_snapshot
from tests.reports.generated_shop import build_generated_shop, periods
from tiers.models import Tier, TierChange

EARN = {"purchase_earn", "behaviour_earn", "campaign_bonus", "tier_bonus", "opening_balance"}
REDEEM = {"redeem_cash", "reward_redeem", "reward_cancel"}


@pytest.fixture
def shop(tiers, owner):
    return build_generated_shop(tiers, owner)


def _filters():
    return [None, *Tier.objects.order_by("rank")]


def _cases():
    """(period, tier filter) pairs, and what the dashboard shows for each."""
    for period in periods():
        for tier in _filters():
            snapshot = dashboard_snapshot(period=period, tier=tier, refresh=True)
            yield period, tier, figures.snapshot_figures(snapshot)


def _in(moment, period) -> bool:
    return period.start <= shop_date(moment) <= period.end


def _tier_today():
    return dict(Member.objects.values_list("pk", "tier_id"))


def _ratio(part, whole):
    return Decimal(part) / Decimal(whole) if whole else None


# ------------------------------------------------------------ the slow figures


def slow_tier_figures(span, tier_id):
    """Members holding `tier_id` today (None: everyone) in one period."""
    tier_of = _tier_today()

    def holds(member_id):
        return tier_id is None or tier_of[member_id] == tier_id

    sales = [p for p in Purchase.objects.all() if _in(p.created_at, span)]
    refunds = [r for r in Refund.objects.select_related("purchase") if _in(r.created_at, span)]
    theirs = [p for p in sales if holds(p.member_id)]
    per_buyer = Counter(p.member_id for p in theirs)
    members = {
        m.pk
        for m in Member.objects.all()
        if holds(m.pk) and (m.joined_on <= span.end or m.pk in per_buyer)
    }
    revenue = sum((p.amount_paid for p in theirs), Decimal(0)) - sum(
        (r.amount for r in refunds if holds(r.purchase.member_id)), Decimal(0)
    )
    total = sum((p.amount_paid for p in sales), Decimal(0)) - sum(
        (r.amount for r in refunds), Decimal(0)
    )
    return {
        "members": len(members),
        "buyers": len(per_buyer),
        "repeat_buyers": sum(1 for n in per_buyer.values() if n > 1),
        "purchases": len(theirs),
        "revenue": revenue,
        "revenue_share": _ratio(revenue, total),
    }


def slow_sale_tier_figures(span, tier_id):
    """The sales made in `tier_id`, less the refunds of such sales made in the period."""
    sales = [p for p in Purchase.objects.all() if _in(p.created_at, span)]
    refunds = [r for r in Refund.objects.select_related("purchase") if _in(r.created_at, span)]
    theirs = [p for p in sales if p.tier_id == tier_id]
    revenue = sum((p.amount_paid for p in theirs), Decimal(0)) - sum(
        (r.amount for r in refunds if r.purchase.tier_id == tier_id), Decimal(0)
    )
    total = sum((p.amount_paid for p in sales), Decimal(0)) - sum(
        (r.amount for r in refunds), Decimal(0)
    )
    return {"purchases": len(theirs), "revenue": revenue, "revenue_share": _ratio(revenue, total)}


def _kind_of(entry):
    refund = entry.kind == "refund_reversal"
    if entry.kind in EARN or (refund and entry.points < 0):
        return "issued"
    if entry.kind in REDEEM or (refund and entry.points > 0):
        return "redeemed"
    return "expired" if entry.kind == "expiry" else "other"


def slow_points(period, tier):
    """Per month and for both periods: issued, redeemed, expired, other, and
    the outstanding balance at each month's end as the sum of the ledger up
    to it (not worked back from the cached balances, as the dashboard does)."""
    tier_of = _tier_today()
    entries = [
        e for e in LedgerEntry.objects.all() if tier is None or tier_of[e.member_id] == tier.pk
    ]

    def flows(chosen):
        found = Counter()
        for entry in chosen:
            sign = 1 if _kind_of(entry) in ("issued", "other") else -1
            found[_kind_of(entry)] += sign * entry.points
            if _kind_of(entry) == "other" and entry.points > 0:
                found["added"] += entry.points
        return found

    months = []
    for month in period.months():
        last = min(add_months(month, 1) - timedelta(days=1), period.end)
        found = flows(e for e in entries if month <= shop_date(e.created_at) <= last)
        outstanding = sum(e.points for e in entries if shop_date(e.created_at) <= last)
        months.append(
            (
                month,
                found["issued"],
                found["redeemed"],
                found["expired"],
                found["other"],
                outstanding,
            )
        )
    now = flows(e for e in entries if _in(e.created_at, period))
    before = flows(e for e in entries if _in(e.created_at, period.previous))
    return months, now, before


def slow_lifecycle(tier):
    rules, today = LifecycleRules.current(), shop_today()
    members = Member.objects.filter(**({"tier": tier} if tier else {}))
    return Counter(lifecycle_stage(m, today=today, rules=rules) for m in members)


def slow_movements(period, tier):
    found = {month: [0, 0] for month in period.months()}
    for change in TierChange.objects.select_related("from_tier", "to_tier"):
        if change.from_tier is None or not _in(change.at, period):
            continue
        if tier and tier not in (change.from_tier, change.to_tier):
            continue
        month = shop_date(change.at).replace(day=1)
        if change.to_tier.rank > change.from_tier.rank:
            found[month][0] += 1
        elif change.to_tier.rank < change.from_tier.rank:
            found[month][1] += 1
    return [(month, up, down) for month, (up, down) in found.items()]


def _named(detail) -> set:
    """Campaign ids named anywhere in a sale's earning_detail."""
    if isinstance(detail, dict):
        found = (
            {int(detail["campaign_id"])} if str(detail.get("campaign_id", "")).isdigit() else set()
        )
        return found.union(*(_named(value) for value in detail.values()))
    if isinstance(detail, list):
        return set().union(*(_named(value) for value in detail))
    return set()


def _percent(actual, expected):
    """As the results page rounds it: to 0.1 %, and none against nothing."""
    if not expected or expected < 0:
        return None
    change = ((Decimal(actual) - expected) * 100 / expected).quantize(Decimal("0.1"))
    return change / 100


def slow_campaign(campaign):
    bonus_sales = set(
        LedgerEntry.objects.filter(campaign=campaign, purchase__isnull=False).values_list(
            "purchase_id", flat=True
        )
    )
    sales = [
        p
        for p in Purchase.objects.all()
        if campaign.pk in _named(p.earning_detail) or p.pk in bonus_sales
    ]
    ids = {p.pk for p in sales}
    during = [
        r
        for r in Refund.objects.all()
        if r.purchase_id in ids and shop_date(r.created_at) <= campaign.ends_on
    ]
    tiers = {t.pk for t in campaign.tiers.all()}
    counted = [p for p in Purchase.objects.all() if not tiers or p.tier_id in tiers]
    refunds = [
        r
        for r in Refund.objects.select_related("purchase")
        if not tiers or r.purchase.tier_id in tiers
    ]

    def on(day):
        sold = [p for p in counted if shop_date(p.created_at) == day]
        back = sum((r.amount for r in refunds if shop_date(r.created_at) == day), Decimal(0))
        return len(sold), sum((p.amount_paid for p in sold), Decimal(0)) - back

    today = shop_today()
    days = [
        campaign.starts_on + timedelta(days=n)
        for n in range((min(campaign.ends_on, today) - campaign.starts_on).days + 1)
    ]
    days = [day for day in days if campaign.runs_on(day)]
    actual = [on(day) for day in days]
    # Each campaign day is expected at its weekday's average over the 4 weeks before.
    baseline = [campaign.starts_on - timedelta(days=n) for n in range(1, 29)]
    expected_count = expected_amount = Decimal(0)
    for day in days:
        same = [on(before) for before in baseline if before.weekday() == day.weekday()]
        expected_count += Decimal(sum(count for count, _amount in same)) / 4
        expected_amount += sum((amount for _count, amount in same), Decimal(0)) / 4
    return {
        "sales_count": len(sales),
        "sales_amount": sum((p.amount_paid for p in sales), Decimal(0))
        - sum((r.amount for r in during), Decimal(0)),
        "points_issued": sum(p.points_earned for p in sales)
        - sum(r.points_reversed for r in during),
        "count_uplift": _percent(sum(c for c, _a in actual), expected_count),
        "amount_uplift": _percent(sum((a for _c, a in actual), Decimal(0)), expected_amount),
    }


# ------------------------------------------------------------ the checks


def test_the_generated_shop_has_what_the_checks_need(shop):
    """Refunds in a later month than their sale, across the default period's
    start, points given back by refunds, upgrades, moves by hand both ways,
    campaign sales, expiries and a cancelled reward: none of the checks
    below passes on an empty case."""
    refunds = list(Refund.objects.select_related("purchase"))
    later = [
        r
        for r in refunds
        if shop_date(r.created_at).month != shop_date(r.purchase.created_at).month
    ]
    start = periods()[0].start
    assert later
    assert any(shop_date(r.purchase.created_at) < start <= shop_date(r.created_at) for r in refunds)
    assert any(r.points_returned for r in refunds) and any(r.points_reversed for r in refunds)
    assert TierChange.objects.filter(kind="upgrade").exists()
    assert TierChange.objects.filter(kind="manual").count() == 2
    assert LedgerEntry.objects.filter(kind="campaign_bonus").exists()
    assert LedgerEntry.objects.filter(kind="expiry").exists()
    assert LedgerEntry.objects.filter(kind="reward_cancel").exists()
    assert any(p.tier_id != p.member.tier_id for p in Purchase.objects.select_related("member"))
    month = periods()[1]
    late = Member.objects.filter(
        joined_on__gt=month.end, purchases__created_at__lt=month.ends_before
    )
    assert late.exists()  # a buyer whose joined date comes after the month


def test_members_per_tier_agree(shop):
    counts = Counter(Member.objects.values_list("tier_id", flat=True))
    total = sum(counts.values())
    for period, tier, shown in _cases():
        rows = {row.tier.pk: row for row in shown["distribution"].rows}
        assert {pk: row.members for pk, row in rows.items()} == {
            pk: counts.get(pk, 0) for pk in rows
        }, (period, tier)
        assert sum(row.members for row in rows.values()) == total
        for pk, row in rows.items():
            assert row.share == _ratio(counts.get(pk, 0), total)


def test_tiers_at_work_agree(shop):
    for period, tier, shown in _cases():
        for row in shown["performance"]:
            for side, span in (("now", period), ("before", period.previous)):
                data = getattr(row, side)
                slow = slow_tier_figures(span, row.tier.pk if row.tier else None)
                what = (period, tier, row.tier, side)
                assert (data.members, data.buyers, data.repeat_buyers, data.purchases) == (
                    slow["members"],
                    slow["buyers"],
                    slow["repeat_buyers"],
                    slow["purchases"],
                ), what
                assert data.revenue == slow["revenue"], what
                assert data.revenue_share == slow["revenue_share"], what
                assert data.active_ratio is None or 0 <= data.active_ratio <= 1, what
                assert data.repurchase_rate is None or 0 <= data.repurchase_rate <= 1, what


def test_revenue_by_the_tier_of_the_sale_agrees(shop):
    for period, tier, shown in _cases():
        for row in shown["sale_tiers"]:
            for side, span in (("now", period), ("before", period.previous)):
                data = getattr(row, side)
                slow = slow_sale_tier_figures(span, row.tier.pk)
                what = (period, tier, row.tier, side)
                assert (data.purchases, data.revenue) == (slow["purchases"], slow["revenue"]), what
                assert data.revenue_share == slow["revenue_share"], what


def test_points_agree(shop):
    rules = ProgrammeRules.current()
    for period, tier, shown in _cases():
        flow = shown["flow"]
        months, now, before = slow_points(period, tier)
        assert [
            (m.month, m.issued, m.redeemed, m.expired, m.other, m.outstanding) for m in flow.months
        ] == months, (period, tier)
        assert (flow.now.issued, flow.now.redeemed, flow.now.expired, flow.now.other) == (
            now["issued"],
            now["redeemed"],
            now["expired"],
            now["other"],
        )
        assert (flow.before.issued, flow.before.redeemed) == (before["issued"], before["redeemed"])
        assert flow.outstanding == months[-1][5]
        assert flow.liability == round_money(
            Decimal(flow.outstanding) * rules.redeem_value / rules.redeem_points
        )
        # Outstanding at the period's start: the first month's end less its net.
        first = months[0]
        opening = first[5] - (first[1] - first[2] - first[3] + first[4])
        could_spend = opening + now["issued"] + now["added"]
        assert flow.now.redemption_rate == _ratio(now["redeemed"], could_spend)


def test_lifecycle_stages_agree(shop):
    for period, tier, shown in _cases():
        slow = slow_lifecycle(tier)
        assert {stage.stage: stage.members for stage in shown["lifecycle"]} == {
            stage.stage: slow.get(stage.stage, 0) for stage in shown["lifecycle"]
        }, (period, tier)


def test_tier_movements_agree(shop):
    for period, tier, shown in _cases():
        assert [(m.month, m.upgrades, m.downgrades) for m in shown["movements"]] == slow_movements(
            period, tier
        ), (period, tier)


def test_campaigns_agree(shop):
    seen = set()
    for period, tier, shown in _cases():
        expected = [
            c
            for c in Campaign.objects.order_by("starts_on", "pk")
            if c.starts_on <= period.end
            and c.ends_on >= period.start
            and (tier is None or not c.tiers.exists() or c.tiers.filter(pk=tier.pk).exists())
        ]
        assert [row.campaign for row in shown["campaigns"]] == expected, (period, tier)
        for row in shown["campaigns"]:
            slow = slow_campaign(row.campaign)
            assert slow["sales_count"] > 0, row.campaign
            assert (row.sales_count, row.sales_amount, row.points_issued) == (
                slow["sales_count"],
                slow["sales_amount"],
                slow["points_issued"],
            ), row.campaign
            assert (row.count_uplift, row.amount_uplift) == (
                slow["count_uplift"],
                slow["amount_uplift"],
            ), row.campaign
            seen.add(row.campaign.pk)
    assert len(seen) == 3


def test_the_csv_exports_give_the_same_figures(owner_client, shop):
    """The exports read the page's snapshot: the tier tables, checked here
    against the slow figures, in the export's own format."""
    period = periods()[0]
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    names = {str(t): t.pk for t in Tier.objects.all()}

    def rows(name):
        text = owner_client.get(f"/dashboard/export/{name}.csv", query).content.decode()
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]

    for row in rows("tiers"):
        if not row[1].startswith(period.start.isoformat()):
            continue
        slow = slow_tier_figures(period, names.get(row[0]))
        assert row[2:7] == [
            str(slow["members"]),
            str(slow["buyers"]),
            str(slow["repeat_buyers"]),
            str(slow["purchases"]),
            str(slow["revenue"]),
        ], row
    for row in rows("sale-tiers"):
        if row[1].startswith(period.start.isoformat()):
            slow = slow_sale_tier_figures(period, names[row[0]])
            assert row[2:4] == [str(slow["purchases"]), str(slow["revenue"])], row
    months, _now, _before = slow_points(period, None)
    assert [[int(cell) for cell in row[1:]] for row in rows("points")] == [
        list(month[1:]) for month in months
    ]


def test_a_refund_lowers_the_month_it_is_made_in(shop):
    """A refund made a month or more after its sale: dated back to the
    sale's moment instead, its money moves with it from one month's revenue
    to the other's, on the dashboard as in the slow figures."""
    refund = next(
        r
        for r in Refund.objects.select_related("purchase").order_by("pk")
        if _month(r.created_at) != _month(r.purchase.created_at) and r.amount
    )
    refunded_in = _month_period(_month(refund.created_at))
    sold_in = _month_period(_month(refund.purchase.created_at))

    def revenue(period):
        shown = figures.dashboard_figures(period=period)["performance"][-1].now.revenue
        assert shown == slow_tier_figures(period, None)["revenue"]
        return shown

    as_made = revenue(refunded_in), revenue(sold_in)
    Refund.objects.filter(pk=refund.pk).update(created_at=refund.purchase.created_at)
    assert revenue(refunded_in) == as_made[0] + refund.amount
    assert revenue(sold_in) == as_made[1] - refund.amount


def _month(moment):
    return shop_date(moment).replace(day=1)


def _month_period(month):
    return Period(month, add_months(month, 1) - timedelta(days=1))
