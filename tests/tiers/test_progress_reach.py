"""The progress line names the highest tier the member's figures reach, and
for the tier above it the smallest step (the cheapest of its any-of bars)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from config.clock import shop_today
from tests.factories import MemberFactory, TierFactory
from tests.tiers.conftest import at, buy
from tiers.progress import tier_progress


@pytest.fixture
def black_gold(salon):
    return TierFactory(
        rank=4,
        name="Black Gold",
        qualify_lifetime_spend=Decimal("20000"),
        qualify_window_spend=Decimal("12000"),
    )


def english_progress(member):
    with translation.override("en"):
        return tier_progress(member)


def test_the_issues_member_qualifies_for_gold_not_silver(salon):
    member = MemberFactory()
    buy(member, "10590", at(shop_today() - timedelta(days=400)), evaluate=False)
    progress = english_progress(member)
    assert progress.qualifies_for == salon["gold"]
    assert progress.next_tier is None
    assert progress.sentence == "Qualifies for Gold at the next sale or review."


def test_brought_lifetime_spend_names_gold_too(salon):
    member = MemberFactory(lifetime_spend=Decimal("10590"), opening_lifetime_spend=Decimal("10590"))
    assert english_progress(member).sentence == "Qualifies for Gold at the next sale or review."


def test_the_tier_above_the_one_reached_gets_the_cheapest_step(salon, black_gold):
    member = MemberFactory()
    buy(member, "10590", at(shop_today() - timedelta(days=3)), evaluate=False)
    progress = english_progress(member)
    assert (progress.qualifies_for, progress.next_tier) == (salon["gold"], black_gold)
    # Black Gold: 20,000 lifetime (9,410 to go) or 12,000 in the window (1,410).
    assert progress.sentence == (
        "Qualifies for Gold at the next sale or review. Spend NT$1,410 more to reach Black Gold."
    )


def test_the_lifetime_bar_is_named_when_it_is_the_nearer_one(salon, black_gold):
    member = MemberFactory()
    buy(member, "19000", at(shop_today() - timedelta(days=400)), evaluate=False)
    buy(member, "100", at(shop_today() - timedelta(days=3)), evaluate=False)
    progress = english_progress(member)
    assert progress.sentence.endswith("Spend NT$900 more to reach Black Gold.")


def test_a_member_already_in_the_tier_reached_sees_the_next_step(salon, black_gold):
    member = MemberFactory(tier=salon["gold"])
    buy(member, "10590", at(shop_today() - timedelta(days=3)), evaluate=False)
    progress = english_progress(member)
    assert progress.qualifies_for is None
    assert progress.sentence == "Spend NT$1,410 more to reach Black Gold."


def test_a_member_short_of_the_next_tier_sees_what_it_needs(salon):
    member = MemberFactory()
    buy(member, "1500", at(shop_today() - timedelta(days=3)), evaluate=False)
    progress = english_progress(member)
    assert (progress.qualifies_for, progress.next_tier) == (None, salon["silver"])
    assert progress.sentence == "Spend NT$500 more or refer 3 more members who buy to reach Silver."


def test_the_member_page_names_the_tier_reached(staff_client, salon):
    member = MemberFactory()
    buy(member, "10590", at(shop_today() - timedelta(days=400)), evaluate=False)
    body = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "Qualifies for Gold at the next sale or review." in body
    assert "Qualifies for Silver" not in body
