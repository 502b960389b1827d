"""The admin writes rewards through save_reward and redemptions through the services."""

from django.urls import reverse

from rewards.models import Reward, RewardRedemption
from rewards.services import redeem_reward
from tests.factories import RewardFactory, member_with_points

ADD = {
    "name": "Hair mask",
    "kind": "goods",
    "points_cost": "300",
    "stock": "5",
    "limit_period": "ever",
    "is_active": "on",
    "sort_order": "0",
}


def test_owner_adds_a_reward_in_the_admin(owner_client, tiers):
    response = owner_client.post(reverse("admin:rewards_reward_add"), ADD)
    assert response.status_code == 302
    reward = Reward.objects.get()
    assert (reward.name, reward.stock, reward.updated_by.username) == ("Hair mask", 5, "owner")


def test_admin_shows_coupon_term_errors_on_the_form(owner_client, tiers):
    response = owner_client.post(reverse("admin:rewards_reward_add"), {**ADD, "kind": "coupon"})
    assert response.status_code == 200
    assert "either an amount or a percentage" in response.content.decode()
    assert not Reward.objects.exists()


def test_admin_pages_open(owner_client, tiers):
    member = member_with_points(500)
    redemption = redeem_reward(member=member, reward=RewardFactory(), idempotency_key="k")
    for url in [
        reverse("admin:rewards_reward_changelist"),
        reverse("admin:rewards_rewardredemption_changelist"),
        reverse("admin:rewards_rewardredemption_change", args=[redemption.pk]),
        reverse("admin:rewards_coupon_changelist"),
    ]:
        assert owner_client.get(url).status_code == 200, url


def test_admin_action_cancels_through_the_service(owner_client, tiers):
    member = member_with_points(500)
    redemption = redeem_reward(member=member, reward=RewardFactory(), idempotency_key="k")
    owner_client.post(
        reverse("admin:rewards_rewardredemption_changelist"),
        {"action": "cancel_selected", "_selected_action": [redemption.pk]},
    )
    member.refresh_from_db()
    assert RewardRedemption.objects.get().status == "cancelled"
    assert member.points_balance == 500


def test_staff_cannot_open_the_reward_admin(staff_client, tiers):
    response = staff_client.get(reverse("admin:rewards_reward_changelist"))
    assert response.status_code == 403  # staff have no admin access


def test_admin_edit_keeps_stock_that_moved_meanwhile(owner_client, tiers):
    reward = RewardFactory(stock=5)
    page = owner_client.get(reverse("admin:rewards_reward_change", args=[reward.pk]))
    assert 'name="stock_seen" value="5"' in page.content.decode()
    Reward.objects.filter(pk=reward.pk).update(stock=4)
    response = owner_client.post(
        reverse("admin:rewards_reward_change", args=[reward.pk]),
        {**ADD, "name": "Renamed", "stock_seen": "5"},
    )
    assert response.status_code == 302
    reward.refresh_from_db()
    assert (reward.name, reward.stock) == ("Renamed", 4)
