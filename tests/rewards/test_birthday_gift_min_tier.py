"""A reward that is a tier's birthday gift cannot be kept for a higher tier:
the catalogue refuses to raise its minimum tier above that tier."""

import pytest
from django.urls import reverse

from config.errors import LoyaltyError
from members.models import BirthdayGift
from rewards.models import Reward
from rewards.services import save_reward
from tests.factories import RewardFactory

FORM = {
    "name": "Spa treatment",
    "kind": "goods",
    "points_cost": "300",
    "stock": "5",
    "limit_period": "ever",
    "is_active": "on",
    "sort_order": "0",
}
MESSAGE = (
    "“Spa treatment” is the birthday gift of Silver, so its minimum tier cannot be above "
    "Silver. Change the birthday gifts first, or choose Silver or lower."
)


@pytest.fixture
def silver_gift(tiers):
    reward = RewardFactory(name="Spa treatment", stock=5)
    BirthdayGift.objects.create(tier=tiers["silver"], reward=reward)
    return reward


def test_the_service_refuses_a_minimum_tier_above_the_gifts_tier(tiers, silver_gift):
    silver_gift.min_tier = tiers["gold"]
    with pytest.raises(LoyaltyError) as refused:
        save_reward(reward=silver_gift)
    assert (refused.value.code, refused.value.field) == ("birthday_gift_tier", "min_tier")
    assert Reward.objects.get().min_tier is None


def test_the_gifts_own_tier_or_lower_is_fine(tiers, silver_gift):
    silver_gift.min_tier = tiers["silver"]
    save_reward(reward=silver_gift)
    assert Reward.objects.get().min_tier == tiers["silver"]


def test_the_catalogue_page_shows_the_refusal(owner_client, tiers, silver_gift):
    url = reverse("rewards:edit", args=[silver_gift.pk])
    response = owner_client.post(url, {**FORM, "min_tier": tiers["gold"].pk, "stock_seen": "5"})
    assert response.status_code == 400
    assert response.context["form"].errors["min_tier"] == [MESSAGE]
    assert Reward.objects.get().min_tier is None


def test_the_admin_shows_the_refusal_on_the_form(owner_client, tiers, silver_gift):
    url = reverse("admin:rewards_reward_change", args=[silver_gift.pk])
    response = owner_client.post(url, {**FORM, "min_tier": tiers["gold"].pk, "stock_seen": "5"})
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert Reward.objects.get().min_tier is None
