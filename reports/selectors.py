"""The owner's dashboard: each figure is one selector made of a few aggregate
queries (no per-member Python), so the page stays fast at a million members.

A period is a range of shop-local days, both ends included. Figures that
compare periods use the previous period of the same length, ending the day
before the period starts. A figure that would divide by zero is None, which
the page shows as a dash.

What the page costs (for the benchmarks), each a single statement:
- member_counts: members grouped by tier in one pass, with the joined_on
  counts of tier_performance and the stage counts of lifecycle_counts; the
  page hands it to tier_distribution, tier_performance and lifecycle_counts
  (each alone runs its own member query, as the tests call them).
- tier_distribution: members grouped by tier (index member_tier_status_idx).
- tier_performance: members grouped by tier with two joined_on counts; the
  sales of both periods in one pass (points_purchase.created_at index),
  grouped per member in SQL, then per tier and for the programme.
- points_flow: the ledger from the previous period's start to now in one
  pass (points_ledgerentry.created_at index), grouped by month; the sum of
  members' cached balances. With a tier filter, both join members on tier.
- lifecycle_counts: members in one pass with four filtered counts.
- tier_movements: tier changes in the period (tiers_tierchange.at index).
No figure reads the ledger more than once.

At a million members those passes take seconds, so the page does not run
them per request: dashboard_figures() bundles them into a DashboardSnapshot
(services.refresh_dashboard), kept fresh by a worker, and the page
reads the snapshot (find_snapshot, snapshot_figures).
"""

import pickle
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from campaigns.models import Campaign
from campaigns.selectors import campaign_results
from config.clock import shop_date, shop_day_start, shop_today
from config.money import round_money
from members.models import DashboardSnapshot, LifecycleRules, Member
from members.selectors import STAGES, stage_condition
from points.models import LedgerEntry, ProgrammeRules, Purchase
from points.services import points_value
from tiers.models import Tier, TierChange, TierProgramme

EARN_KINDS = [
    LedgerEntry.Kind.PURCHASE_EARN,
    LedgerEntry.Kind.BEHAVIOUR_EARN,
    LedgerEntry.Kind.CAMPAIGN_BONUS,
    LedgerEntry.Kind.TIER_BONUS,
    LedgerEntry.Kind.OPENING_BALANCE,
]
# A cancelled reward gives its points back: it counts against redemptions.
REDEEM_KINDS = [
    LedgerEntry.Kind.REDEEM_CASH,
    LedgerEntry.Kind.REWARD_REDEEM,
    LedgerEntry.Kind.REWARD_CANCEL,
]
EXPIRY_KINDS = [LedgerEntry.Kind.EXPIRY]


