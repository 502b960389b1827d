"""The welcome offer: the owner's reward, issued once to each new member."""

from django.db import transaction

from automation.offers import give_welcome_offer
from members.models import AutomationSettings
from members.services import enrol_member
from rewards.models import Coupon, RewardRedemption
from tests.factories import coupon_reward


def _welcome(reward):
    AutomationSettings.objects.update_or_create(pk=1, defaults={"welcome_reward": reward})


def test_a_new_member_gets_the_welcome_coupon_once(tiers):
    reward = coupon_reward(name="First visit NT$100 off", coupon_value=100)
    _welcome(reward)

    member = enrol_member(phone="0912000111", name="New")
    with transaction.atomic():
        again = give_welcome_offer(member=member)  # a retried receiver

    coupon = Coupon.objects.get(member=member)
    assert coupon.value == 100
    assert again.pk == coupon.redemption_id
    assert RewardRedemption.objects.filter(member=member).count() == 1
    assert coupon.redemption.reason == "Welcome offer"
    assert coupon.redemption.points_spent == 0


def test_each_new_member_gets_their_own(tiers):
    _welcome(coupon_reward())
    first = enrol_member(phone="0912000111", name="A")
    second = enrol_member(phone="0912000222", name="B")
    assert Coupon.objects.filter(member=first).count() == 1
    assert Coupon.objects.filter(member=second).count() == 1


def test_no_welcome_offer_without_a_reward_chosen(tiers):
    member = enrol_member(phone="0912000111", name="New")
    assert not RewardRedemption.objects.filter(member=member).exists()


def test_a_reward_that_cannot_be_given_leaves_the_enrolment_alone(tiers):
    _welcome(coupon_reward(stock=0))
    member = enrol_member(phone="0912000111", name="New")
    assert member.pk is not None
    assert not RewardRedemption.objects.filter(member=member).exists()


def test_an_enrolment_retried_through_the_api_gives_one_coupon(tiers, make_till):
    _welcome(coupon_reward())
    till = make_till()
    body = {"phone": "0933 111 222", "name": "陳小明"}
    assert till.post("/members", body, key="enrol-1").status_code == 201
    assert till.post("/members", body, key="enrol-1").status_code == 201
    assert Coupon.objects.count() == 1
