"""issue_reward: free gifts (tier upgrades, birthdays) count stock but spend no
points, and go only to members of the reward's minimum tier or higher."""

import pytest
from django.db import transaction

from config.errors import LoyaltyError
from points.models import LedgerEntry
from rewards.models import Reward, RewardRedemption
from rewards.services import issue_reward
from tests.factories import MemberFactory, RewardFactory


def test_issue_spends_no_points_and_counts_stock(tiers):
    member = MemberFactory(tier=tiers["gold"])
    reward = RewardFactory(stock=3, min_tier=tiers["gold"], points_cost=5000)
    redemption = issue_reward(member=member, reward=reward, reason="Reached Gold")
    assert (redemption.source, redemption.points_spent, redemption.reason) == (
        "issued",
        0,
        "Reached Gold",
    )
    assert Reward.objects.get().stock == 2
    assert not LedgerEntry.objects.exists()


def test_issue_with_the_same_key_gives_once(tiers):
    member = MemberFactory()
    reward = RewardFactory(stock=3)
    issue_reward(member=member, reward=reward, reason="birthday", idempotency_key="bday-2026")
    issue_reward(member=member, reward=reward, reason="birthday", idempotency_key="bday-2026")
    assert RewardRedemption.objects.count() == 1
    assert Reward.objects.get().stock == 2


def test_issue_inside_a_sale_undoes_only_itself(tiers):
    member = MemberFactory()
    reward = RewardFactory(stock=0, name="Gift box")
    with transaction.atomic():
        with pytest.raises(LoyaltyError, match="out of stock"):
            issue_reward(member=member, reward=reward, reason="upgrade")
        member.notes = "the sale goes on"
        member.save()
    member.refresh_from_db()
    assert member.notes == "the sale goes on"
    assert not RewardRedemption.objects.exists()


def test_a_member_below_the_rewards_minimum_tier_is_refused(tiers, english):
    silver = MemberFactory(tier=tiers["silver"], name="Lin")
    reward = RewardFactory(stock=3, min_tier=tiers["gold"], name="Spa treatment")
    with pytest.raises(LoyaltyError) as refused:
        issue_reward(member=silver, reward=reward, reason="birthday", idempotency_key="b-1")
    assert refused.value.code == "tier_locked"
    assert "for Gold members and above; Lin is Silver" in str(refused.value.message)
    assert not RewardRedemption.objects.exists()
    assert Reward.objects.get().stock == 3


def test_a_member_above_the_minimum_tier_gets_it(tiers):
    gold = MemberFactory(tier=tiers["gold"])
    reward = RewardFactory(stock=None, min_tier=tiers["silver"])
    issue_reward(member=gold, reward=reward, reason="birthday")
    assert RewardRedemption.objects.get().member == gold
