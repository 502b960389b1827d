"""The ladder's rules as database expressions.

Every figure a threshold is compared with (lifetime spend, spend, purchases
and points in the qualifying window, referred members who bought) is a
correlated subquery on the member row, and every decision (the highest tier a
member qualifies for, whether they keep their tier, where they would drop to)
is a CASE over the ladder. The review, a single sale's upgrade check, the
preview and the progress line all annotate members with these same
expressions, so they can never disagree.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from config.clock import shop_date, shop_day_start
from config.money import round_money
from tiers.models import QUALIFICATION_FIELDS, RETENTION_FIELDS, TierProgramme

EARNING_KINDS = ("purchase_earn", "behaviour_earn", "campaign_bonus")
MONEY = DecimalField(max_digits=14, decimal_places=2)
CRITERIA = (
    "lifetime_spend",
    "window_spend",
    "window_purchases",
    "referred_buyers",
    "window_points",
)


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


@dataclass(frozen=True)
class Window:
    """The figures' time span: purchases from `start` up to (not including) `end`."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime


def window_for(as_of, programme=None) -> Window:
    """The qualifying window ending with `as_of` (a shop day, or a moment).

    A day counts whole; a moment (a sale's time) counts up to and including it.
    """
    programme = programme or TierProgramme.current()
    if isinstance(as_of, datetime):
        last_day, end = shop_date(as_of), as_of + timedelta(microseconds=1)
    else:
        last_day, end = as_of, shop_day_start(as_of + timedelta(days=1))
    if programme.window == TierProgramme.Window.CALENDAR_YEAR:
        first_day = last_day.replace(month=1, day=1)
    else:
        first_day = add_months(last_day, -programme.window_months) + timedelta(days=1)
    return Window(first_day, last_day, shop_day_start(first_day), end)


def _sum(queryset, expression, output_field):
    return Coalesce(
        Subquery(
            queryset.order_by().values("member").annotate(total=Sum(expression)).values("total"),
            output_field=output_field,
        ),
        Value(0, output_field=output_field),
        output_field=output_field,
    )


def figure_expressions(window: Window, criteria=CRITERIA) -> dict:
    """{f_<criterion>: expression} for the criteria asked for."""
    from members.models import Member
    from points.models import LedgerEntry, Purchase

    net_paid = F("amount_paid") - F("refunded_amount")
    sales = Purchase.objects.filter(member=OuterRef("pk"), created_at__lt=window.end)
    in_window = sales.filter(created_at__gte=window.start)
    expressions = {}
    if "lifetime_spend" in criteria:
        expressions["f_lifetime_spend"] = _sum(sales, net_paid, MONEY)
    if "window_spend" in criteria:
        expressions["f_window_spend"] = _sum(in_window, net_paid, MONEY)
    if "window_purchases" in criteria:
        # A sale refunded in full is no purchase.
        counted = in_window.filter(refunded_amount__lt=F("amount_paid"))
        expressions["f_window_purchases"] = _sum(counted, Value(1), IntegerField())
    if "referred_buyers" in criteria:
        buyers = Member.objects.filter(referred_by=OuterRef("pk")).filter(
            Exists(Purchase.objects.filter(member=OuterRef("pk"), created_at__lt=window.end))
        )
        expressions["f_referred_buyers"] = Coalesce(
            Subquery(
                buyers.order_by().values("referred_by").annotate(total=Count("pk")).values("total"),
                output_field=IntegerField(),
            ),
            Value(0),
            output_field=IntegerField(),
        )
    if "window_points" in criteria:
        earned = LedgerEntry.objects.filter(
            member=OuterRef("pk"),
            kind__in=EARNING_KINDS,
            points__gt=0,
            created_at__gte=window.start,
            created_at__lt=window.end,
        )
        expressions["f_window_points"] = _sum(earned, F("points"), IntegerField())
    return expressions


def criteria_used(ladder) -> set:
    used = set()
    for tier in ladder:
        used |= set(tier.qualification()) | set(tier.retention())
    return used


def qualifies(tier) -> Q | None:
    """Q over the figure annotations: meets any qualification threshold.

    None when the tier has no threshold (only right for the entry tier).
    """
    condition = None
    for criterion, threshold in tier.qualification().items():
        part = Q(**{f"f_{criterion}__gte": threshold})
        condition = part if condition is None else condition | part
    return condition


def keeps(tier) -> Q | None:
    """Meets a retention threshold, or qualifies again."""
    condition = qualifies(tier)
    for criterion, threshold in tier.retention().items():
        part = Q(**{f"f_{criterion}__gte": threshold})
        condition = part if condition is None else condition | part
    return condition


def _is(condition, **match) -> Q:
    return Q(**match) if condition is None else Q(**match) & condition


def qualified_rank(ladder):
    """The rank of the highest active tier the member qualifies for."""
    ladder = sorted(ladder, key=lambda t: t.rank)
    whens = [
        When(qualifies(tier), then=Value(tier.rank))
        for tier in reversed(ladder[1:])
        if qualifies(tier) is not None
    ]
    return Case(*whens, default=Value(ladder[0].rank), output_field=IntegerField())


def keeps_tier(ladder):
    """Whether the member keeps the tier they hold (the entry tier always)."""
    ladder = sorted(ladder, key=lambda t: t.rank)
    whens = [When(tier_id=ladder[0].pk, then=Value(True))]
    whens += [
        When(_is(keeps(tier), tier_id=tier.pk), then=Value(True))
        for tier in ladder[1:]
        if keeps(tier) is not None
    ]
    return Case(*whens, default=Value(False), output_field=BooleanField())


def drop_rank(ladder, mode):
    """Where a member who lost their tier goes: one step down, or the highest
    lower tier they qualify for or would keep."""
    ladder = sorted(ladder, key=lambda t: t.rank)
    whens = []
    for index, tier in enumerate(ladder[1:], start=1):
        lower = ladder[:index]
        if mode == TierProgramme.Downgrade.ONE_STEP:
            whens.append(When(tier_id=tier.pk, then=Value(lower[-1].rank)))
            continue
        for candidate in reversed(lower[1:]):
            condition = keeps(candidate)
            if condition is not None:
                whens.append(When(_is(condition, tier_id=tier.pk), then=Value(candidate.rank)))
        whens.append(When(tier_id=tier.pk, then=Value(lower[0].rank)))
    return Case(*whens, default=F("tier__rank"), output_field=IntegerField())


def annotate_standing(queryset, ladder, window, programme, *, criteria=None):
    """Members annotated with their figures, q_rank, keeps and drop_rank."""
    criteria = criteria_used(ladder) if criteria is None else criteria
    return queryset.annotate(**figure_expressions(window, criteria)).annotate(
        q_rank=qualified_rank(ladder),
        keeps=keeps_tier(ladder),
        drop_rank=drop_rank(ladder, programme.downgrade),
    )


def figures_of(row) -> dict:
    """The figures of an annotated row, JSON-ready, for TierChange.figures."""
    figures = {}
    for criterion in CRITERIA:
        value = row.get(f"f_{criterion}") if isinstance(row, dict) else None
        if value is None and not isinstance(row, dict):
            value = getattr(row, f"f_{criterion}", None)
        if value is not None:
            money = criterion.endswith("spend")
            figures[criterion] = str(round_money(Decimal(value))) if money else int(value)
    return figures


# Re-exported for forms and validation.
THRESHOLD_FIELDS = {**QUALIFICATION_FIELDS, **RETENTION_FIELDS}
