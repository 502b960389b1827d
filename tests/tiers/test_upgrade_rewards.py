from datetime import timedelta

import pytest
from django.urls import reverse

from config.clock import shop_today
from config.errors import LoyaltyError
from rewards.models import RewardRedemption
from tests.factories import MemberFactory, RewardFactory, coupon_reward
from tests.tiers.conftest import at, buy
from tiers.models import Tier, UpgradeReward
from tiers.programme import save_tier
from tiers.services import set_tier


def test_reaching_a_tier_issues_its_reward_once_a_year(salon, owner):
    gift = coupon_reward()
    salon["gold"].upgrade_reward = gift
    salon["gold"].save()
    member = MemberFactory()
    buy(member, "3500", at(shop_today() - timedelta(days=1)))
    assert member.tier == salon["gold"]
    issued = RewardRedemption.objects.get(member=member, reward=gift)
    assert issued.points_spent == 0
    set_tier(member=member, tier=salon["member"], reason="Test drop", by=owner)
    buy(member, "100", at(shop_today()))
    member.refresh_from_db()
    assert member.tier == salon["gold"]
    assert RewardRedemption.objects.filter(member=member, reward=gift).count() == 1


def test_a_reward_out_of_stock_is_noted_and_the_upgrade_stands(salon):
    gift = RewardFactory(stock=0)
    salon["gold"].upgrade_reward = gift
    salon["gold"].save()
    member = MemberFactory()
    buy(member, "3500", at(shop_today() - timedelta(days=1)))
    assert member.tier == salon["gold"]
    note = UpgradeReward.objects.get(member=member).note
    assert note
    assert not RewardRedemption.objects.filter(member=member).exists()


def test_an_upgrade_reward_kept_for_a_higher_tier_is_refused_at_set_up(salon, owner, english):
    spa = RewardFactory(name="Spa treatment", min_tier=salon["gold"])
    with pytest.raises(LoyaltyError) as refused:
        save_tier(tier=salon["silver"], upgrade_reward=spa, by=owner)
    assert refused.value.code == "upgrade_reward_tier"
    assert refused.value.field == "upgrade_reward"
    assert "“Spa treatment”, is for Gold members and above" in refused.value.message
    salon["silver"].refresh_from_db()
    assert salon["silver"].upgrade_reward is None


def test_an_upgrade_reward_for_that_tier_or_below_is_accepted(salon, owner):
    save_tier(tier=salon["gold"], upgrade_reward=RewardFactory(min_tier=salon["gold"]), by=owner)
    open_to_all = RewardFactory(min_tier=salon["member"])
    save_tier(tier=salon["silver"], upgrade_reward=open_to_all, by=owner)
    assert Tier.objects.filter(upgrade_reward__isnull=False).count() == 2


def test_the_tier_page_shows_the_refusal_next_to_the_reward(owner_client, salon):
    spa = RewardFactory(name="Spa treatment", min_tier=salon["gold"])
    silver = salon["silver"]
    data = {
        "name": "Silver",
        "rank": "2",
        "is_active": "on",
        "colour": silver.colour,
        "retail_discount": "10",
        "wholesale_discount": "0",
        "points_multiplier": "1.2",
        "qualify_lifetime_spend": "2000",
        "qualify_referred_buyers": "3",
        "retain_window_spend": "800",
        "upgrade_bonus_points": "0",
        "upgrade_reward": str(spa.pk),
        "save": "",
    }
    response = owner_client.post(reverse("tiers:edit", args=[silver.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["upgrade_reward"] == [
        "The upgrade reward of Silver, “Spa treatment”, is for Gold members and above, so "
        "members reaching Silver would not get it. Choose a reward open to Silver, or lower "
        "its minimum tier in the reward catalogue."
    ]
    silver.refresh_from_db()
    assert silver.upgrade_reward is None


def test_a_reward_raised_above_the_tier_later_is_noted_and_the_upgrade_stands(salon, english):
    gift = RewardFactory(stock=None)
    salon["silver"].upgrade_reward = gift
    salon["silver"].save()
    # Raised in the catalogue after the tier was set up.
    gift.min_tier = salon["gold"]
    gift.save()
    member = MemberFactory()
    buy(member, "2500", at(shop_today() - timedelta(days=1)))
    assert member.tier == salon["silver"]
    assert "for Gold members and above" in UpgradeReward.objects.get(member=member).note
    assert not RewardRedemption.objects.filter(member=member).exists()
