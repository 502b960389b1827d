"""A year and a half of a hair salon, replayed day by day.

Gold: NT$5,000 lifetime or NT$3,000 in 12 months, kept with NT$2,000 a year.
Silver: NT$2,000 lifetime or 3 referred members who bought, kept with NT$800.
Member: everyone else. Reviews at each month's end, 90 days' grace.
"""

from datetime import date, timedelta

import pytest

from config.clock import shop_date
from members.models import Member
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import TierChange
from tiers.services import evaluate_tiers


def month_ends(first: date, last: date):
    day = first
    while day <= last:
        following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = following - timedelta(days=1)
        if first <= end <= last:
            yield end
        day = following


class Salon:
    def __init__(self):
        self.reviewed = date(2025, 12, 31)
        self.reviews = []
        self.twice = False

    def until(self, day):
        """Run every month-end review up to and including `day`."""
        for end in month_ends(self.reviewed + timedelta(days=1), day):
            self.reviews.append(evaluate_tiers(as_of=end).as_dict())
            if self.twice:
                history = TierChange.objects.count()
                self.reviews.append(evaluate_tiers(as_of=end).as_dict())
                assert TierChange.objects.count() == history
        self.reviewed = max(self.reviewed, day)

    def buy(self, member, amount, day):
        self.until(day - timedelta(days=1))
        return buy(member, amount, at(day))


def tier_of(member):
    return Member.objects.select_related("tier").get(pk=member.pk).tier.name


def history(member):
    return [
        (c.kind, c.from_tier.name if c.from_tier else None, c.to_tier.name, shop_date(c.at))
        for c in member.tier_changes.select_related("from_tier", "to_tier").order_by("at", "id")
    ]


@pytest.fixture
def year(salon):
    people = {
        name: MemberFactory(name=name, joined_on=date(2026, 1, 5))
        for name in ("Amy", "Ben", "Cleo", "Eve")
    }
    referred = [MemberFactory(name=f"Friend {n}", referred_by=people["Cleo"]) for n in range(3)]
    return people, referred, Salon()


def test_amy_climbs_with_her_sales(year):
    people, _referred, salon = year
    amy = people["Amy"]
    salon.buy(amy, "1200", date(2026, 1, 10))
    assert tier_of(amy) == "Member"
    salon.buy(amy, "1000", date(2026, 2, 14))
    assert tier_of(amy) == "Silver"
    salon.buy(amy, "3000", date(2026, 4, 20))
    assert tier_of(amy) == "Gold"
    # Lifetime spend of NT$5,200 keeps Gold without another visit.
    salon.until(date(2027, 6, 30))
    assert tier_of(amy) == "Gold"
    assert history(amy) == [
        ("upgrade", "Member", "Silver", date(2026, 2, 14)),
        ("upgrade", "Silver", "Gold", date(2026, 4, 20)),
    ]


def test_ben_drops_after_grace_and_keeps_his_points(year):
    people, _referred, salon = year
    ben = people["Ben"]
    salon.buy(ben, "3200", date(2026, 2, 1))
    assert tier_of(ben) == "Gold"
    Member.objects.filter(pk=ben.pk).update(points_balance=3200)
    salon.until(date(2027, 1, 31))
    assert tier_of(ben) == "Gold"  # the February sale is still inside the 12 months
    salon.until(date(2027, 2, 28))
    ben.refresh_from_db()
    assert ben.tier.name == "Gold"
    assert ben.tier_grace_until == date(2027, 5, 29)
    salon.until(date(2027, 4, 30))
    assert tier_of(ben) == "Gold"
    salon.until(date(2027, 5, 31))
    ben.refresh_from_db()
    assert ben.tier.name == "Silver"  # NT$3,200 lifetime still qualifies for Silver
    assert ben.tier_grace_until is None
    assert ben.points_balance == 3200
    assert history(ben) == [
        ("upgrade", "Member", "Gold", date(2026, 2, 1)),
        ("grace_started", "Gold", "Gold", date(2027, 3, 1)),
        ("downgrade", "Gold", "Silver", date(2027, 6, 1)),
    ]
    downgrade = ben.tier_changes.get(kind=TierChange.Kind.DOWNGRADE)
    assert downgrade.figures["window_spend"] == "0.00"
    assert downgrade.figures["lifetime_spend"] == "3200.00"


def test_cleo_reaches_silver_with_three_referred_buyers(year):
    people, referred, salon = year
    cleo = people["Cleo"]
    salon.buy(referred[0], "300", date(2026, 3, 2))
    salon.buy(referred[1], "300", date(2026, 3, 9))
    salon.until(date(2026, 3, 31))
    assert tier_of(cleo) == "Member"
    salon.buy(referred[2], "300", date(2026, 4, 3))
    salon.until(date(2026, 4, 30))
    assert tier_of(cleo) == "Silver"
    change = cleo.tier_changes.get()
    assert shop_date(change.at) == date(2026, 5, 1)
    assert change.figures["referred_buyers"] == 3
    salon.until(date(2027, 6, 30))
    assert tier_of(cleo) == "Silver"


def test_eve_buys_her_way_out_of_grace(year):
    people, _referred, salon = year
    eve = people["Eve"]
    salon.buy(eve, "3000", date(2026, 3, 15))
    salon.buy(eve, "1000", date(2026, 12, 20))
    salon.until(date(2027, 3, 31))
    eve.refresh_from_db()
    assert eve.tier_grace_until == date(2027, 6, 29)
    salon.buy(eve, "1000", date(2027, 5, 2))
    eve.refresh_from_db()
    assert eve.tier.name == "Gold"
    assert eve.tier_grace_until is None
    salon.until(date(2027, 7, 31))
    assert tier_of(eve) == "Gold"
    assert [kind for kind, *_rest in history(eve)] == ["upgrade", "grace_started", "grace_cleared"]


def test_every_review_run_twice_changes_nothing_the_second_time(year):
    people, referred, salon = year
    salon.twice = True
    salon.buy(people["Ben"], "3200", date(2026, 2, 1))
    for friend in referred:
        salon.buy(friend, "300", date(2026, 3, 2))
    salon.buy(people["Eve"], "3000", date(2026, 3, 15))
    salon.until(date(2027, 6, 30))
    # Ben drops at the end of May 2027, Eve at the end of June.
    assert [(r["as_of"], r["downgraded"]) for r in salon.reviews if r["downgraded"]] == [
        ("2027-05-31", 1),
        ("2027-06-30", 1),
    ]
    for first, second in zip(salon.reviews[::2], salon.reviews[1::2], strict=True):
        assert first["as_of"] == second["as_of"]
        assert second["upgraded"] == second["grace_started"] == second["downgraded"] == 0
        assert second["grace_cleared"] == 0
