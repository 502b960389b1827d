"""Which campaigns lift a sale, which run today, and what they achieved."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignSettings, plain_number
from campaigns.rulebook import current_rulebook
from config.clock import shop_date, shop_day_bounds, shop_today
from config.money import round_money
from members.selectors import lifecycle_stage
from points.models import LedgerEntry, Purchase, Refund
from segments.selectors import segments_keeping

Stacking = CampaignSettings.Stacking


@dataclass(frozen=True)
class CampaignTerms:
    """What campaigns add to one sale's earning.

    points = floor(eligible × base rate × tier multiplier × multiplier)
             + sum of bonus points
    `bonuses` is a list of (campaign, points); `explanation` a list of dicts
    for the counter's quote and the receipt, one per campaign that applied:
    {"campaign": name, "campaign_id": pk, "why": text, "multiplier": "2",
    "bonus": points}. `campaigns` lists the campaigns that applied (also those
    with only a multiplier); `skipped` explains, in the same dict shape, the
    campaigns that ran that day for this member but gave way to others.
    All texts are plain strings, safe to store in Purchase.earning_detail.
    """

    multiplier: Decimal = Decimal("1")
    bonuses: list = field(default_factory=list)
    explanation: list = field(default_factory=list)
    campaigns: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    stacking: str = ""


def stacking_setting() -> str:
    """The programme's stacking rule, without writing the settings row."""
    row = CampaignSettings.objects.filter(pk=1).first() or CampaignSettings()
    return row.stacking


def _in_segment(campaign, member, day: date, rulebook) -> bool:
    segment = campaign.segment
    if segment == Campaign.Segment.ALL:
        return True
    if segment == Campaign.Segment.BIRTHDAY_MONTH:
        return member.birthday is not None and member.birthday.month == day.month
    # New and dormant as the member list counts them, on the sale's shop day.
    return lifecycle_stage(member, today=day, rules=rulebook.lifecycle) == segment


def _at_store(campaign, store_id) -> bool:
    """Whether `campaign` runs at the store `store_id` (prefetched stores)."""
    store_ids = {store.pk for store in campaign.stores.all()}
    return not store_ids or store_id in store_ids


def _kept_segments(member, campaigns, day: date, rulebook) -> set:
    """Ids of the saved segments `campaigns` aim at that keep `member` on
    `day`: one query (segments.selectors.segments_keeping), asked once per
    sale. The answer is kept on the member object, which each sale reads
    afresh, so a sale's quote and its earning share it."""
    segments = {c.saved_segment_id: c.saved_segment for c in campaigns if c.saved_segment_id}
    key = (rulebook.version, day, frozenset(segments))
    memo = member.__dict__.setdefault("_kept_segments", {})
    if key not in memo:
        querysets = {pk: rulebook.segment_members(segment, day) for pk, segment in segments.items()}
        memo.clear()
        memo[key] = segments_keeping(querysets, member_id=member.pk)
    return memo[key]


def _targets(campaign, member, day: date, eligible_amount: Decimal, rulebook, *, kept=None) -> bool:
    """Whether `campaign` is for `member`'s sale of `eligible_amount` on
    `day`. `kept()`: the ids of the saved segments that keep the member (read
    last, and only for a campaign aimed at one)."""
    tier_ids = {tier.pk for tier in campaign.tiers.all()}
    if tier_ids and member.tier_id not in tier_ids:
        return False
    if eligible_amount < campaign.min_spend:
        return False
    if not _in_segment(campaign, member, day, rulebook):
        return False
    if campaign.saved_segment_id is None:
        return True
    if kept is None:
        kept = _keeping_on(member, rulebook.campaigns_on(day), day, rulebook)
    return campaign.saved_segment_id in kept()


def _keeping_on(member, campaigns, day, rulebook):
    """kept() for _targets: the segments of `campaigns` keeping `member` on `day`."""
    return lambda: _kept_segments(member, campaigns, day, rulebook)


