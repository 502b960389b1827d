"""The dashboard's figures per tier: the pyramid (members per tier against
the target bands), each tier's sales against the period before, and the
moves between tiers."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import TruncMonth

from config.clock import shop_date
from config.money import round_money
from members.models import Member
from points.models import Purchase
from reports.periods import Period, point_change, ratio, relative_change
from tiers.models import Tier, TierChange, TierProgramme


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


@dataclass
class TierFigures:
    """One tier's sales in one period. Derived figures are None when empty."""

    members: int = 0
    buyers: int = 0
    repeat_buyers: int = 0
    purchases: int = 0
    revenue: Decimal = Decimal("0")
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


# One pass over the sales of both periods: per member (and tier, and period)
# first, then per tier, and per member across tiers for the programme row.
_SALES_SQL = """
WITH per_member AS ({inner}),
per_buyer AS (
    SELECT buyer, side, SUM(n) AS n, SUM(revenue) AS revenue
    FROM per_member GROUP BY buyer, side
)
SELECT sold_in, side, COUNT(*), SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), SUM(n), SUM(revenue)
FROM per_member GROUP BY sold_in, side
UNION ALL
SELECT NULL, side + 2, COUNT(*), SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), SUM(n), SUM(revenue)
FROM per_buyer GROUP BY side
"""


def sales_by_tier(period: Period) -> dict:
    """{(tier id or None for all, "now"|"before"): TierFigures} without members."""
    before = period.previous
    inner = (
        Purchase.objects.filter(created_at__gte=before.starts_at, created_at__lt=period.ends_before)
        .order_by()
        .values(
            buyer=F("member_id"),
            sold_in=F("tier_id"),
            side=Case(When(created_at__gte=period.starts_at, then=Value(1)), default=Value(0)),
        )
        .annotate(n=Count("id"), revenue=Sum(F("amount_paid") - F("refunded_amount")))
    )
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_SALES_SQL.format(inner=sql), params)
        rows = cursor.fetchall()
    found = {}
    for tier_id, flag, buyers, repeat, purchases, revenue in rows:
        key = (None if flag >= 2 else tier_id, "now" if flag % 2 else "before")
        if flag < 2 and tier_id is None:
            continue  # sales whose tier was since deleted count in the total only
        found[key] = TierFigures(
            buyers=buyers, repeat_buyers=repeat, purchases=purchases, revenue=_money(revenue)
        )
    return found


def tier_performance(
    *, period: Period, tier=None, counts=None, sales=None
) -> list[TierPerformance]:
    """Active-member ratio, purchase frequency, average order value,
    repurchase rate and revenue share per tier, now and the period before.

    Sales count in the tier the member was in when they bought; members are
    those in the tier today who had joined by the period's last day.
    Revenue is what members paid, net of refunds. Without a tier filter the
    last row is the whole programme. `counts`: member_counts() for the same
    period, `sales`: sales_by_tier() for it, when the caller has them already.
    """
    before = period.previous
    members = counts
    if members is None:
        members = {
            row["tier"]: row
            for row in Member.objects.order_by()
            .values("tier")
            .annotate(
                now=Count("id", filter=Q(joined_on__lte=period.end)),
                before=Count("id", filter=Q(joined_on__lte=before.end)),
            )
        }
    sales = sales_by_tier(period) if sales is None else sales
    totals = {side: sales.get((None, side), TierFigures()).revenue for side in ("now", "before")}
    tiers = (
        [tier]
        if tier
        else list(
            Tier.objects.filter(
                Q(is_active=True) | Q(pk__in=[key[0] for key in sales if key[0]])
            ).order_by("-rank")
        )
    )
    rows = []
    for row_tier in [*tiers, *([] if tier else [None])]:
        key = row_tier.pk if row_tier else None
        figures = {}
        for side in ("now", "before"):
            found = sales.get((key, side)) or TierFigures()
            if row_tier:
                found.members = members.get(key, {}).get(side, 0)
            else:
                found.members = sum(row[side] for row in members.values())
            found.total_revenue = totals[side]
            figures[side] = found
        rows.append(TierPerformance(row_tier, figures["now"], figures["before"]))
    return rows


# ---------------------------------------------------------------- tier moves


@dataclass
class MovementMonth:
    month: date
    upgrades: int = 0
    downgrades: int = 0


def tier_movements(*, period: Period, tier=None) -> list[MovementMonth]:
    """Upgrades and downgrades per month: a change to a higher-ranked tier
    is an upgrade, to a lower one a downgrade, whatever its cause (engine,
    review, by hand, a closed tier). With a tier filter: moves into or out
    of that tier."""
    changes = TierChange.objects.filter(
        at__gte=period.starts_at, at__lt=period.ends_before, from_tier__isnull=False
    )
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
