"""The rules create_campaign and update_campaign enforce."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from campaigns import services
from campaigns.models import Campaign
from config.clock import shop_today
from config.errors import LoyaltyError
from tests.factories import CampaignFactory


def _fields(**overrides):
    today = shop_today()
    fields = {
        "name": "Double days",
        "starts_on": today,
        "ends_on": today + timedelta(days=10),
        "multiplier": Decimal("2"),
    }
    fields.update(overrides)
    return fields


def _refused(code, **overrides):
    with pytest.raises(LoyaltyError) as caught:
        services.create_campaign(**_fields(**overrides))
    assert caught.value.code == code
    assert not Campaign.objects.exists()
    return caught.value


def test_create_with_defaults(db):
    campaign = services.create_campaign(**_fields())
    assert campaign.schedule == "every_day"
    assert campaign.segment == "all"
    assert campaign.is_active and not campaign.exclusive


def test_one_day_campaign_is_allowed(db):
    today = shop_today()
    campaign = services.create_campaign(**_fields(starts_on=today, ends_on=today))
    assert campaign.runs_on(today)


def test_end_before_start_is_refused(db):
    error = _refused("end_before_start", ends_on=shop_today() - timedelta(days=1))
    assert error.field == "ends_on"


def test_a_campaign_needs_an_effect(db):
    _refused("no_effect", multiplier=Decimal("1"), bonus_points=0)


def test_a_bonus_alone_is_an_effect(db):
    campaign = services.create_campaign(**_fields(multiplier=None, bonus_points=50))
    assert campaign.multiplier == 1 and campaign.bonus_points == 50


def test_multiplier_below_one_is_refused(db):
    _refused("multiplier_below_one", multiplier=Decimal("0.5"))


def test_multiplier_with_three_decimals_is_refused(db):
    _refused("multiplier_invalid", multiplier=Decimal("1.255"))


def test_weekday_schedule_needs_weekdays(db):
    _refused("weekdays_missing", schedule="weekdays", weekdays=[])


def test_month_day_must_exist(db):
    _refused("month_day_invalid", schedule="month_days", month_days=[0, 18])
    _refused("month_day_invalid", schedule="month_days", month_days=[32])


def test_listed_dates_must_lie_in_the_window(db):
    late = shop_today() + timedelta(days=11)
    _refused("date_outside_window", schedule="dates", dates=[late])


def test_schedule_keeps_only_its_own_list(db):
    campaign = services.create_campaign(
        **_fields(schedule="month_days", month_days=[28, 18, 18], weekdays=[1])
    )
    assert campaign.month_days == [18, 28]
    assert campaign.weekdays == []


def test_update_changes_only_what_is_given(db, tiers):
    campaign = CampaignFactory(name="Keep", tiers=[tiers["gold"]], bonus_points=10)
    services.update_campaign(campaign=campaign, priority=7)
    campaign.refresh_from_db()
    assert campaign.priority == 7 and campaign.name == "Keep" and campaign.bonus_points == 10
    assert list(campaign.tiers.all()) == [tiers["gold"]]


def test_ended_campaign_that_applied_cannot_be_changed(db, lifted_sale):
    today = shop_today()
    campaign = CampaignFactory(
        starts_on=today - timedelta(days=20), ends_on=today - timedelta(days=10)
    )
    lifted_sale(campaign, today - timedelta(days=15))
    with pytest.raises(LoyaltyError) as caught:
        services.update_campaign(campaign=campaign, name="Rewritten")
    assert caught.value.code == "campaign_frozen"
    campaign.refresh_from_db()
    assert campaign.name != "Rewritten"


def test_running_campaign_that_applied_can_still_be_changed(db, lifted_sale):
    today = shop_today()
    campaign = CampaignFactory(starts_on=today - timedelta(days=5))
    lifted_sale(campaign, today - timedelta(days=1))
    services.update_campaign(campaign=campaign, ends_on=today + timedelta(days=60))
    campaign.refresh_from_db()
    assert campaign.ends_on == today + timedelta(days=60)


def test_stacking_must_be_a_known_rule(db):
    with pytest.raises(LoyaltyError):
        services.set_stacking(stacking="sometimes")
    assert services.set_stacking(stacking="add").stacking == "add"


def test_window_dates_are_shop_dates(db):
    # A campaign that ended yesterday (shop time) is ended, whatever UTC says.
    campaign = CampaignFactory(starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 2))
    assert campaign.status(date(2026, 1, 3)) == "ended"
    assert campaign.status(date(2026, 1, 2)) == "running"
