"""Tier names in what staff read: the reader's script (Tier.display_name),
never the name as typed (often English) in a Chinese sentence."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns.models import Campaign
from config.clock import shop_today
from config.errors import LoyaltyError
from points.models import LedgerEntry
from rewards.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory, member_with_points
from tests.tiers.conftest import at, buy
from tiers.models import TierChange


@pytest.fixture
def named(salon):
    for key, hant, hans in [
        ("member", "一般會員", "普通会员"),
        ("silver", "銀卡", "银卡"),
        ("gold", "金卡", "金卡"),
    ]:
        salon[key].name_zh_hant, salon[key].name_zh_hans = hant, hans
        salon[key].save()
    salon["gold"].upgrade_bonus_points = 300
    salon["gold"].save()
    return salon


def test_upgrade_bonus_reason_names_the_tier_in_chinese(named):
    member = MemberFactory()
    with translation.override("zh-hant"):
        buy(member, "3500", at(shop_today() - timedelta(days=1)))
    entry = LedgerEntry.objects.get(member=member, kind=LedgerEntry.Kind.TIER_BONUS)
    assert entry.reason == "升到 金卡"


def test_deactivate_page_names_the_tier_in_chinese(owner_client, named):
    response = owner_client.get(
        reverse("tiers:deactivate", args=[named["silver"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hant"
    )
    assert "<h1>停用 銀卡</h1>" in response.content.decode()
    assert "Silver" not in response.content.decode().split("<main", 1)[1]


def test_deactivating_records_the_tier_in_chinese(owner_client, named):
    member = MemberFactory(tier=named["silver"])
    response = owner_client.post(
        reverse("tiers:deactivate", args=[named["silver"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 302
    assert TierChange.objects.get(member=member).reason == "银卡 已停用"


def test_edit_page_title_names_the_tier_in_chinese(owner_client, named):
    response = owner_client.get(
        reverse("tiers:edit", args=[named["gold"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hant"
    )
    assert "<h1>編輯 金卡</h1>" in response.content.decode()


def test_tier_locked_refusal_names_tiers_in_chinese(named):
    member = member_with_points(1000, name="Lin", tier=named["silver"])
    with translation.override("zh-hant"), pytest.raises(LoyaltyError) as caught:
        redeem_reward(
            member=member,
            reward=RewardFactory(name="Spa", min_tier=named["gold"]),
            quantity=1,
            idempotency_key="k1",
        )
    assert "金卡" in str(caught.value) and "銀卡" in str(caught.value)
    assert "Gold" not in str(caught.value)


def test_campaign_audience_names_tiers_in_chinese(named):
    campaign = Campaign.objects.create(
        name="Double", starts_on=shop_today(), ends_on=shop_today(), multiplier=2
    )
    campaign.tiers.set([named["gold"]])
    with translation.override("zh-hant"):
        assert campaign.audience_label.startswith("金卡")
