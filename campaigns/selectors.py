"""Which campaigns lift a sale and which run today (what they achieved:
campaigns.results)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignSettings, plain_number
from campaigns.rulebook import current_rulebook
from config.clock import shop_date, shop_today
from members.selectors import lifecycle_stage
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
