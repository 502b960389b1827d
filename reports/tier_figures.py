"""The dashboard's figures per tier: the pyramid (members per tier against
the target bands), each tier's members and their sales against the period
before (by the tier held today), the revenue per tier of the sale, and the
moves between tiers."""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import TruncMonth

from config.clock import shop_date
from config.money import round_money
from members.models import Member
from points.models import Purchase, Refund
from reports.periods import Period, point_change, ratio, relative_change
from tiers.models import Tier, TierChange, TierProgramme

MONEY = DecimalField(max_digits=14, decimal_places=2)


def _money(value) -> Decimal:
    # SQLite hands raw sums back as int or float; PostgreSQL as Decimal.
    return round_money(Decimal(str(value))) if value is not None else Decimal("0")


# ---------------------------------------------------------------- pyramid


def target_bands() -> dict:
    """{"top"|"middle"|"base": (min %, max %)}: the owner's tier settings
    (whose defaults are DESIGN.md's)."""
    return TierProgramme.current().bands()


@dataclass
class TierCount:
    tier: Tier
    members: int
    share: Decimal | None
    group: str = ""  # "top", "middle", "base", or "" for a closed tier


@dataclass
class BandCheck:
    group: str
    tiers: list
    members: int
    share: Decimal | None
    low: Decimal
    high: Decimal

    @property
    def status(self) -> str:
        if self.share is None:
            return "empty"
        percent = self.share * 100
        if percent < self.low:
            return "below"
        if percent > self.high:
            return "above"
        return "within"

    @property
    def drifted(self) -> bool:
        return self.status in ("below", "above")


@dataclass
class TierDistribution:
    rows: list  # TierCount, highest rank first
    total: int
    bands: list  # BandCheck, top first

    @property
    def warnings(self):
        return [band for band in self.bands if band.drifted]


def _band_groups(active_tiers) -> dict:
    """{tier id: group} for the active tiers, lowest rank first."""
    if len(active_tiers) < 2:
        return {}
    groups = {tier.pk: "middle" for tier in active_tiers[1:-1]}
    groups[active_tiers[0].pk] = "base"
    groups[active_tiers[-1].pk] = "top"
    return groups


def tier_distribution(counts=None) -> TierDistribution:
    """Members per tier now, their share, and the target pyramid's bands.
    `counts`: member_counts(), when the caller has it already."""
    if counts is not None:
        counts = {key: row["members"] for key, row in counts.items()}
    else:
        counts = dict(
            Member.objects.order_by()
            .values_list("tier")
            .annotate(n=Count("id"))
            .values_list("tier", "n")
        )
    tiers = list(Tier.objects.order_by("rank"))
    total = sum(counts.values())
    groups = _band_groups([tier for tier in tiers if tier.is_active])
    rows = [
        TierCount(
            tier,
            counts.get(tier.pk, 0),
            ratio(counts.get(tier.pk, 0), total),
            groups.get(tier.pk, ""),
        )
        for tier in reversed(tiers)
        if tier.is_active or counts.get(tier.pk)
    ]
    bands = []
    limits = target_bands()
    for group in ("top", "middle", "base"):
        members_in = [row for row in rows if row.group == group]
        if members_in:
            n = sum(row.members for row in members_in)
            low, high = limits[group]
            bands.append(
                BandCheck(group, [row.tier for row in members_in], n, ratio(n, total), low, high)
            )
    return TierDistribution(rows, total, bands)


# ---------------------------------------------------------------- per tier
#
# Two groupings, each used above and below every line so no ratio passes
# 100 %: the tier a member holds today (tier_performance: its members, their
# sales and refunds), and the tier a sale was made in (revenue_by_sale_tier:
# Purchase.tier, and for a refund the tier of the sale it refunds). Money is
# net of refunds in the period of the refund, as accounting counts it: a
# December refund of a September sale lowers December.


