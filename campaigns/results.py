"""What a campaign achieved: the sales it lifted, its uplift against the
weeks before, its results page's figures."""

import copy
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from config.clock import shop_day_bounds, shop_today
from config.inputs import MAX_DATE, MIN_DATE
from config.money import round_money
from points.models import LedgerEntry, Purchase, Refund


def _campaign_ids(detail) -> set:
    """Campaign ids named anywhere in a sale's earning_detail (which keeps
    the explanation lines campaign_terms returned)."""
    found = set()
    if isinstance(detail, dict):
        # points.sale keeps the explanation lines as strings.
        campaign_id = str(detail.get("campaign_id", ""))
        if campaign_id.isdigit():
            found.add(int(campaign_id))
        for value in detail.values():
            found |= _campaign_ids(value)
    elif isinstance(detail, list):
        for value in detail:
            found |= _campaign_ids(value)
    return found


def _lifted_condition(campaign) -> Q:
    """PostgreSQL: the sales whose earning_detail names the campaign, as JSON
    containment the GIN index `purchase_earning_detail_gin` serves. The
    points services write its id as a string in `explanation` and as a number
    in `bonuses`; both spellings are matched in either list."""
    condition = Q()
    for key in ("explanation", "bonuses", "campaigns"):
        for value in (campaign.pk, str(campaign.pk)):
            condition |= Q(earning_detail__contains={key: [{"campaign_id": value}]})
    return condition


def _within_product_years(campaign):
    """The campaign with its days inside the years the product represents.

    The forms and services refuse dates outside them, but a campaign saved
    before they did (year 1 to 9999) would overflow every date sum below
    and break its results page and the dashboard. Its figures are the same:
    no sale was made before 1900 or after 2200."""
    starts_on, ends_on = campaign.starts_on, campaign.ends_on
    if starts_on >= MIN_DATE and (ends_on is None or ends_on <= MAX_DATE):
        return campaign
    bounded = copy.copy(campaign)
    bounded.starts_on = min(max(starts_on, MIN_DATE), MAX_DATE)
    if ends_on is not None:
        bounded.ends_on = max(min(ends_on, MAX_DATE), bounded.starts_on)
    return bounded


def campaign_sales(campaign):
    """The sales this campaign applied to: those whose earning it lifted (its
    line in earning_detail) or that carry its bonus in the ledger.

    On PostgreSQL the JSON is filtered in SQL (a million-sale window stays in
    the database); elsewhere each sale's detail is read in Python."""
    campaign = _within_product_years(campaign)
    start, _end = shop_day_bounds(campaign.starts_on)
    in_window = Purchase.objects.filter(created_at__gte=start)
    if campaign.ends_on is not None:
        _start, end = shop_day_bounds(campaign.ends_on)
        in_window = in_window.filter(created_at__lt=end)
    with_bonus = LedgerEntry.objects.filter(campaign=campaign, purchase__isnull=False)
    if connection.vendor == "postgresql":
        lifted = in_window.filter(_lifted_condition(campaign)).order_by().values("pk")
        bonus_ids = with_bonus.order_by().values("purchase_id")
        return Purchase.objects.filter(pk__in=lifted.union(bonus_ids))
    lifted = [
        pk
        for pk, detail in in_window.values_list("pk", "earning_detail")
        if campaign.pk in _campaign_ids(detail)
    ]
    return Purchase.objects.filter(Q(pk__in=lifted) | Q(pk__in=with_bonus.values("purchase_id")))


def is_frozen(campaign, today=None) -> bool:
    """An ended campaign that applied to a sale can no longer be changed."""
    today = today or shop_today()
    return campaign.has_ended(today) and campaign_sales(campaign).exists()


BASELINE_WEEKS = 4


def _per_day(rows, amount):
    day = TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    return (
        rows.annotate(day=day).values("day").annotate(count=Count("pk"), amount=amount).order_by()
    )


def _daily_sales(tier_ids, first: date, last: date) -> dict:
    """{shop-local day: (sales count, amount paid less the refunds made that
    day)} from `first` to `last`: a refund counts on the day it is made,
    whichever sale it refunds. With `tier_ids`: the sales made in those tiers
    and the refunds of such sales."""
    start, _end = shop_day_bounds(first)
    _start, end = shop_day_bounds(last)
    sales = Purchase.objects.filter(created_at__gte=start, created_at__lt=end)
    refunds = Refund.objects.filter(created_at__gte=start, created_at__lt=end)
    if tier_ids:
        sales = sales.filter(tier_id__in=tier_ids)
        refunds = refunds.filter(purchase__tier_id__in=tier_ids)
    daily = {
        row["day"]: (row["count"], row["amount"]) for row in _per_day(sales, Sum("amount_paid"))
    }
    for row in _per_day(refunds, Sum("amount")):
        count, amount = daily.get(row["day"], (0, Decimal("0")))
        daily[row["day"]] = (count, amount - row["amount"])
    return daily


