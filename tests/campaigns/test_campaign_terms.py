"""campaign_terms: which campaigns lift one sale, on the shop's day."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import Campaign, CampaignSettings
from campaigns.selectors import active_today, campaign_terms
from tests.factories import CampaignFactory, MemberFactory

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture(autouse=True)
def shop_in_taipei(settings):
    settings.TIME_ZONE = "Asia/Taipei"


def at(day: date, hour=12, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI)


def every_18th(**kwargs):
    defaults = dict(
        name="18th",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        schedule=Campaign.Schedule.MONTH_DAYS,
        month_days=[18],
        multiplier=Decimal("2"),
    )
    return CampaignFactory(**{**defaults, **kwargs})


def terms(member, moment, amount="1000"):
    return campaign_terms(member=member, moment=moment, eligible_amount=Decimal(amount))


def test_every_18th_for_gold_applies_to_gold_on_the_18th(tiers):
    campaign = every_18th(tiers=[tiers["gold"]])
    gold = MemberFactory(tier=tiers["gold"])
    result = terms(gold, at(date(2027, 1, 18)))
    assert result.multiplier == Decimal("2")
    assert result.campaigns == [campaign]
    assert result.bonuses == []
    assert result.explanation[0]["campaign_id"] == campaign.pk
    assert "×2" in result.explanation[0]["why"]
    assert "Gold" in result.explanation[0]["why"]


def test_silver_member_gets_no_gold_campaign(tiers):
    every_18th(tiers=[tiers["gold"]])
    silver = MemberFactory(tier=tiers["silver"])
    result = terms(silver, at(date(2027, 1, 18)))
    assert result.multiplier == 1
    assert result.campaigns == [] and result.explanation == []


def test_other_days_of_the_month_get_nothing(tiers):
    every_18th()
    member = MemberFactory(tier=tiers["gold"])
    assert terms(member, at(date(2027, 1, 17))).multiplier == 1
    assert terms(member, at(date(2027, 1, 19))).multiplier == 1


def test_late_evening_on_the_18th_counts_in_shop_time(tiers):
    every_18th()
    member = MemberFactory(tier=tiers["gold"])
    # 23:30 in Taipei is 15:30 UTC, still the 18th either way.
    assert terms(member, at(date(2026, 12, 18), 23, 30)).multiplier == 2


def test_ten_past_midnight_on_the_19th_does_not_count(tiers):
    every_18th()
    member = MemberFactory(tier=tiers["gold"])
    moment = at(date(2026, 12, 19), 0, 10)
    # In UTC this is still the 18th (16:10): the shop's day decides.
    assert moment.astimezone(ZoneInfo("UTC")).day == 18
    assert terms(member, moment).multiplier == 1


def test_early_morning_utc_of_the_18th_is_the_shops_18th(tiers):
    every_18th()
    member = MemberFactory(tier=tiers["gold"])
    # 00:30 on the 18th in Taipei is 16:30 UTC on the 17th.
    assert terms(member, at(date(2026, 12, 18), 0, 30)).multiplier == 2


def test_window_bounds_are_inclusive(tiers):
    campaign = CampaignFactory(starts_on=date(2026, 12, 10), ends_on=date(2026, 12, 12))
    member = MemberFactory()
    assert terms(member, at(date(2026, 12, 9))).campaigns == []
    assert terms(member, at(date(2026, 12, 10), 0, 0)).campaigns == [campaign]
    assert terms(member, at(date(2026, 12, 12), 23, 59)).campaigns == [campaign]
    assert terms(member, at(date(2026, 12, 13))).campaigns == []


def test_weekday_schedule(tiers):
    # 2026-12-05 is a Saturday.
    CampaignFactory(
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 31),
        schedule=Campaign.Schedule.WEEKDAYS,
        weekdays=[5, 6],
    )
    member = MemberFactory()
    assert terms(member, at(date(2026, 12, 5))).multiplier == 2
    assert terms(member, at(date(2026, 12, 6))).multiplier == 2
    assert terms(member, at(date(2026, 12, 7))).multiplier == 1


def test_listed_dates_schedule(tiers):
    CampaignFactory(
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 31),
        schedule=Campaign.Schedule.DATES,
        dates=["2026-12-12", "2026-12-25"],
    )
    member = MemberFactory()
    assert terms(member, at(date(2026, 12, 25))).multiplier == 2
    assert terms(member, at(date(2026, 12, 24))).multiplier == 1


def test_paused_campaign_does_not_apply(tiers):
    CampaignFactory(starts_on=date(2026, 12, 1), is_active=False)
    assert terms(MemberFactory(), at(date(2026, 12, 2))).multiplier == 1


def test_minimum_spend(tiers):
    CampaignFactory(
        starts_on=date(2026, 12, 1), min_spend=Decimal("500"), multiplier=1, bonus_points=50
    )
    member = MemberFactory()
    assert terms(member, at(date(2026, 12, 2)), "499.99").bonuses == []
    result = terms(member, at(date(2026, 12, 2)), "500")
    assert [points for _campaign, points in result.bonuses] == [50]
    assert result.multiplier == 1


def test_birthday_month_segment(tiers):
    CampaignFactory(starts_on=date(2026, 12, 1), segment=Campaign.Segment.BIRTHDAY_MONTH)
    december = MemberFactory(birthday=date(1990, 12, 30))
    june = MemberFactory(birthday=date(1990, 6, 1))
    unknown = MemberFactory(birthday=None)
    day = at(date(2026, 12, 2))
    assert terms(december, day).multiplier == 2
    assert terms(june, day).multiplier == 1
    assert terms(unknown, day).multiplier == 1


def test_new_member_segment(tiers):
    CampaignFactory(starts_on=date(2026, 12, 1), segment=Campaign.Segment.NEW)
    day = date(2026, 12, 20)
    newcomer = MemberFactory(joined_on=day - timedelta(days=5))
    regular = MemberFactory(
        joined_on=day - timedelta(days=400), last_purchase_at=at(day - timedelta(days=3))
    )
    assert terms(newcomer, at(day)).multiplier == 2
    assert terms(regular, at(day)).multiplier == 1


def test_dormant_member_segment(tiers):
    CampaignFactory(starts_on=date(2026, 12, 1), segment=Campaign.Segment.DORMANT)
    day = date(2026, 12, 20)
    dormant = MemberFactory(
        joined_on=day - timedelta(days=400), last_purchase_at=at(day - timedelta(days=75))
    )
    active = MemberFactory(
        joined_on=day - timedelta(days=400), last_purchase_at=at(day - timedelta(days=10))
    )
    assert terms(dormant, at(day)).multiplier == 2
    assert terms(active, at(day)).multiplier == 1


def _two_on_one_day(*, stacking, first=None, second=None):
    CampaignSettings.objects.update_or_create(pk=1, defaults={"stacking": stacking})
    day = date(2026, 12, 18)
    a = CampaignFactory(
        **{
            "name": "Double",
            "starts_on": day,
            "ends_on": day,
            "multiplier": Decimal("2"),
            "priority": 5,
            **(first or {}),
        }
    )
    b = CampaignFactory(
        **{
            "name": "Half again",
            "starts_on": day,
            "ends_on": day,
            "multiplier": Decimal("1.5"),
            "priority": 1,
            "bonus_points": 30,
            **(second or {}),
        }
    )
    return a, b, at(day)


def test_stacking_add(tiers):
    a, b, moment = _two_on_one_day(stacking="add")
    result = terms(MemberFactory(), moment)
    assert result.multiplier == Decimal("2.5")
    assert result.bonuses == [(b, 30)]
    assert [line["campaign"] for line in result.explanation] == ["Double", "Half again"]


def test_stacking_multiply(tiers):
    a, b, moment = _two_on_one_day(stacking="multiply")
    result = terms(MemberFactory(), moment)
    assert result.multiplier == Decimal("3")
    assert result.bonuses == [(b, 30)]


def test_stacking_best_keeps_the_one_worth_most(tiers):
    # On 1000 at 1 point per 1: ×2 adds 1000 points, ×1.5 + 30 adds 530.
    a, b, moment = _two_on_one_day(stacking="best")
    result = terms(MemberFactory(), moment)
    assert result.multiplier == 2
    assert result.campaigns == [a]
    assert result.bonuses == []
    assert [line["campaign"] for line in result.skipped] == ["Half again"]


def test_stacking_best_can_pick_a_flat_bonus(tiers):
    a, b, moment = _two_on_one_day(
        stacking="best", second={"multiplier": Decimal("1"), "bonus_points": 200}
    )
    # On 100: ×2 adds 100 points, the flat bonus 200.
    result = terms(MemberFactory(), moment, "100")
    assert result.campaigns == [b]
    assert result.multiplier == 1
    assert result.bonuses == [(b, 200)]


def test_exclusive_campaign_with_highest_priority_applies_alone(tiers):
    a, b, moment = _two_on_one_day(stacking="add", first={"exclusive": True})
    result = terms(MemberFactory(), moment)
    assert result.campaigns == [a]
    assert result.multiplier == 2 and result.bonuses == []
    assert "exclusive" in result.skipped[0]["why"]


def test_exclusive_campaign_gives_way_to_a_higher_priority_one(tiers):
    a, b, moment = _two_on_one_day(stacking="add", second={"exclusive": True})
    result = terms(MemberFactory(), moment)
    assert result.campaigns == [a]
    assert result.multiplier == 2
    assert result.skipped[0]["campaign_id"] == b.pk


def test_explanation_is_plain_json(tiers):
    import json

    a, b, moment = _two_on_one_day(stacking="add")
    result = terms(MemberFactory(), moment)
    json.dumps({"explanation": result.explanation, "skipped": result.skipped})


def test_active_today_lists_campaigns_running_today(tiers):
    day = date(2026, 12, 18)
    running = every_18th(priority=1)
    also = CampaignFactory(starts_on=day, ends_on=day, priority=9)
    every_18th(is_active=False)
    CampaignFactory(starts_on=day + timedelta(days=1), ends_on=day + timedelta(days=1))
    assert active_today(day) == [also, running]
    assert active_today(day + timedelta(days=2)) == []
