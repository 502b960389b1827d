"""Every change to the catalogue is on record, from the owner's pages and the admin."""

from django.urls import reverse

from config.models import SettingsChange
from rewards.services import redeem_reward
from tests.factories import RewardFactory, member_with_points

FORM = {
    "name": "Hair mask",
    "kind": "goods",
    "points_cost": "300",
    "stock": "5",
    "limit_period": "ever",
    "is_active": "on",
    "sort_order": "0",
}


def test_adding_a_reward_is_recorded(owner_client, owner, tiers):
    response = owner_client.post(reverse("rewards:create"), FORM)
    assert response.status_code == 302
    change = SettingsChange.objects.get()
    assert (change.action, change.object_label, change.by) == ("created", "Hair mask", owner)
    assert change.changes["points_cost"] == [None, 300]


def test_an_edit_records_old_and_new(owner_client, owner, tiers):
    reward = RewardFactory(name="Hair mask", points_cost=300, stock=5)
    response = owner_client.post(
        reverse("rewards:edit", args=[reward.pk]),
        {**FORM, "points_cost": "250", "stock_seen": "5"},
    )
    assert response.status_code == 302
    change = SettingsChange.objects.get()
    assert change.changes == {"points_cost": [300, 250]}


def test_stock_moved_by_redemptions_is_not_an_owner_change(owner_client, owner, tiers):
    reward = RewardFactory(name="Hair mask", points_cost=300, stock=5)
    form_seen_stock = "5"
    redeem_reward(member=member_with_points(500), reward=reward, idempotency_key="k")
    owner_client.post(
        reverse("rewards:edit", args=[reward.pk]),
        {**FORM, "name": "Hair mask deluxe", "stock_seen": form_seen_stock},
    )
    change = SettingsChange.objects.get()
    assert change.changes == {"name": ["Hair mask", "Hair mask deluxe"]}


def test_the_admin_records_its_changes(owner_client, owner, tiers):
    reward = RewardFactory(name="Hair mask", points_cost=300, stock=5)
    response = owner_client.post(
        reverse("admin:rewards_reward_change", args=[reward.pk]),
        {**FORM, "is_active": "", "stock_seen": "5"},
    )
    assert response.status_code == 302
    assert SettingsChange.objects.get().changes == {"is_active": [True, False]}
