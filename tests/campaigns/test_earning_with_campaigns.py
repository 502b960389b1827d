"""Campaigns through the counter's door: record_purchase and quote_purchase."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import Campaign, CampaignSettings
from loyalty.sale import quote_purchase, record_purchase
from points.models import LedgerEntry
from tests.factories import CampaignFactory, MemberFactory

TAIPEI = ZoneInfo("Asia/Taipei")
THE_18TH = date(2026, 12, 18)


@pytest.fixture(autouse=True)
def shop_in_taipei(settings):
    settings.TIME_ZONE = "Asia/Taipei"


@pytest.fixture
def gold_18th(tiers):
    return CampaignFactory(
        name="Gold 18th",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 6, 30),
        schedule=Campaign.Schedule.MONTH_DAYS,
        month_days=[18],
        multiplier=Decimal("2"),
        tiers=[tiers["gold"]],
    )


def at(day, hour=12, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI)


def sale(member, moment, amount="333", key="sale"):
    return record_purchase(member=member, amount=Decimal(amount), idempotency_key=key, at=moment)


def test_gold_on_the_18th_earns_base_times_tier_times_campaign_floored_once(tiers, gold_18th):
    gold = MemberFactory(tier=tiers["gold"])  # 20 % off, ×1.5
    purchase = sale(gold, at(THE_18TH))
    # Paid 333 - 66.60 = 266.40; 266.40 × 1.5 × 2 = 799.2 -> 799.
    # Flooring each step would give floor(399.6) × 2 = 798.
    assert purchase.amount_paid == Decimal("266.40")
    assert purchase.points_earned == 799
    assert Decimal(purchase.earning_detail["campaign_multiplier"]) == 2
    assert purchase.earning_detail["explanation"][0]["campaign"] == "Gold 18th"


def test_silver_gets_no_gold_campaign(tiers, gold_18th):
    silver = MemberFactory(tier=tiers["silver"])  # 10 % off, ×1.2
    purchase = sale(silver, at(THE_18TH))
    # Paid 299.70 × 1.2 = 359.64 -> 359, no campaign.
    assert purchase.points_earned == 359
    assert purchase.earning_detail["explanation"] == []


def test_a_sale_at_23_30_local_on_the_18th_counts(tiers, gold_18th):
    gold = MemberFactory(tier=tiers["gold"])
    purchase = sale(gold, at(THE_18TH, 23, 30))
    assert purchase.points_earned == 799


def test_a_sale_at_00_10_local_on_the_19th_does_not(tiers, gold_18th):
    gold = MemberFactory(tier=tiers["gold"])
    moment = at(date(2026, 12, 19), 0, 10)
    assert moment.astimezone(ZoneInfo("UTC")).date() == THE_18TH
    purchase = sale(gold, moment)
    assert purchase.points_earned == 399  # 266.40 × 1.5 = 399.6 -> 399


def _second_campaign(**overrides):
    fields = {
        "name": "Bonus day",
        "starts_on": THE_18TH,
        "ends_on": THE_18TH,
        "multiplier": Decimal("1.5"),
        "bonus_points": 30,
        "priority": 1,
    }
    return CampaignFactory(**{**fields, **overrides})


def _stacking(rule):
    CampaignSettings.objects.update_or_create(pk=1, defaults={"stacking": rule})


def test_two_campaigns_add_their_multipliers(tiers, gold_18th):
    _stacking("add")
    bonus_day = _second_campaign()
    gold = MemberFactory(tier=tiers["gold"])
    purchase = sale(gold, at(THE_18TH))
    # ×2 and ×1.5 add to ×2.5: 266.40 × 1.5 × 2.5 = 999 -> 999, plus the flat 30.
    assert purchase.points_earned == 999 + 30
    bonus = LedgerEntry.objects.get(purchase=purchase, kind=LedgerEntry.Kind.CAMPAIGN_BONUS)
    assert bonus.points == 30 and bonus.campaign == bonus_day
    earn = LedgerEntry.objects.get(purchase=purchase, kind=LedgerEntry.Kind.PURCHASE_EARN)
    assert earn.points == 999 and earn.campaign is None


def test_two_campaigns_multiply_their_multipliers(tiers, gold_18th):
    _stacking("multiply")
    _second_campaign()
    gold = MemberFactory(tier=tiers["gold"])
    # ×2 × ×1.5 = ×3: 266.40 × 1.5 × 3 = 1198.8 -> 1198, plus 30.
    assert sale(gold, at(THE_18TH)).points_earned == 1198 + 30


def test_with_best_only_the_campaign_worth_most_counts(tiers, gold_18th):
    _stacking("best")
    _second_campaign()
    gold = MemberFactory(tier=tiers["gold"])
    purchase = sale(gold, at(THE_18TH))
    # ×2 adds about 399.6 points; ×1.5 + 30 about 229.8: the ×2 wins alone.
    assert purchase.points_earned == 799
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CAMPAIGN_BONUS).exists()


def test_an_exclusive_campaign_first_in_priority_applies_alone(tiers, gold_18th):
    _stacking("add")
    _second_campaign(priority=9, exclusive=True, multiplier=Decimal("1"), bonus_points=100)
    gold = MemberFactory(tier=tiers["gold"])
    purchase = sale(gold, at(THE_18TH))
    assert purchase.points_earned == 399 + 100


def test_the_quote_shows_which_campaigns_applied(tiers, gold_18th):
    _stacking("add")
    _second_campaign()
    gold = MemberFactory(tier=tiers["gold"])
    quote = quote_purchase(member=gold, amount=Decimal("333"), at=at(THE_18TH))
    assert quote.points_earned == 1029
    # Highest priority first.
    names = [line["campaign"] for line in quote.detail["explanation"]]
    assert names == ["Bonus day", "Gold 18th"]
    assert "×2" in quote.detail["explanation"][1]["why"]


def test_a_dormant_members_campaign_sees_them_before_the_sale_wakes_them(tiers):
    CampaignFactory(
        starts_on=date(2026, 12, 1),
        segment=Campaign.Segment.DORMANT,
        bonus_points=200,
        multiplier=Decimal("1"),
    )
    sleeper = MemberFactory(joined_on=date(2025, 1, 1), last_purchase_at=at(date(2026, 10, 1)))
    first = sale(sleeper, at(date(2026, 12, 15)), amount="100", key="first")
    second = sale(sleeper, at(date(2026, 12, 16)), amount="100", key="second")
    assert first.points_earned == 95 + 200
    assert second.points_earned == 95