@dataclass
class TierFigures:
    """The members holding one tier today (or the whole programme) in one
    period: how many had joined by its end (or bought in it), how many of
    them bought, and their sales. Derived figures are None when empty."""

    members: int = 0
    buyers: int = 0
    repeat_buyers: int = 0
    purchases: int = 0
    revenue: Decimal = Decimal("0")  # paid on the period's sales, less its refunds
    total_revenue: Decimal = Decimal("0")

    @property
    def active_ratio(self):
        return ratio(self.buyers, self.members)

    @property
    def frequency(self):
        return ratio(self.purchases, self.buyers)

    @property
    def average_order(self):
        value = ratio(self.revenue, self.purchases)
        return round_money(value) if value is not None else None

    @property
    def repurchase_rate(self):
        return ratio(self.repeat_buyers, self.buyers)

    @property
    def revenue_share(self):
        return ratio(self.revenue, self.total_revenue)


@dataclass
class TierPerformance:
    tier: Tier | None  # None: the whole programme
    now: TierFigures
    before: TierFigures

    @property
    def active_ratio_change(self):
        return point_change(self.now.active_ratio, self.before.active_ratio)

    @property
    def frequency_change(self):
        return relative_change(self.now.frequency, self.before.frequency)

    @property
    def average_order_change(self):
        return relative_change(self.now.average_order, self.before.average_order)

    @property
    def repurchase_rate_change(self):
        return point_change(self.now.repurchase_rate, self.before.repurchase_rate)

    @property
    def revenue_share_change(self):
        return point_change(self.now.revenue_share, self.before.revenue_share)


@dataclass
class SaleTierFigures:
    """The sales made in one tier in one period, less the refunds made in
    the period of sales made in that tier."""

    purchases: int = 0
    revenue: Decimal = Decimal("0")
    total_revenue: Decimal = Decimal("0")

    @property
    def average_order(self):
        value = ratio(self.revenue, self.purchases)
        return round_money(value) if value is not None else None

    @property
    def revenue_share(self):
        return ratio(self.revenue, self.total_revenue)


@dataclass
class SaleTierRevenue:
    tier: Tier
    now: SaleTierFigures
    before: SaleTierFigures

    @property
    def average_order_change(self):
        return relative_change(self.now.average_order, self.before.average_order)

    @property
    def revenue_share_change(self):
        return point_change(self.now.revenue_share, self.before.revenue_share)


@dataclass
class TierSales:
    """What one pass over both periods' sales and refunds found: per tier
    held today {(tier id, side): TierFigures without members, with `late`,
    the buyers who joined after the side's last day (or, with a store, whose
    home store is another)}, per tier of the sale
    {(tier id or None, side): SaleTierFigures}, and the revenue per side."""

    held: dict
    late: dict
    sold: dict
    total: dict


# The sales of both periods (and the refunds made in them, as rows without
# a sale) per member, tier of the sale and side, then summed per tier of the
# sale, and per member joined to the member row for the tier held today.
_SALES_SQL = """
WITH per_member AS (
    SELECT buyer, sold_in, side, n, revenue FROM ({sales}) s
    UNION ALL
    SELECT buyer, sold_in, side, n, revenue FROM ({refunds}) r
),
per_buyer AS (
    SELECT buyer, side, SUM(n) AS n, SUM(revenue) AS revenue
    FROM per_member GROUP BY buyer, side
)
SELECT 0, sold_in, side, 0, 0, 0, SUM(n), SUM(revenue)
FROM per_member GROUP BY sold_in, side
UNION ALL
SELECT 1, m.tier_id, b.side,
    SUM(CASE WHEN b.n > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN b.n > 1 THEN 1 ELSE 0 END),
    SUM(CASE WHEN b.n > 0 AND (m.joined_on > (CASE WHEN b.side = 1 THEN %s ELSE %s END)
        {elsewhere}) THEN 1 ELSE 0 END),
    SUM(b.n), SUM(b.revenue)
FROM per_buyer b INNER JOIN {members} m ON m.id = b.buyer
GROUP BY m.tier_id, b.side
"""


