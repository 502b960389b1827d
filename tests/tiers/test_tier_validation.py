from decimal import Decimal

import pytest

from config.errors import LoyaltyError
from tests.factories import MemberFactory
from tiers.models import Tier, TierChange, TierSettingsAudit
from tiers.programme import deactivate_tier, deactivation_moves, save_thresholds, save_tier


def test_ranks_are_unique(salon, owner):
    with pytest.raises(LoyaltyError) as error:
        save_tier(name="Copper", rank=2, qualify_lifetime_spend=Decimal("100"), by=owner)
    assert error.value.field == "rank"


def test_a_higher_tier_may_not_be_easier_to_reach(salon, owner):
    with pytest.raises(LoyaltyError) as error:
        save_tier(tier=salon["gold"], qualify_lifetime_spend=Decimal("1500"), by=owner)
    assert error.value.code == "ladder_order"
    assert error.value.field == "qualify_lifetime_spend"
    assert "Gold would be easier to reach than Silver" in error.value.message


def test_the_entry_tier_needs_no_threshold(salon, owner):
    with pytest.raises(LoyaltyError) as error:
        save_tier(tier=salon["member"], qualify_window_purchases=1, by=owner)
    assert error.value.code == "entry_threshold"


def test_a_tier_above_the_entry_needs_a_threshold(salon, owner):
    with pytest.raises(LoyaltyError) as error:
        save_tier(name="Copper", rank=5, by=owner)
    assert error.value.code == "no_threshold"


def test_discounts_are_0_to_100(salon, owner):
    with pytest.raises(LoyaltyError) as error:
        save_tier(tier=salon["gold"], retail_discount=Decimal("101"), by=owner)
    assert error.value.field == "retail_discount"


def test_colour_is_checked(salon, owner):
    with pytest.raises(LoyaltyError) as error:
        save_tier(tier=salon["gold"], colour="gold", by=owner)
    assert error.value.field == "colour"


def test_deactivating_a_held_tier_needs_the_deactivate_step(salon, owner):
    MemberFactory(tier=salon["silver"])
    with pytest.raises(LoyaltyError) as error:
        save_tier(tier=salon["silver"], is_active=False, by=owner)
    assert error.value.code == "tier_held"


def test_save_thresholds_checks_the_whole_ladder(salon, owner):
    with pytest.raises(LoyaltyError):
        save_thresholds(
            thresholds={salon["silver"].pk: {"qualify_lifetime_spend": Decimal("6000")}}, by=owner
        )
    save_thresholds(
        thresholds={
            salon["silver"].pk: {"qualify_lifetime_spend": Decimal("6000")},
            salon["gold"].pk: {"qualify_lifetime_spend": Decimal("9000")},
        },
        by=owner,
    )
    assert TierSettingsAudit.objects.filter(by=owner).count() == 2


def test_deactivation_shows_the_moves_then_makes_them(salon, owner):
    from datetime import date

    from tests.tiers.conftest import at, buy

    rich = MemberFactory(tier=salon["gold"])
    buy(rich, "2500", at(date(2026, 11, 1)), evaluate=False)
    MemberFactory.create_batch(2, tier=salon["gold"])
    moves = {tier.name: n for tier, n in deactivation_moves(tier=salon["gold"])}
    assert moves == {"Silver": 1, "Member": 2}
    moved = deactivate_tier(tier=salon["gold"], by=owner)
    assert {tier.name: n for tier, n in moved.items()} == {"Silver": 1, "Member": 2}
    assert not Tier.objects.get(pk=salon["gold"].pk).is_active
    assert TierChange.objects.filter(kind=TierChange.Kind.TIER_CLOSED, by=owner).count() == 3
