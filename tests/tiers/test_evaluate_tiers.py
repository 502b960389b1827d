from datetime import date

from members.models import Member
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import TierChange
from tiers.services import evaluate_tiers


def test_sale_that_qualifies_upgrades_at_once(salon):
    amy = MemberFactory(joined_on=date(2026, 1, 5))
    buy(amy, "1200", at(date(2026, 1, 10)))
    assert amy.tier == salon["member"]
    buy(amy, "1000", at(date(2026, 2, 14)))
    assert amy.tier == salon["silver"]
    change = amy.tier_changes.get()
    assert change.kind == TierChange.Kind.UPGRADE
    assert change.figures["lifetime_spend"] == "2200.00"


def test_running_twice_changes_nothing_the_second_time(salon):
    ben = MemberFactory(joined_on=date(2026, 1, 5))
    buy(ben, "3200", at(date(2026, 2, 1)))
    referrer = MemberFactory()
    for _ in range(3):
        buy(MemberFactory(referred_by=referrer), "100", at(date(2026, 3, 1)))
    first = evaluate_tiers(as_of=date(2027, 2, 28))
    assert first.as_dict()["grace_started"] == 1
    assert first.as_dict()["upgraded"] == 1
    history = TierChange.objects.count()
    second = evaluate_tiers(as_of=date(2027, 2, 28))
    assert second.as_dict()["grace_started"] == 0
    assert second.as_dict()["upgraded"] == 0
    assert TierChange.objects.count() == history
    assert Member.objects.get(pk=referrer.pk).tier == salon["silver"]