def _extra_points(campaign, member, eligible_amount: Decimal, rules) -> Decimal:
    """Roughly what a campaign alone adds to a sale, to pick the best one."""
    base = eligible_amount * rules.earn_points / rules.earn_per_amount
    tier_multiplier = member.tier.points_multiplier if member.tier_id else Decimal("1")
    return base * tier_multiplier * (campaign.multiplier - 1) + campaign.bonus_points


def _why(campaign) -> str:
    return _("%(effect)s: %(schedule)s, for %(audience)s") % {
        "effect": campaign.effect_label,
        "schedule": campaign.schedule_label,
        "audience": campaign.receipt_audience_label,
    }


def _line(campaign, why: str) -> dict:
    return {
        "campaign": campaign.name,
        "campaign_id": campaign.pk,
        "why": why,
        "multiplier": plain_number(campaign.multiplier),
        "bonus": campaign.bonus_points,
    }


def choose_campaigns(applicable, *, stacking, value):
    """Split the campaigns that apply (highest priority first) into those
    that count and those that give way, each with the reason why not.

    The highest-priority one decides: if it is exclusive it applies alone;
    otherwise every combinable one counts (exclusive ones give way), and with
    the "best" setting only the one worth most to the member (`value`).
    """
    if not applicable:
        return [], []
    top = applicable[0]
    if top.exclusive:
        reason = _("“%(name)s” is exclusive and comes first") % {"name": top.name}
        return [top], [(c, reason) for c in applicable[1:]]
    chosen = [c for c in applicable if not c.exclusive]
    skipped = [
        (c, _("exclusive, but “%(name)s” comes first") % {"name": top.name})
        for c in applicable
        if c.exclusive
    ]
    if stacking == Stacking.BEST and len(chosen) > 1:
        # max() keeps the first of equals: the higher priority wins a tie.
        best = max(chosen, key=value)
        reason = _("“%(name)s” is worth more") % {"name": best.name}
        skipped += [(c, reason) for c in chosen if c is not best]
        chosen = [best]
    return chosen, skipped


def combined_multiplier(campaigns, stacking) -> Decimal:
    multipliers = [c.multiplier for c in campaigns]
    if not multipliers:
        return Decimal("1")
    if stacking == Stacking.MULTIPLY:
        result = Decimal("1")
        for multiplier in multipliers:
            result *= multiplier
        return result
    if stacking == Stacking.ADD:
        return 1 + sum(m - 1 for m in multipliers)
    return max(multipliers)


def campaign_terms(
    *, member, moment, eligible_amount, rulebook=None, store_id=None
) -> CampaignTerms:
    """The campaigns that apply to `member`'s sale of `eligible_amount` at
    `moment`, on the shop-local day of that moment, at the store `store_id`
    (None: at no store), and how they combine.
    `rulebook`: the rules the sale has already read (campaigns.rulebook)."""
    rulebook = rulebook or current_rulebook()
    day = shop_date(moment)
    eligible_amount = Decimal(eligible_amount)
    applicable = [
        c
        for c in rulebook.campaigns_on(day)
        if c.lifts_earning
        and _at_store(c, store_id)
        and _targets(c, member, day, eligible_amount, rulebook)
    ]
    if not applicable:
        return CampaignTerms()
    stacking = rulebook.stacking

    def value(campaign):
        return _extra_points(campaign, member, eligible_amount, rulebook.programme)

    chosen, skipped = choose_campaigns(applicable, stacking=stacking, value=value)
    return CampaignTerms(
        multiplier=combined_multiplier(chosen, stacking),
        bonuses=[(c, c.bonus_points) for c in chosen if c.bonus_points],
        explanation=[_line(c, _why(c)) for c in chosen],
        campaigns=chosen,
        skipped=[_line(c, reason) for c, reason in skipped],
        stacking=stacking,
    )


