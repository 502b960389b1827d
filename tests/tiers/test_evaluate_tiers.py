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
    assert change.figures["lifetime_spend"] == "2090.00"  # paid after 5 % off


def test_running_twice_changes_nothing_the_second_time(salon):
    ben = MemberFactory(joined_on=date(2026, 1, 5))
    buy(ben, "3200", at(date(2026, 2, 1)))  # Gold; nothing bought after
    referrer = MemberFactory()
    for _ in range(3):  # sale rows only: the review finds the referrals
        buy(MemberFactory(referred_by=referrer), "100", at(date(2026, 3, 1)), evaluate=False)
    first = evaluate_tiers(as_of=date(2027, 3, 1))
    assert first.grace_started == 1
    assert first.upgraded == 1
    assert first.moves == {"Member → Silver": 1}
    history = TierChange.objects.count()
    second = evaluate_tiers(as_of=date(2027, 3, 1))
    assert (second.upgraded, second.grace_started, second.downgraded) == (0, 0, 0)
    assert TierChange.objects.count() == history
    assert Member.objects.get(pk=referrer.pk).tier == salon["silver"]


def test_dry_run_counts_and_changes_nothing(salon):
    buy(MemberFactory(), "2500", at(date(2026, 3, 1)), evaluate=False)
    summary = evaluate_tiers(as_of=date(2026, 4, 1), dry_run=True)
    assert summary.upgraded == 1
    assert not TierChange.objects.exists()