def _percent_change(actual, expected):
    # Nothing sold on the baseline days (or more refunded than sold): no
    # uplift can be measured against it.
    if not expected or expected < 0:
        return None
    return ((Decimal(actual) - Decimal(expected)) * 100 / Decimal(expected)).quantize(
        Decimal("0.1")
    )


def campaign_uplift(campaign, today=None) -> dict:
    """Sales on the campaign's days so far against the same weekdays in the
    four weeks before it started (each weekday's average of those 4 days).

    Counts every sale, or the targeted tiers' sales when the campaign targets
    tiers (the tier a sale was made in), whether or not the campaign applied.
    Amounts are net of the refunds made on each day (of such sales).
    """
    campaign = _within_product_years(campaign)
    today = today or shop_today()
    last = today if campaign.ends_on is None else min(campaign.ends_on, today)
    days = []
    day = campaign.starts_on
    while day <= last:
        if campaign.runs_on(day):
            days.append(day)
        day += timedelta(days=1)
    tier_ids = [tier.pk for tier in campaign.tiers.all()]
    baseline_start = campaign.starts_on - timedelta(weeks=BASELINE_WEEKS)
    daily = _daily_sales(tier_ids, baseline_start, max(last, campaign.starts_on))
    by_weekday = {weekday: [0, Decimal("0")] for weekday in range(7)}
    day = baseline_start
    while day < campaign.starts_on:
        count, amount = daily.get(day, (0, Decimal("0")))
        by_weekday[day.weekday()][0] += count
        by_weekday[day.weekday()][1] += amount
        day += timedelta(days=1)
    actual_count = sum(daily.get(d, (0, 0))[0] for d in days)
    actual_amount = sum((daily.get(d, (0, Decimal("0")))[1] for d in days), Decimal("0"))
    expected_count = sum(
        (Decimal(by_weekday[d.weekday()][0]) / BASELINE_WEEKS for d in days), Decimal("0")
    )
    expected_amount = sum((by_weekday[d.weekday()][1] / BASELINE_WEEKS for d in days), Decimal("0"))
    return {
        "days": days,
        "baseline_from": baseline_start,
        "baseline_to": campaign.starts_on - timedelta(days=1),
        "sales_count": actual_count,
        "sales_amount": actual_amount,
        "expected_count": expected_count.quantize(Decimal("0.1")),
        "expected_amount": round_money(expected_amount),
        "count_uplift": _percent_change(actual_count, expected_count),
        "amount_uplift": _percent_change(actual_amount, expected_amount),
    }


def campaign_results(campaign, today=None) -> dict:
    """The results page: the sales the campaign applied to, and the uplift.

    Refunds count when they are made: those of its sales made by the
    campaign's last day (`refunded`) lower its figures (`sales_amount` is
    `paid` less them, `points_issued` less the points they took back);
    later ones are only reported (`refunded_later`), as they count in the
    period they are made.
    `points_issued` includes the campaign's bonus entries (`bonus_points`).
    """
    campaign = _within_product_years(campaign)
    sales = campaign_sales(campaign)
    figures = sales.order_by().aggregate(
        count=Count("pk"),
        amount=Sum("amount_paid"),
        members=Count("member", distinct=True),
        points=Sum("points_earned"),
    )
    if campaign.ends_on is None:
        during = Q()  # no last day: every refund so far is within it
    else:
        _start, campaign_end = shop_day_bounds(campaign.ends_on)
        during = Q(created_at__lt=campaign_end)
    refunds = Refund.objects.filter(purchase__in=sales).aggregate(
        during=Sum("amount", filter=during),
        later=Sum("amount", filter=~during),
        points_back=Sum("points_reversed", filter=during),
    )
    bonus = LedgerEntry.objects.filter(campaign=campaign).aggregate(points=Sum("points"))
    paid = figures["amount"] or Decimal("0")
    refunded = refunds["during"] or Decimal("0")
    return {
        "sales_count": figures["count"],
        "paid": paid,
        "refunded": refunded,
        "sales_amount": paid - refunded,
        "refunded_later": refunds["later"] or Decimal("0"),
        "members": figures["members"],
        "points_issued": (figures["points"] or 0) - (refunds["points_back"] or 0),
        "bonus_points": bonus["points"] or 0,
        "uplift": campaign_uplift(campaign, today),
    }
