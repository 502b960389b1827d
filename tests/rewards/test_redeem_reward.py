"""redeem_reward: points buy a reward, once, within every rule."""

from datetime import timedelta

import pytest

from config.clock import shop_today
from config.errors import LoyaltyError
from points.models import LedgerEntry
from rewards.models import Coupon, Reward, RewardRedemption
from rewards.services import redeem_reward
from tests.factories import RewardFactory, coupon_reward, member_with_points


@pytest.fixture
def member(tiers):
    return member_with_points(1000, name="Lin", tier=tiers["silver"])


def redeem(member, reward, quantity=1, key="k1", by=None):
    return redeem_reward(
        member=member, reward=reward, quantity=quantity, idempotency_key=key, by=by
    )


def refusal(member, reward, quantity=1):
    with pytest.raises(LoyaltyError) as caught:
        redeem(member, reward, quantity)
    return caught.value


def test_redeeming_spends_points_and_stock(member, staff):
    reward = RewardFactory(points_cost=300, stock=4)
    redemption = redeem(member, reward, quantity=2, by=staff)
    member.refresh_from_db()
    reward.refresh_from_db()
    assert member.points_balance == 400
    assert reward.stock == 2
    assert (redemption.points_spent, redemption.status) == (600, "pending")
    entry = LedgerEntry.objects.get(reward_redemption=redemption)
    assert (entry.kind, entry.points, entry.by) == ("reward_redeem", -600, staff)


def test_unlimited_stock_stays_unlimited(member):
    reward = RewardFactory(stock=None)
    redeem(member, reward)
    reward.refresh_from_db()
    assert reward.stock is None


def test_same_key_redeems_once(member):
    reward = RewardFactory(points_cost=100, stock=5)
    first = redeem(member, reward, key="double-click")
    second = redeem(member, reward, key="double-click")
    member.refresh_from_db()
    assert first.pk == second.pk
    assert member.points_balance == 900
    assert Reward.objects.get().stock == 4


def test_inactive_reward_is_refused(member):
    error = refusal(member, RewardFactory(name="Old mug", is_active=False))
    assert error.code == "inactive"
    assert str(error) == "“Old mug” is switched off in the catalogue and cannot be redeemed."


def test_expired_reward_is_refused(member):
    yesterday = shop_today() - timedelta(days=1)
    error = refusal(member, RewardFactory(name="Summer kit", valid_to=yesterday))
    assert error.code == "expired"
    assert f"could be redeemed until {yesterday.isoformat()}; it has expired" in str(error)


def test_reward_not_yet_valid_is_refused(member):
    tomorrow = shop_today() + timedelta(days=1)
    error = refusal(member, RewardFactory(name="Winter kit", valid_from=tomorrow))
    assert error.code == "not_yet_valid"
    assert f"can be redeemed from {tomorrow.isoformat()}" in str(error)


def test_tier_locked_reward_is_refused(member, tiers):
    error = refusal(member, RewardFactory(name="Spa day", min_tier=tiers["gold"]))
    assert error.code == "tier_locked"
    assert str(error) == "“Spa day” is for Gold members and above; Lin is Silver."


def test_higher_tier_may_redeem_a_lower_tier_reward(member, tiers):
    assert redeem(member, RewardFactory(min_tier=tiers["member"])).pk


def test_out_of_stock_is_refused(member):
    error = refusal(member, RewardFactory(name="Comb", stock=0))
    assert error.code == "out_of_stock"
    assert str(error) == "“Comb” is out of stock."


def test_more_than_the_stock_is_refused_with_what_is_left(member):
    error = refusal(member, RewardFactory(name="Comb", stock=2), quantity=3)
    assert str(error) == "Only 2 of “Comb” left: lower the quantity."


def test_over_the_limit_is_refused(member):
    reward = RewardFactory(name="Coffee", points_cost=10, limit_per_member=2, limit_period="month")
    redeem(member, reward, key="a")
    redeem(member, reward, key="b")
    error = refusal(member, reward)
    assert error.code == "over_limit"
    assert str(error) == (
        "“Coffee” is limited to 2 per member per calendar month, and Lin has already taken 2."
    )


def test_cancelled_redemptions_do_not_count_towards_the_limit(member):
    from rewards.services import cancel_redemption

    reward = RewardFactory(points_cost=10, limit_per_member=1)
    cancel_redemption(redemption=redeem(member, reward, key="a"))
    assert redeem(member, reward, key="b").pk


def test_limit_counts_only_the_current_period(member):
    reward = RewardFactory(points_cost=10, limit_per_member=1, limit_period="day")
    earlier = redeem(member, reward, key="a")
    RewardRedemption.objects.filter(pk=earlier.pk).update(
        created_at=earlier.created_at - timedelta(days=1)
    )
    assert redeem(member, reward, key="b").pk


def test_insufficient_points_are_refused_and_nothing_changes(member):
    reward = RewardFactory(name="Dryer", points_cost=1500, stock=3)
    error = refusal(member, reward)
    assert error.code == "insufficient_points"
    assert str(error) == "“Dryer” costs 1500 points; Lin has 1000."
    assert Reward.objects.get().stock == 3
    assert not RewardRedemption.objects.exists()


def test_blocked_member_is_refused(member):
    member.status = "blocked"
    member.save()
    error = refusal(member, RewardFactory())
    assert error.code == "member_blocked"
    assert "blocked" in str(error)


def test_coupon_reward_issues_a_coupon_at_once(member):
    reward = coupon_reward(points_cost=200, coupon_valid_days=30)
    redemption = redeem(member, reward)
    coupon = Coupon.objects.get()
    assert redemption.status == "fulfilled"
    assert (coupon.member, coupon.redemption) == (member, redemption)
    assert coupon.expires_on == shop_today() + timedelta(days=29)
    assert len(coupon.code) == 12


def test_refusals_speak_the_counters_language(member):
    from django.utils import translation

    with translation.override("zh-hant"):
        error = refusal(member, RewardFactory(name="Comb", stock=0))
    assert str(error) == "「Comb」已無庫存。"
    with translation.override("zh-hans"):
        error = refusal(member, RewardFactory(name="Dryer", points_cost=5000))
    assert str(error) == "“Dryer”需要 5000 积分；Lin 目前有 1000 积分。"


def test_a_key_reused_for_another_reward_is_refused(member):
    redeem(member, RewardFactory(points_cost=10), key="shared")
    error = refusal_with_key(member, RewardFactory(points_cost=10), key="shared")
    assert error.code == "idempotency_conflict"
    member.refresh_from_db()
    assert member.points_balance == 990


def refusal_with_key(member, reward, key):
    with pytest.raises(LoyaltyError) as caught:
        redeem(member, reward, key=key)
    return caught.value