@dataclass(frozen=True)
class RedemptionTerms:
    """What points are worth as cash on one sale: `multiplier` times the
    redemption rate (1: as the rate says), by `campaign`'s double-value day."""

    multiplier: Decimal = Decimal("1")
    campaign: object = None

    def line(self) -> dict:
        """The quote's and receipt's campaign line (as campaign_terms' lines)."""
        campaign = self.campaign
        return {
            "campaign": campaign.name,
            "campaign_id": campaign.pk,
            "why": _("points worth ×%(multiplier)s as cash: %(schedule)s, for %(audience)s")
            % {
                "multiplier": plain_number(self.multiplier),
                "schedule": campaign.schedule_label,
                "audience": campaign.receipt_audience_label,
            },
            "multiplier": "1",
            "bonus": 0,
        }


def redemption_terms(*, member, moment, amount_due=None, rulebook=None) -> RedemptionTerms:
    """The double-value redemption day that applies to `member` at `moment`:
    the campaign of that shop day, for their tier and segment, whose points
    value multiplier is highest (the higher priority on a tie). Its minimum
    spend is compared with `amount_due`, the bill before points (None: left
    out, for the member's card before a bill is typed). Never combined:
    points are worth at most the best one."""
    rulebook = rulebook or current_rulebook()
    day = shop_date(moment)
    best = None
    for campaign in rulebook.campaigns_on(day):
        if campaign.redemption_multiplier <= 1:
            continue
        spend = campaign.min_spend if amount_due is None else Decimal(amount_due)
        if not _targets(campaign, member, day, spend, rulebook):
            continue
        if best is None or campaign.redemption_multiplier > best.redemption_multiplier:
            best = campaign
    if best is None:
        return RedemptionTerms()
    return RedemptionTerms(multiplier=best.redemption_multiplier, campaign=best)


def active_today(today=None):
    """Campaigns that run today, highest priority first, for the counter card."""
    return current_rulebook().campaigns_on(today or shop_today())


def campaigns_for_member(member, *, today=None, days=14) -> list:
    """[(day, [campaign, ...])] for the days among the next `days` (today
    first) on which campaigns apply to `member`: their tier and segment on
    that day, and the saved segment it aims at keeping them today. A
    campaign's minimum spend is for the member to read on it."""
    rulebook = current_rulebook()
    today = today or shop_today()
    days = [today + timedelta(days=offset) for offset in range(days)]
    # A saved segment is asked about today, once for the whole page: who is
    # in it on a later day is not known yet.
    ahead = [c for c in rulebook.campaigns if any(c.runs_on(day) for day in days)]
    kept = _keeping_on(member, ahead, today, rulebook)
    found = []
    for day in days:
        on_day = [
            c
            for c in rulebook.campaigns_on(day)
            if _targets(c, member, day, c.min_spend, rulebook, kept=kept)
        ]
        if on_day:
            found.append((day, on_day))
    return found


CALENDAR_DAYS = 31


def campaign_overview(today=None, days=CALENDAR_DAYS):
    """The campaign list page: the campaigns that apply today ("running now":
    active, and today is one of their days), the others not yet ended
    (upcoming, paused, or between their days, as "every 18th" on the 7th),
    the ended ones, and a calendar of the days among the next `days` on which
    campaigns apply."""
    today = today or shop_today()
    campaigns = list(
        Campaign.objects.select_related("saved_segment")
        .prefetch_related("tiers")
        .order_by("starts_on", "id")
    )
    running = [c for c in campaigns if c.applies_on(today)]
    upcoming = [c for c in campaigns if not c.applies_on(today) and not c.has_ended(today)]
    ended = sorted(
        (c for c in campaigns if c.has_ended(today)), key=lambda c: c.ends_on, reverse=True
    )
    calendar = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        on_day = [c for c in running + upcoming if c.applies_on(day)]
        if on_day:
            calendar.append({"day": day, "campaigns": on_day})
    return {
        "running": running,
        "upcoming": upcoming,
        "ended": ended,
        "calendar": calendar,
        "calendar_days": days,
    }


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


def campaign_sales(campaign):
    """The sales this campaign applied to: those whose earning it lifted (its
    line in earning_detail) or that carry its bonus in the ledger.

    On PostgreSQL the JSON is filtered in SQL (a million-sale window stays in
    the database); elsewhere each sale's detail is read in Python."""
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