def _side(period: Period):
    """1 for a moment in the period, 0 for one in the period before."""
    return Case(When(created_at__gte=period.starts_at, then=Value(1)), default=Value(0))


def sales_by_tier(period: Period, store=None) -> TierSales:
    """The sales and refunds of the period and the one before, in one pass.
    With a store: the sales made there and the refunds made there (a refund
    counts where it is made, as in the stores compared)."""
    before = period.previous
    window = {"created_at__gte": before.starts_at, "created_at__lt": period.ends_before}
    if store:
        window["store"] = store
    sales = (
        Purchase.objects.filter(**window)
        .order_by()
        .values(buyer=F("member_id"), sold_in=F("tier_id"), side=_side(period))
        .annotate(n=Count("id"), revenue=Sum("amount_paid"))
    )
    refunds = (
        Refund.objects.filter(**window)
        .order_by()
        .values(buyer=F("purchase__member_id"), sold_in=F("purchase__tier_id"), side=_side(period))
        .annotate(n=Value(0), revenue=Sum(-F("amount"), output_field=MONEY))
    )
    sales_sql, sales_params = sales.query.sql_with_params()
    refunds_sql, refunds_params = refunds.query.sql_with_params()
    adapt = connection.ops.adapt_datefield_value
    # With a store, a buyer whose home store is another counts among the
    # members as a late joiner does, so no ratio passes 100 %.
    elsewhere = "OR m.home_store_id IS NULL OR m.home_store_id <> %s" if store else ""
    sql = _SALES_SQL.format(
        sales=sales_sql, refunds=refunds_sql, members=Member._meta.db_table, elsewhere=elsewhere
    )
    params = [*sales_params, *refunds_params, adapt(period.end), adapt(before.end)]
    if store:
        params.append(store.pk if hasattr(store, "pk") else int(store))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = TierSales({}, {}, {}, {"now": Decimal("0"), "before": Decimal("0")})
    for held, tier_id, flag, buyers, repeat, late, purchases, revenue in rows:
        side = "now" if flag else "before"
        if held:
            found.held[(tier_id, side)] = TierFigures(
                buyers=buyers, repeat_buyers=repeat, purchases=purchases, revenue=_money(revenue)
            )
            found.late[(tier_id, side)] = late
            found.total[side] += _money(revenue)
        else:
            # Sales whose tier was since deleted count in the total only.
            found.sold[(tier_id, side)] = SaleTierFigures(purchases, _money(revenue))
    return found


def _members_by_tier(period: Period, store=None) -> dict:
    before = period.previous
    members = Member.objects.filter(home_store=store) if store else Member.objects.all()
    return {
        row["tier"]: row
        for row in members.order_by()
        .values("tier")
        .annotate(
            now=Count("id", filter=Q(joined_on__lte=period.end)),
            before=Count("id", filter=Q(joined_on__lte=before.end)),
        )
    }


def tier_performance(
    *, period: Period, tier=None, counts=None, sales=None, store=None
) -> list[TierPerformance]:
    """Active-member ratio, purchase frequency, average order value,
    repurchase rate and revenue share per tier, now and the period before.

    Every figure groups members by the tier they hold today: the members
    holding it who had joined by the period's last day (or bought in it),
    those of them who bought, and their sales less the refunds made in the
    period. Without a tier filter the last row is the whole programme.
    `counts`: member_counts() for the same period, `sales`: sales_by_tier()
    for it, when the caller has them already.

    With a store: the members whose home store it is, and the sales and
    refunds made there (by any member, so a buyer from another store counts
    among the store's members as one who joined late would).
    """
    members = _members_by_tier(period, store) if counts is None else counts
    sales = sales_by_tier(period, store) if sales is None else sales
    if tier:
        tiers = [tier]
    else:
        shown = {key for key, row in members.items() if row.get("now") or row.get("before")}
        shown |= {key for key, _side in sales.held}
        tiers = list(Tier.objects.filter(Q(is_active=True) | Q(pk__in=shown)).order_by("-rank"))
    rows = []
    for row_tier in tiers:
        figures = {}
        for side in ("now", "before"):
            key = (row_tier.pk, side)
            found = replace(sales.held.get(key) or TierFigures())
            found.members = members.get(row_tier.pk, {}).get(side, 0) + sales.late.get(key, 0)
            found.total_revenue = sales.total[side]
            figures[side] = found
        rows.append(TierPerformance(row_tier, figures["now"], figures["before"]))
    if not tier:
        rows.append(_programme(members, sales))
    return rows


