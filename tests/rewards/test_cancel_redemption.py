"""cancel_redemption and fulfil_redemption."""

import pytest

from config.errors import LoyaltyError
from points.models import LedgerEntry
from rewards.coupons import use_coupon
from rewards.models import Coupon, Reward
from rewards.services import (
    cancel_redemption,
    fulfil_redemption,
    redeem_reward,
)
from tests.factories import RewardFactory, coupon_reward, member_with_points


@pytest.fixture
def member(tiers):
    return member_with_points(1000)


def test_cancel_returns_points_and_stock(member, staff):
    reward = RewardFactory(points_cost=300, stock=5)
    redemption = redeem_reward(member=member, reward=reward, quantity=2, idempotency_key="k")
    cancel_redemption(redemption=redemption, by=staff, reason="changed her mind")
    member.refresh_from_db()
    redemption.refresh_from_db()
    assert member.points_balance == 1000
    assert Reward.objects.get().stock == 5
    assert (redemption.status, redemption.cancelled_by, redemption.cancel_reason) == (
        "cancelled",
        staff,
        "changed her mind",
    )
    back = LedgerEntry.objects.get(kind="reward_cancel")
    assert back.points == 600


def test_cancelling_twice_returns_points_once(member):
    reward = RewardFactory(points_cost=300, stock=5)
    redemption = redeem_reward(member=member, reward=reward, idempotency_key="k")
    cancel_redemption(redemption=redemption)
    cancel_redemption(redemption=redemption)
    member.refresh_from_db()
    assert member.points_balance == 1000
    assert Reward.objects.get().stock == 5
    assert LedgerEntry.objects.filter(kind="reward_cancel").count() == 1


def test_handed_over_goods_cannot_be_cancelled(member):
    redemption = redeem_reward(member=member, reward=RewardFactory(), idempotency_key="k")
    fulfil_redemption(redemption=redemption)
    with pytest.raises(LoyaltyError, match="already handed over"):
        cancel_redemption(redemption=redemption)
    member.refresh_from_db()
    assert member.points_balance == 900


def test_fulfil_marks_it_handed_over_once(member, staff):
    redemption = redeem_reward(member=member, reward=RewardFactory(), idempotency_key="k")
    fulfil_redemption(redemption=redemption, by=staff)
    first = redemption.__class__.objects.get().fulfilled_at
    fulfil_redemption(redemption=redemption, by=staff)
    redemption.refresh_from_db()
    assert (redemption.status, redemption.fulfilled_by) == ("fulfilled", staff)
    assert redemption.fulfilled_at == first


def test_a_cancelled_redemption_cannot_be_handed_over(member):
    redemption = redeem_reward(member=member, reward=RewardFactory(), idempotency_key="k")
    cancel_redemption(redemption=redemption)
    with pytest.raises(LoyaltyError, match="was cancelled"):
        fulfil_redemption(redemption=redemption)


def test_cancelling_a_coupon_redemption_voids_the_coupon(member):
    redemption = redeem_reward(member=member, reward=coupon_reward(), idempotency_key="k")
    cancel_redemption(redemption=redemption)
    coupon = Coupon.objects.get()
    assert coupon.voided_at is not None
    member.refresh_from_db()
    assert member.points_balance == 1000


def test_a_used_coupon_cannot_be_cancelled(member):
    from decimal import Decimal

    from django.db import transaction

    redemption = redeem_reward(member=member, reward=coupon_reward(), idempotency_key="k")
    with transaction.atomic():
        use_coupon(member=member, code=Coupon.objects.get().code, amount=Decimal("500"))
    with pytest.raises(LoyaltyError, match="was used on a sale"):
        cancel_redemption(redemption=redemption)
