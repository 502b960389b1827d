"""The dashboard's points figures: issued, redeemed and expired per month,
what is outstanding, and what it is worth as cash off bills."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, Q, Sum, Value, When
from django.db.models.functions import TruncMonth

from config.clock import shop_date
from members.models import Member
from points.ledger import points_value
from points.models import LedgerEntry, ProgrammeRules
from reports.periods import Period, point_change, ratio, relative_change

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
# A refund takes back points its sale earned (a negative entry: less issued)
# and gives back points its sale used (a positive one: less redeemed), at
# the refund's own time, so both figures are net of refunds in its period.
REFUND = Q(kind=LedgerEntry.Kind.REFUND_REVERSAL)
ISSUED = Q(kind__in=EARN_KINDS) | (REFUND & Q(points__lt=0))
REDEEMED = Q(kind__in=REDEEM_KINDS) | (REFUND & Q(points__gt=0))
EXPIRED = Q(kind__in=EXPIRY_KINDS)


@dataclass
class PointsMonth:
    month: date
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    other: int = 0  # adjustments and merges (signed)
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
    added: int = 0  # the points adjustments and merges put in (part of other)
    opening: int = 0  # outstanding at the period's start

    @property
    def net(self) -> int:
        return self.issued - self.redeemed - self.expired + self.other

    @property
    def redemption_rate(self):
        """Of the points members could spend in the period (their balance at
        its start, what they were issued in it and what adjustments added),
        the share they redeemed. Redeemed over issued alone passes 100 %
        whenever members spend points saved earlier; this cannot, as no
        balance goes below zero."""
        return ratio(self.redeemed, self.opening + self.issued + self.added)

    def add(self, row):
        self.issued += row["issued"] or 0
        self.redeemed += -(row["redeemed"] or 0)
        self.expired += -(row["expired"] or 0)
        self.other += row["other"] or 0
        self.added += row["added"] or 0


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


def points_flow(*, period: Period, tier=None, store=None) -> PointsFlow:
    """Points issued, redeemed and expired per month, what was outstanding at
    each month's end, and the outstanding points as a money liability.

    Issued is net of the earned points refunds took back, redeemed of the
    used points refunds and cancelled rewards gave back, each in the month
    of the refund or cancellation.

    One pass over the ledger from the previous period's start to now; the
    balance now is the sum of the members' cached balances (equal to the
    ledger's sum, see check_ledger), and earlier balances are worked back
    from it. With a tier filter: the members in that tier today.

    With a store: the entries made at that store (LedgerEntry.store). Points
    are spent in any store, so no member balance belongs to one; what is
    outstanding is then the store's own net, the points issued there less
    those redeemed or expired there, read from its ledger before the pass
    (one more aggregate). It goes below zero at a store where members spend
    more than they earn; the settlement report says what that is worth.
    """
    before = period.previous
    entries = LedgerEntry.objects.filter(created_at__gte=before.starts_at)
    balances = Member.objects.all()
    if tier:
        entries = entries.filter(member__tier=tier)
        balances = balances.filter(tier=tier)
    if store:
        entries = entries.filter(store=store)
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
            issued=Sum("points", filter=ISSUED),
            redeemed=Sum("points", filter=REDEEMED),
            expired=Sum("points", filter=EXPIRED),
            other=Sum("points", filter=~(ISSUED | REDEEMED | EXPIRED)),
            added=Sum("points", filter=~(ISSUED | REDEEMED | EXPIRED) & Q(points__gt=0)),
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
    if store:
        opening = LedgerEntry.objects.filter(store=store, created_at__lt=before.starts_at)
        if tier:
            opening = opening.filter(member__tier=tier)
        balance_now = opening.aggregate(total=Sum("points"))["total"] or 0
        balance_now += earlier.net + now.net + after
    else:
        balance_now = balances.aggregate(total=Sum("points_balance"))["total"] or 0
    outstanding = balance_now - after
    running = outstanding
    for month in reversed(months.values()):
        month.outstanding = running
        running -= month.net
    now.opening = running
    earlier.opening = running - earlier.net
    rules = ProgrammeRules.current()
    liability = points_value(rules=rules, points=outstanding)
    return PointsFlow(list(months.values()), now, earlier, outstanding, liability, rules)
