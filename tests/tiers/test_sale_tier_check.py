"""A sale asks the tier engine only when it could move the member up."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.rulebook import current_rulebook
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy


def tier_queries(member, amount, when):
    current_rulebook()  # the ladder as every sale reads it, once per change of the rules
    with CaptureQueriesContext(connection) as queries:
        buy(member, amount, when)
    return [q["sql"] for q in queries if "tiers_tier" in q["sql"] and "EXISTS" not in q["sql"]]


def spend_ladder(tiers):
    gold, silver = tiers["gold"], tiers["silver"]
    gold.qualify_window_spend = Decimal("3000")
    gold.save()
    silver.qualify_lifetime_spend = Decimal("2000")
    silver.qualify_window_purchases = 5
    silver.save()
    return tiers


def test_a_sale_far_below_the_next_threshold_reads_no_tier(tiers):
    spend_ladder(tiers)
    amy = MemberFactory(tier=tiers["member"])
    assert tier_queries(amy, "500", at(date(2026, 1, 10))) == []
    assert amy.tier == tiers["member"]


def test_a_sale_that_may_reach_the_threshold_is_checked_and_upgrades(tiers):
    spend_ladder(tiers)
    amy = MemberFactory(tier=tiers["member"])
    buy(amy, "1000", at(date(2026, 1, 10)))
    assert tier_queries(amy, "1200", at(date(2026, 1, 11)))
    assert amy.tier == tiers["silver"]  # 950 + 1140 paid after 5 % off


def test_the_fifth_purchase_is_checked_against_a_purchase_count(tiers):
    spend_ladder(tiers)
    amy = MemberFactory(tier=tiers["member"])
    for day in range(1, 5):
        buy(amy, "10", at(date(2026, 1, day)))
    assert amy.tier == tiers["member"]
    buy(amy, "10", at(date(2026, 1, 5)))
    assert amy.tier == tiers["silver"]


def test_a_tier_on_points_earned_is_always_checked(tiers):
    gold = tiers["gold"]
    gold.qualify_window_points = 100
    gold.save()
    amy = MemberFactory(tier=tiers["member"])
    assert tier_queries(amy, "50", at(date(2026, 1, 10)))
    buy(amy, "100", at(date(2026, 1, 11)))
    assert amy.tier == tiers["gold"]