def _programme(members, sales) -> TierPerformance:
    """The whole programme's row: every member holds exactly one tier, so it
    is the sum of the tiers' rows."""
    figures = {}
    for side in ("now", "before"):
        total = TierFigures(total_revenue=sales.total[side])
        total.members = sum(row.get(side, 0) for row in members.values())
        for (_tier_id, held_side), found in sales.held.items():
            if held_side == side:
                total.buyers += found.buyers
                total.repeat_buyers += found.repeat_buyers
                total.purchases += found.purchases
                total.revenue += found.revenue
        total.members += sum(n for (_t, late_side), n in sales.late.items() if late_side == side)
        figures[side] = total
    return TierPerformance(None, figures["now"], figures["before"])


def revenue_by_sale_tier(
    *, period: Period, tier=None, sales=None, store=None
) -> list[SaleTierRevenue]:
    """Sales and revenue per tier the sales were made in (Purchase.tier),
    now and the period before; a refund counts in its sale's tier, in the
    period it was made. With a tier filter: that tier's sales, with their
    share of all revenue. With a store: the sales and refunds made there."""
    sales = sales_by_tier(period, store) if sales is None else sales
    if tier:
        tiers = [tier]
    else:
        made_in = {key for key, _side in sales.sold if key}
        tiers = list(Tier.objects.filter(Q(is_active=True) | Q(pk__in=made_in)).order_by("-rank"))
    rows = []
    for row_tier in tiers:
        figures = {}
        for side in ("now", "before"):
            found = replace(sales.sold.get((row_tier.pk, side)) or SaleTierFigures())
            found.total_revenue = sales.total[side]
            figures[side] = found
        rows.append(SaleTierRevenue(row_tier, figures["now"], figures["before"]))
    return rows


# ---------------------------------------------------------------- tier moves


@dataclass
class MovementMonth:
    month: date
    upgrades: int = 0
    downgrades: int = 0


def tier_movements(*, period: Period, tier=None, store=None) -> list[MovementMonth]:
    """Upgrades and downgrades per month: a change to a higher-ranked tier
    is an upgrade, to a lower one a downgrade, whatever its cause (engine,
    review, by hand, a closed tier). With a tier filter: moves into or out
    of that tier. With a store: the moves of members whose home store it is."""
    changes = TierChange.objects.filter(
        at__gte=period.starts_at, at__lt=period.ends_before, from_tier__isnull=False
    )
    if store:
        changes = changes.filter(member__home_store=store)
    if tier:
        changes = changes.filter(Q(from_tier=tier) | Q(to_tier=tier))
    rows = (
        changes.order_by()
        .annotate(month=TruncMonth("at"))
        .values("month")
        .annotate(
            upgrades=Count("id", filter=Q(to_tier__rank__gt=F("from_tier__rank"))),
            downgrades=Count("id", filter=Q(to_tier__rank__lt=F("from_tier__rank"))),
        )
    )
    months = {month: MovementMonth(month) for month in period.months()}
    for row in rows:
        month = months[shop_date(row["month"]).replace(day=1)]
        month.upgrades, month.downgrades = row["upgrades"], row["downgrades"]
    return list(months.values())
