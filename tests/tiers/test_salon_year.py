"""A year and a half of a hair salon, replayed sale by sale through the counter.

Gold: NT$5,000 lifetime or NT$3,000 in 12 months, kept with NT$2,000 a year,
20 % off, points x1.5, 500 bonus points on reaching it. Silver: NT$2,000
lifetime or 3 referred members who bought, kept with NT$800, 10 % off, x1.2.
Member: 5 % off. The review runs on the first of each month; 90 days' grace.
Spend is what the member paid, after the tier discount.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from config.clock import shop_date
from members.models import Member
from points.models import LedgerEntry
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import TierChange, UpgradeReward
from tiers.services import evaluate_tiers


def firsts_of_months(after: date, through: date):
    day = (after.replace(day=1) + timedelta(days=32)).replace(day=1)
    while day <= through:
        yield day
        day = (day + timedelta(days=32)).replace(day=1)


class Salon:
    def __init__(self):
        self.reviewed = date(2025, 12, 1)
        self.reviews = []
        self.twice = False

    def until(self, day):
        """Run every monthly review up to and including the one on `day`."""
        for review_day in firsts_of_months(self.reviewed, day):
            self.reviews.append(evaluate_tiers(as_of=review_day).as_dict())
            if self.twice:
                history = TierChange.objects.count()
                self.reviews.append(evaluate_tiers(as_of=review_day).as_dict())
                assert TierChange.objects.count() == history
            self.reviewed = review_day

    def buy(self, member, bill, day):
        self.until(day)  # the night's review runs before the shop opens
        return buy(member, bill, at(day))


def tier_of(member):
    return Member.objects.select_related("tier").get(pk=member.pk).tier.name


def history(member):
    return [
        (c.kind, c.from_tier.name if c.from_tier else None, c.to_tier.name, shop_date(c.at))
        for c in member.tier_changes.select_related("from_tier", "to_tier").order_by("at", "id")
    ]


@pytest.fixture
def year(salon):
    salon["gold"].upgrade_bonus_points = 500
    salon["gold"].save()
    people = {
        name: MemberFactory(name=name, joined_on=date(2026, 1, 5))
        for name in ("Amy", "Ben", "Cleo", "Eve")
    }
    referred = [MemberFactory(name=f"Friend {n}", referred_by=people["Cleo"]) for n in range(3)]
    return people, referred, Salon()


def test_amy_climbs_with_her_sales(year):
    people, _referred, salon = year
    amy = people["Amy"]
    salon.buy(amy, "1200", date(2026, 1, 10))  # pays 1,140
    assert tier_of(amy) == "Member"
    salon.buy(amy, "1000", date(2026, 2, 14))  # pays 950: 2,090 lifetime
    assert tier_of(amy) == "Silver"
    salon.buy(amy, "3500", date(2026, 4, 20))  # pays 3,150: 5,240 lifetime
    assert tier_of(amy) == "Gold"
    # Lifetime spend keeps Gold without another visit.
    salon.until(date(2027, 7, 1))
    assert tier_of(amy) == "Gold"
    assert history(amy) == [
        ("upgrade", "Member", "Silver", date(2026, 2, 14)),
        ("upgrade", "Silver", "Gold", date(2026, 4, 20)),
    ]
    bonus = LedgerEntry.objects.get(member=amy, kind=LedgerEntry.Kind.TIER_BONUS)
    assert bonus.points == 500


def test_ben_drops_after_grace_and_keeps_his_points(year):
    people, _referred, salon = year
    ben = people["Ben"]
    salon.buy(ben, "3200", date(2026, 2, 1))  # pays 3,040: Gold on the window
    assert tier_of(ben) == "Gold"
    ben.refresh_from_db()
    assert ben.points_balance == 3040 + 500  # earned at Member's x1, plus the bonus
    salon.until(date(2027, 2, 1))
    assert tier_of(ben) == "Gold"  # the sale is still inside the 12 months
    salon.until(date(2027, 3, 1))
    ben.refresh_from_db()
    assert ben.tier.name == "Gold"
    assert ben.tier_grace_until == date(2027, 5, 30)
    salon.until(date(2027, 5, 1))
    assert tier_of(ben) == "Gold"
    balance = Member.objects.get(pk=ben.pk).points_balance
    salon.until(date(2027, 6, 1))
    ben.refresh_from_db()
    assert ben.tier.name == "Silver"  # NT$3,040 lifetime still qualifies for Silver
    assert ben.tier_grace_until is None
    assert ben.points_balance == balance == 3540
    assert history(ben) == [
        ("upgrade", "Member", "Gold", date(2026, 2, 1)),
        ("grace_started", "Gold", "Gold", date(2027, 3, 1)),
        ("downgrade", "Gold", "Silver", date(2027, 6, 1)),
    ]
    downgrade = ben.tier_changes.get(kind=TierChange.Kind.DOWNGRADE)
    assert downgrade.figures["window_spend"] == "0.00"
    assert downgrade.figures["lifetime_spend"] == "3040.00"


def test_cleo_reaches_silver_when_her_third_referral_buys(year):
    people, referred, salon = year
    cleo = people["Cleo"]
    salon.buy(referred[0], "300", date(2026, 3, 2))
    salon.buy(referred[1], "300", date(2026, 3, 9))
    salon.until(date(2026, 4, 1))
    assert tier_of(cleo) == "Member"
    salon.buy(referred[2], "300", date(2026, 4, 3))
    assert tier_of(cleo) == "Silver"
    change = cleo.tier_changes.get()
    assert shop_date(change.at) == date(2026, 4, 3)
    assert change.figures["referred_buyers"] == 3
    assert "Friend 2" in change.reason
    salon.until(date(2027, 7, 1))
    assert tier_of(cleo) == "Silver"


def test_eve_buys_her_way_out_of_grace(year):
    people, _referred, salon = year
    eve = people["Eve"]
    salon.buy(eve, "3200", date(2026, 3, 15))  # pays 3,040: Gold
    salon.buy(eve, "1000", date(2026, 12, 20))  # pays 800 at Gold's 20 % off
    salon.until(date(2027, 4, 1))
    eve.refresh_from_db()
    assert eve.tier_grace_until == date(2027, 6, 30)
    salon.buy(eve, "1500", date(2027, 5, 2))  # pays 1,200: 2,000 in 12 months
    eve.refresh_from_db()
    assert eve.tier.name == "Gold"
    assert eve.tier_grace_until is None
    salon.until(date(2027, 8, 1))
    assert tier_of(eve) == "Gold"
    assert [kind for kind, *_rest in history(eve)] == ["upgrade", "grace_started", "grace_cleared"]


def test_upgrade_bonus_once_a_year_even_after_a_drop_and_climb(year, owner):
    from tiers.services import set_tier

    people, _referred, salon = year
    amy = people["Amy"]
    salon.buy(amy, "3500", date(2026, 2, 3))  # pays 3,325: Gold, 500 bonus
    set_tier(
        member=amy,
        tier=Member.objects.get(pk=amy.pk).tier.__class__.objects.get(name="Member"),
        reason="Test drop",
        by=owner,
    )
    salon.buy(amy, "100", date(2026, 2, 10))  # qualifies for Gold again
    assert tier_of(amy) == "Gold"
    assert UpgradeReward.objects.filter(member=amy).count() == 1
    assert LedgerEntry.objects.filter(member=amy, kind=LedgerEntry.Kind.TIER_BONUS).count() == 1


def test_every_review_run_twice_changes_nothing_the_second_time(year):
    people, referred, salon = year
    salon.twice = True
    salon.buy(people["Ben"], "3200", date(2026, 2, 1))
    for friend in referred:
        salon.buy(friend, "300", date(2026, 3, 2))
    salon.buy(people["Eve"], "3200", date(2026, 3, 15))
    salon.until(date(2027, 8, 1))
    # Ben drops on 1 June 2027, Eve on 1 July.
    assert [(r["as_of"], r["downgraded"]) for r in salon.reviews if r["downgraded"]] == [
        ("2027-06-01", 1),
        ("2027-07-01", 1),
    ]
    for first, second in zip(salon.reviews[::2], salon.reviews[1::2], strict=True):
        assert first["as_of"] == second["as_of"]
        assert second["upgraded"] == second["grace_started"] == second["downgraded"] == 0
        assert second["grace_cleared"] == 0
    assert Decimal(Member.objects.get(pk=people["Ben"].pk).lifetime_spend) == Decimal("3040")
