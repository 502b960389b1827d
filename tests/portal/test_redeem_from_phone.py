"""Redeeming from the phone: the counter's service, stock, limits and
idempotency; a coupon's code shown as a QR code for the cashier."""

from django.urls import reverse

from points.models import LedgerEntry
from rewards.models import Coupon, RewardRedemption
from tests.factories import RewardFactory, coupon_reward, give_points


def _redeem(client, reward, key="r" * 32):
    return client.post(reverse("portal:reward", args=[reward.pk]), {"key": key})


def test_it_works(member_client, member):
    give_points(member, 300)
    reward = coupon_reward(name="NT$50 voucher", points_cost=100)
    assert member_client.get(reverse("portal:reward", args=[reward.pk])).status_code == 200
    response = _redeem(member_client, reward)
    assert response["Location"] == reverse("portal:coupons")
    member.refresh_from_db()
    assert member.points_balance == 200
    coupon = Coupon.objects.get(member=member)
    page = member_client.get(reverse("portal:coupons")).content.decode()
    assert coupon.display_code in page
    assert "data-coupon-qr" in page


def test_a_double_tap_redeems_once(member_client, member):
    give_points(member, 300)
    reward = coupon_reward(points_cost=100)
    _redeem(member_client, reward)
    _redeem(member_client, reward)
    assert RewardRedemption.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="reward_redeem").count() == 1
    member.refresh_from_db()
    assert member.points_balance == 200


def test_goods_wait_for_hand_over_at_the_counter(member_client, member):
    give_points(member, 300)
    reward = RewardFactory(name="Hand cream", points_cost=150, stock=1)
    response = _redeem(member_client, reward)
    assert response.status_code == 302
    page = member_client.get(reverse("portal:coupons")).content.decode()
    assert "Waiting for you at the counter" in page and "Hand cream" in page
    reward.refresh_from_db()
    assert reward.stock == 0
    assert RewardRedemption.objects.get().status == "pending"


def test_a_refusal_says_why_and_spends_nothing(member_client, member):
    give_points(member, 50)
    reward = coupon_reward(points_cost=100)
    page = member_client.get(reverse("portal:rewards")).content.decode()
    assert "50 more points needed" in page
    response = _redeem(member_client, reward)
    assert response.status_code == 400
    assert "costs 100 points" in response.content.decode()
    assert not RewardRedemption.objects.exists()


def test_out_of_stock_is_refused(member_client, member, other_member):
    give_points(member, 300)
    reward = RewardFactory(points_cost=100, stock=0)
    response = _redeem(member_client, reward)
    assert response.status_code == 400
    assert not RewardRedemption.objects.exists()


def test_an_inactive_reward_is_not_found(member_client, member):
    give_points(member, 300)
    reward = RewardFactory(points_cost=100, is_active=False)
    assert member_client.get(reverse("portal:reward", args=[reward.pk])).status_code == 404
    assert _redeem(member_client, reward).status_code == 404


def test_it_requires_a_member_session(client, member):
    give_points(member, 300)
    reward = coupon_reward(points_cost=100)
    assert _redeem(client, reward).status_code == 302
    assert not RewardRedemption.objects.exists()


def test_it_answers_only_get_and_post(member_client, member):
    reward = coupon_reward(points_cost=100)
    assert member_client.put(reverse("portal:reward", args=[reward.pk])).status_code == 405