def ratio(part, whole):
    """part / whole as a Decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def _money(value) -> Decimal:
    # SQLite hands raw sums back as int or float; PostgreSQL as Decimal.
    return round_money(Decimal(str(value))) if value is not None else Decimal("0")


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def default(cls, today=None):
        """The last 12 months: this month so far and the 11 before it."""
        today = today or shop_today()
        return cls(add_months(today.replace(day=1), -11), today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> "Period":
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def starts_at(self):
        return shop_day_start(self.start)

    @property
    def ends_before(self):
        return shop_day_start(self.end + timedelta(days=1))

    def months(self) -> list[date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months


def relative_change(now, before):
    """(now - before) / before, or None when there is no earlier figure."""
    if now is None or not before:
        return None
    return (Decimal(now) - Decimal(before)) / Decimal(before)


def point_change(now, before):
    """The difference of two ratios (shown in percentage points)."""
    if now is None or before is None:
        return None
    return now - before


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


def member_counts(*, period: "Period", today=None) -> dict:
    """{tier id: {"members", "now", "before", and one count per lifecycle
    stage}}: what tier_distribution, tier_performance and lifecycle_counts
    need from the member table, in one pass grouped by tier. The view
    computes it once and hands it to all three (each scanned the million
    members on its own before)."""
    rules = LifecycleRules.current()
    rows = (
        Member.objects.order_by()
        .values("tier")
        .annotate(
            members=Count("id"),
            now=Count("id", filter=Q(joined_on__lte=period.end)),
            before=Count("id", filter=Q(joined_on__lte=period.previous.end)),
            **{stage: Count("id", filter=stage_condition(stage, today, rules)) for stage in STAGES},
        )
    )
    return {row.pop("tier"): row for row in rows}


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


def _sales_by_tier(period: Period) -> dict:
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
    period, `sales`: _sales_by_tier() for it, when the caller has them already.
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
    sales = _sales_by_tier(period) if sales is None else sales
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


# ---------------------------------------------------------------- points


@dataclass
class PointsMonth:
    month: date
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    other: int = 0  # refunds, adjustments, merges (signed)
    outstanding: int = 0  # at the month's end (or the period's end)

    @property
    def net(self) -> int:
        return self.issued - self.redeemed - self.expired + self.other


@dataclass
class PointsTotals:
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    other: int = 0

    @property
    def redemption_rate(self):
        return ratio(self.redeemed, self.issued)

    def add(self, row):
        self.issued += row["issued"] or 0
        self.redeemed += -(row["redeemed"] or 0)
        self.expired += -(row["expired"] or 0)
        self.other += row["other"] or 0


@dataclass
class PointsFlow:
    months: list  # PointsMonth, oldest first
    now: PointsTotals
    before: PointsTotals
    outstanding: int  # at the period's end
    liability: Decimal  # the outstanding points as cash off bills
    rules: ProgrammeRules = field(repr=False, default=None)

    @property
    def issued_change(self):
        return relative_change(self.now.issued, self.before.issued)

    @property
    def redeemed_change(self):
        return relative_change(self.now.redeemed, self.before.redeemed)

    @property
    def expired_change(self):
        return relative_change(self.now.expired, self.before.expired)

    @property
    def redemption_rate_change(self):
        return point_change(self.now.redemption_rate, self.before.redemption_rate)


def points_flow(*, period: Period, tier=None) -> PointsFlow:
    """Points issued, redeemed and expired per month, what was outstanding at
    each month's end, and the outstanding points as a money liability.

    One pass over the ledger from the previous period's start to now; the
    balance now is the sum of the members' cached balances (equal to the
    ledger's sum, see check_ledger), and earlier balances are worked back
    from it. With a tier filter: the members in that tier today.
    """
    before = period.previous
    entries = LedgerEntry.objects.filter(created_at__gte=before.starts_at)
    balances = Member.objects.all()
    if tier:
        entries = entries.filter(member__tier=tier)
        balances = balances.filter(tier=tier)
    rows = (
        entries.order_by()
        .annotate(
            month=TruncMonth("created_at"),
            side=Case(
                When(created_at__lt=period.starts_at, then=Value("before")),
                When(created_at__gte=period.ends_before, then=Value("after")),
                default=Value("now"),
            ),
        )
        .values("month", "side")
        .annotate(
            issued=Sum("points", filter=Q(kind__in=EARN_KINDS)),
            redeemed=Sum("points", filter=Q(kind__in=REDEEM_KINDS)),
            expired=Sum("points", filter=Q(kind__in=EXPIRY_KINDS)),
            other=Sum("points", filter=~Q(kind__in=EARN_KINDS + REDEEM_KINDS + EXPIRY_KINDS)),
            net=Sum("points"),
        )
    )
    months = {month: PointsMonth(month) for month in period.months()}
    now, earlier, after = PointsTotals(), PointsTotals(), 0
    for row in rows:
        if row["side"] == "after":
            after += row["net"]
            continue
        (now if row["side"] == "now" else earlier).add(row)
        if row["side"] == "now":
            month = months[shop_date(row["month"]).replace(day=1)]
            month.issued += row["issued"] or 0
            month.redeemed -= row["redeemed"] or 0
            month.expired -= row["expired"] or 0
            month.other += row["other"] or 0
    balance_now = balances.aggregate(total=Sum("points_balance"))["total"] or 0
    outstanding = balance_now - after
    running = outstanding
    for month in reversed(months.values()):
        month.outstanding = running
        running -= month.net
    rules = ProgrammeRules.current()
    liability = points_value(rules=rules, points=outstanding)
    return PointsFlow(list(months.values()), now, earlier, outstanding, liability, rules)


# ---------------------------------------------------------------- lifecycle


@dataclass
class StageCount:
    stage: str
    label: str
    members: int
    url: str


def lifecycle_counts(*, tier=None, today=None, counts=None) -> list[StageCount]:
    """Members in each lifecycle stage today, each with a link to the member
    list filtered the same way (so the count and the list agree).
    `counts`: member_counts() for the same day, when the caller has it."""
    if counts is not None:
        rows = [counts.get(tier.pk, {})] if tier else list(counts.values())
        counts = {stage: sum(row.get(stage, 0) for row in rows) for stage in STAGES}
    else:
        members = Member.objects.all()
        if tier:
            members = members.filter(tier=tier)
        rules = LifecycleRules.current()
        counts = members.aggregate(
            **{stage: Count("id", filter=stage_condition(stage, today, rules)) for stage in STAGES}
        )
    base = reverse("members:list")
    result = []
    for stage, label in STAGES.items():
        query = {"stage": stage, **({"tier": tier.pk} if tier else {})}
        result.append(StageCount(stage, label, counts[stage], f"{base}?{urlencode(query)}"))
    return result


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


# ---------------------------------------------------------------- campaigns


@dataclass
class CampaignFigures:
    campaign: Campaign
    sales_count: int
    sales_amount: Decimal
    points_issued: int  # earned on the sales it lifted, plus its bonuses
    count_uplift: Decimal | None  # fractions against the same weekdays before
    amount_uplift: Decimal | None


def _fraction(percent):
    return None if percent is None else Decimal(percent) / 100


def campaign_figures(*, period: Period, tier=None, results=None) -> list[CampaignFigures]:
    """The campaigns that ran in the period (all of them, or those open to
    the tier), with their sales, points and uplift as the campaigns app
    computes them for its results page. `results`: a dict of campaign id to
    campaign_results() the caller keeps across calls (they do not depend on
    the period or the tier), filled as needed."""
    results = {} if results is None else results
    campaigns = Campaign.objects.filter(starts_on__lte=period.end, ends_on__gte=period.start)
    if tier:
        campaigns = campaigns.filter(Q(tiers=tier) | Q(tiers__isnull=True)).distinct()
    found = []
    for campaign in campaigns.order_by("starts_on", "pk").prefetch_related("tiers"):
        if campaign.pk not in results:
            results[campaign.pk] = campaign_results(campaign)
        result = results[campaign.pk]
        found.append(
            CampaignFigures(
                campaign,
                result["sales_count"],
                result["sales_amount"] - result.get("refunded", 0),
                result["points_issued"] + result["bonus_points"],
                _fraction(result["uplift"]["count_uplift"]),
                _fraction(result["uplift"]["amount_uplift"]),
            )
        )
    return found


# ---------------------------------------------------------------- the page


# Bump when the dataclasses above change shape or move: stored snapshots of
# the old layout then count as missing instead of failing to unpickle.
# 2: the dataclasses moved from members.dashboard_selectors into reports.
FIGURES_LAYOUT = 2


def dashboard_figures(*, period: Period, tier=None, shared=None) -> dict:
    """Every figure the page shows, for one range and tier filter.

    `shared`: a dict the caller keeps while computing several tier filters
    of the same range: the member pass, the sales by tier and the campaigns'
    results do not depend on the filter, so they are read once.
    """
    shared = {} if shared is None else shared
    if "counts" not in shared:  # one pass over the members for three figures
        shared["counts"] = member_counts(period=period)
    if "sales" not in shared:
        shared["sales"] = _sales_by_tier(period)
    counts = shared["counts"]
    return {
        "distribution": tier_distribution(counts),
        "performance": tier_performance(
            period=period, tier=tier, counts=counts, sales=shared["sales"]
        ),
        "flow": points_flow(period=period, tier=tier),
        "lifecycle": lifecycle_counts(tier=tier, counts=counts),
        "movements": tier_movements(period=period, tier=tier),
        "campaigns": campaign_figures(
            period=period, tier=tier, results=shared.setdefault("campaigns", {})
        ),
    }


def find_snapshot(*, period: Period, tier=None):
    return DashboardSnapshot.objects.filter(
        period_start=period.start, period_end=period.end, tier_key=tier.pk if tier else 0
    ).first()


def snapshot_figures(snapshot) -> dict | None:
    """The stored figures, or None when there are none of this code's layout."""
    if snapshot is None or snapshot.figures is None or snapshot.layout != FIGURES_LAYOUT:
        return None
    try:
        return pickle.loads(snapshot.figures)
    except Exception:  # a model or class renamed since: recompute, do not fail the page
        return None


def snapshot_is_fresh(snapshot, *, now=None) -> bool:
    """Computed today (lifecycle stages move with the day) and less than
    DASHBOARD_FRESH_SECONDS ago."""
    if (
        snapshot is None
        or snapshot.figures is None
        or snapshot.layout != FIGURES_LAYOUT
        or snapshot.computed_at is None
    ):
        return False
    now = now or timezone.now()
    age = (now - snapshot.computed_at).total_seconds()
    return snapshot.shop_day == shop_date(now) and age < settings.DASHBOARD_FRESH_SECONDS
