"""The owner's "Recent changes" page: every rule change, in the owner's words."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from config.models import SettingsChange
from points import programme
from points.models import BehaviourRule
from reports.services import update_lifecycle_rules
from rewards import services as reward_services
from tests.factories import CampaignFactory, RewardFactory, TierFactory, owner_user
from tiers import programme as ladder

URL = reverse("dashboard:changes")


@pytest.fixture
def ladder_tiers(db):
    """Member, Silver (from NT$1,000) and Gold (from NT$5,000, 10 % off)."""
    return {
        "member": TierFactory(rank=1, name="Member"),
        "silver": TierFactory(rank=2, name="Silver", qualify_lifetime_spend=Decimal("1000")),
        "gold": TierFactory(
            rank=3,
            name="Gold",
            name_zh_hant="金卡",
            qualify_lifetime_spend=Decimal("5000"),
            retail_discount=Decimal("10"),
        ),
    }


def _rows(response):
    return [(row.area, row.subject, row.texts) for row in response.context["rows"]]


def test_an_earning_rate_change_shows_old_and_new(owner_client, owner):
    programme.update_programme_rules(by=owner, earn_per_amount=Decimal("100"), earn_points=2)
    response = owner_client.get(URL)
    assert response.status_code == 200
    [(area, subject, texts)] = _rows(response)
    assert (area, subject) == ("Points rules", "Programme rules")
    assert sorted(texts) == ["Per amount spent: NT$1 → NT$100", "Points earned: 1 → 2"]
    body = response.content.decode()
    assert "Per amount spent: NT$1 → NT$100" in body
    assert "owner" in body


def test_a_campaign_change_shows_old_and_new(owner_client, owner, ladder_tiers):
    campaign = CampaignFactory(name="Double days", multiplier=Decimal("2"))
    campaign_services.update_campaign(
        campaign=campaign,
        by=owner,
        multiplier=Decimal("3"),
        schedule="weekdays",
        weekdays=[5, 6],
        tiers=[ladder_tiers["gold"]],
    )
    [(area, subject, texts)] = _rows(owner_client.get(URL))
    assert (area, subject) == ("Campaigns", "Double days")
    assert "Points multiplier: 2 → 3" in texts
    assert "Applies on: Every day in the window → Chosen weekdays" in texts
    assert "Weekdays: — → Saturday, Sunday" in texts
    assert "Tiers: every tier → Gold" in texts


def test_a_new_campaign_and_a_removed_one_are_on_record(owner_client, owner, ladder_tiers):
    today = timezone.localdate()
    campaign = campaign_services.create_campaign(
        by=owner, name="Spring bonus", starts_on=today, ends_on=today, bonus_points=50
    )
    campaign_services.delete_campaign(campaign=campaign, by=owner)
    rows = owner_client.get(URL).context["rows"]
    assert [row.change.action for row in rows] == ["deleted", "created"]
    assert "Flat bonus points: 50" in rows[0].texts
    assert "Flat bonus points: 50" in rows[1].texts
    body = owner_client.get(URL).content.decode()
    assert '<mark class="change-action">Removed</mark>' in body
    assert '<mark class="change-action">Added</mark>' in body


def test_a_reward_change_shows_old_and_new(owner_client, owner, ladder_tiers):
    reward = RewardFactory(name="Hair mask", points_cost=300, stock=5)
    reward.points_cost = 250
    reward.stock = None
    reward.min_tier = ladder_tiers["gold"]
    reward.is_active = False
    reward_services.save_reward(reward=reward, by=owner)
    [(area, subject, texts)] = _rows(owner_client.get(URL))
    assert (area, subject) == ("Rewards", "Hair mask")
    assert set(texts) == {
        "Points cost: 300 → 250",
        "Stock: 5 → unlimited",
        "Minimum tier: every tier → Gold",
        "Active: yes → no",
    }


def test_a_coupon_change_reads_in_money_and_discounts(owner_client, owner, ladder_tiers):
    reward = RewardFactory(
        name="Voucher", kind="coupon", coupon_value=Decimal("100"), coupon_valid_days=30
    )
    reward.coupon_value, reward.coupon_percent = None, Decimal("15")
    reward_services.save_reward(reward=reward, by=owner)
    [(_area, _subject, texts)] = _rows(owner_client.get(URL))
    assert "Coupon value (amount off): NT$100 → —" in texts
    assert "Coupon percent off: — → 15% off" in texts


def test_behaviour_rewards_added_changed_and_removed(owner_client, owner):
    rule = programme.save_behaviour_rule(
        rule=BehaviourRule(action="custom", code="review", name="Review", points=20), by=owner
    )
    rule.points, rule.per_member_cap = 30, 1
    programme.save_behaviour_rule(rule=rule, by=owner)
    programme.delete_behaviour_rule(rule=rule, by=owner)
    rows = owner_client.get(URL, {"what": "behaviour"}).context["rows"]
    assert [(row.change.action, row.subject) for row in rows] == [
        ("deleted", "Review"),
        ("changed", "Review"),
        ("created", "Review"),
    ]
    assert set(rows[1].texts) == {"Points: 20 → 30", "Times per member: no limit → 1"}
    assert "Action: Owner-defined action" in rows[2].texts


def test_lifecycle_settings_show_old_and_new(owner_client, owner):
    update_lifecycle_rules(new_days=14, active_days=60, churned_days=120, by=owner)
    [(area, subject, texts)] = _rows(owner_client.get(URL))
    assert (area, subject) == ("Lifecycle stages", "Lifecycle rules")
    assert set(texts) == {
        "New: joined within (days): 30 → 14",
        "Churned: no purchase for over (days): 90 → 120",
    }


def test_a_tier_threshold_shows_old_and_new_money(owner_client, owner, ladder_tiers):
    silver = ladder_tiers["silver"]
    ladder.save_thresholds(
        thresholds={silver.pk: {"qualify_lifetime_spend": Decimal("2000")}}, by=owner
    )
    [(area, subject, texts)] = _rows(owner_client.get(URL))
    assert (area, subject) == ("Tiers", "Silver")
    assert texts == ["Lifetime spend of at least: NT$1,000 → NT$2,000"]


def test_a_discount_reads_as_percent_off_in_english(owner_client, owner, ladder_tiers):
    ladder.save_tier(tier=ladder_tiers["gold"], by=owner, retail_discount=Decimal("20"))
    [(_area, _subject, texts)] = _rows(owner_client.get(URL))
    assert texts == ["Retail discount (% off): 10% off → 20% off"]


def test_a_discount_reads_in_zhe_in_traditional_chinese(owner_client, owner, ladder_tiers):
    ladder.save_tier(tier=ladder_tiers["gold"], by=owner, retail_discount=Decimal("20"))
    response = owner_client.get(URL, headers={"accept-language": "zh-hant"})
    body = response.content.decode()
    assert "9折 → 8折" in body
    assert "金卡" in body  # the tier by its name in the reader's script
    assert "10% off" not in body


def test_the_tier_programme_reads_its_choices(owner_client, owner, ladder_tiers):
    ladder.save_programme(by=owner, frequency="quarterly", grace_days=60)
    [(area, subject, texts)] = _rows(owner_client.get(URL))
    assert (area, subject) == ("Tiers", "Tier programme settings")
    assert set(texts) == {
        "Retention review: Monthly → Quarterly",
        "Grace period (days): 90 → 60",
    }


def test_it_filters_by_what(owner_client, owner, ladder_tiers):
    programme.update_programme_rules(by=owner, earn_points=2)
    update_lifecycle_rules(new_days=14, active_days=60, churned_days=90, by=owner)
    response = owner_client.get(URL, {"what": "lifecycle"})
    assert [row.area for row in response.context["rows"]] == ["Lifecycle stages"]
    response = owner_client.get(URL, {"what": "points"})
    assert [row.area for row in response.context["rows"]] == ["Points rules"]


def test_it_filters_by_who(owner_client, owner):
    other = owner_user(username="partner")
    programme.update_programme_rules(by=owner, earn_points=2)
    programme.update_programme_rules(by=other, earn_points=3)
    response = owner_client.get(URL, {"by": other.pk})
    [row] = response.context["rows"]
    assert row.texts == ["Points earned: 2 → 3"]
    assert row.who == "partner"


def test_it_filters_by_days(owner_client, owner):
    programme.update_programme_rules(by=owner, earn_points=2)
    programme.update_programme_rules(by=owner, earn_points=3)
    old = SettingsChange.objects.order_by("at").first()
    old.at = timezone.now() - timedelta(days=40)
    old.save()
    today = timezone.localdate()
    recent = owner_client.get(URL, {"start": (today - timedelta(days=7)).isoformat()})
    assert [row.texts for row in recent.context["rows"]] == [["Points earned: 2 → 3"]]
    earlier = owner_client.get(URL, {"end": (today - timedelta(days=30)).isoformat()})
    assert [row.texts for row in earlier.context["rows"]] == [["Points earned: 1 → 2"]]


def test_newest_first_and_paginated(owner_client, owner):
    for points in range(2, 55):
        programme.update_programme_rules(by=owner, earn_points=points)
    first = owner_client.get(URL)
    assert first.context["rows"][0].texts == ["Points earned: 53 → 54"]
    assert len(first.context["rows"]) == 50
    second = owner_client.get(URL, {"page": 2})
    assert second.context["rows"][-1].texts == ["Points earned: 1 → 2"]


def test_it_refuses_a_range_that_ends_before_it_starts(owner_client, owner):
    response = owner_client.get(URL, {"start": "2026-05-10", "end": "2026-05-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The last day comes before the first day" in body
    assert "No change matches." not in body


def test_it_refuses_a_date_it_cannot_read(owner_client, owner):
    response = owner_client.get(URL, {"start": "last week"})
    assert response.status_code == 400
    assert response.context["form"].errors["start"]


def test_it_says_when_nothing_matches(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 200
    assert "No change matches." in response.content.decode()


def test_it_reads_a_page_in_a_fixed_number_of_queries(
    owner_client, owner, ladder_tiers, django_assert_max_num_queries
):
    for discount in range(11, 31):
        ladder.save_tier(tier=ladder_tiers["gold"], by=owner, retail_discount=Decimal(discount))
        reward = RewardFactory(min_tier=ladder_tiers["silver"])
        reward.min_tier = ladder_tiers["gold"]
        reward_services.save_reward(reward=reward, by=owner)
    # The session and user, the count and the rows, the tiers and the rewards
    # they name (one query each, however many), the users to filter by.
    with django_assert_max_num_queries(7):
        response = owner_client.get(URL)
    assert len(response.context["rows"]) == 40


def test_staff_are_refused(staff_client):
    assert staff_client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_only_reads(owner_client):
    assert owner_client.post(URL).status_code == 405


def test_owners_find_it_from_the_dashboard_and_the_menu(owner_client, owner, ladder_tiers):
    body = owner_client.get(reverse("dashboard:index")).content.decode()
    assert body.count(f'href="{URL}"') == 2


def test_an_earning_rate_changed_on_the_rules_page_is_on_the_changes_page(owner_client):
    """As an owner does it: the points rules page, then Recent changes."""
    data = {
        "earn_points": "2",
        "earn_per_amount": "100",
        "redeem_points": "100",
        "redeem_value": "50",
        "min_redeem_points": "100",
        "max_bill_share": "50",
        "expiry_policy": "months",
        "expiry_months": "18",
        "reminder_days": "30",
    }
    assert owner_client.post(reverse("points:rules"), data).status_code == 302
    data["earn_points"] = "3"
    assert owner_client.post(reverse("points:rules"), data).status_code == 302
    body = owner_client.get(URL).content.decode()
    assert "Points earned: 2 → 3" in body
