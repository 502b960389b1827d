from datetime import timedelta

from config.clock import shop_today
from rewards.models import RewardRedemption
from tests.factories import MemberFactory, RewardFactory, coupon_reward
from tests.tiers.conftest import at, buy
from tiers.models import UpgradeReward
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
