from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from config.clock import shop_today
from loyalty.sale import record_purchase
from points.models import Purchase
from tests.factories import MemberFactory
from tiers.models import TierProgramme
from tiers.programme import save_thresholds

_keys = count(1)


def at(day, hour=12):
    """An aware moment on a shop day."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def buy(member, amount, when, *, evaluate=True):
    """A sale of `amount` (the bill) at `when`, through record_purchase: tier
    discount, points, and the upgrade check. With evaluate=False only a sale
    row where the member paid exactly `amount`, and no tier check."""
    if evaluate:
        record_purchase(member=member, amount=Decimal(amount), idempotency_key=_key(), at=when)
    else:
        Purchase.objects.create(
            member=member,
            idempotency_key=_key(),
            created_at=when,
            gross_amount=Decimal(amount),
            amount_paid=Decimal(amount),
        )
    member.refresh_from_db()
    return member


def _key():
    return f"test-sale-{next(_keys)}"


@pytest.fixture
def salon(tiers):
    """The issue's salon: Gold 5,000 lifetime or 3,000 in 12 months (keep with
    2,000 a year), Silver 2,000 lifetime or 3 referred buyers (keep with 800),
    Member for everyone else."""
    gold, silver = tiers["gold"], tiers["silver"]
    gold.qualify_lifetime_spend = Decimal("5000")
    gold.qualify_window_spend = Decimal("3000")
    gold.retain_window_spend = Decimal("2000")
    gold.save()
    silver.qualify_lifetime_spend = Decimal("2000")
    silver.qualify_referred_buyers = 3
    silver.retain_window_spend = Decimal("800")
    silver.save()
    TierProgramme.current()
    return tiers


# Applying rules now: a shop placed by an old ladder, and the new one.

LONG_AGO, LAST_MONTH = 730, 30


def _spent(member, amount, days_ago):
    buy(member, amount, at(shop_today() - timedelta(days=days_ago)), evaluate=False)


@pytest.fixture
def old_ladder(tiers):
    """The ladder the shop started with: Silver at 20,000 lifetime, Gold at 50,000."""
    silver, gold = tiers["silver"], tiers["gold"]
    silver.qualify_lifetime_spend, silver.retain_window_spend = Decimal(20000), Decimal(5000)
    gold.qualify_lifetime_spend, gold.retain_window_spend = Decimal(50000), Decimal(10000)
    silver.save()
    gold.save()
    return tiers


def salon_ladder(tiers):
    """The issue's salon: Silver lifetime 2,000 (keep with 800 a year); Gold
    lifetime 5,000 or 3,000 in a year (keep with 2,000 a year)."""
    return save_thresholds(
        thresholds={
            tiers["silver"].pk: {
                "qualify_lifetime_spend": Decimal(2000),
                "retain_window_spend": Decimal(800),
            },
            tiers["gold"].pk: {
                "qualify_lifetime_spend": Decimal(5000),
                "qualify_window_spend": Decimal(3000),
                "retain_window_spend": Decimal(2000),
            },
        }
    )


@pytest.fixture
def shop(old_ladder):
    """Eleven members placed under the old ladder (see each line)."""
    t = old_ladder
    today = shop_today()
    m = {}
    m["ann"] = MemberFactory(tier=t["member"])  # 10,590 long ago: Gold by lifetime
    _spent(m["ann"], "10590", LONG_AGO)
    m["ben"] = MemberFactory(tier=t["member"])  # 3,200 last month: Gold by the year
    _spent(m["ben"], "3200", LAST_MONTH)
    m["cat"] = MemberFactory(tier=t["member"])  # 2,500 long ago: Silver
    _spent(m["cat"], "2500", LONG_AGO)
    m["dan"] = MemberFactory(tier=t["member"])  # 900: stays
    _spent(m["dan"], "900", LAST_MONTH)
    m["eve"] = MemberFactory(tier=t["gold"])  # nothing: short of Gold, grace starts
    m["fay"] = MemberFactory(tier=t["silver"])  # 900 this year keeps Silver
    _spent(m["fay"], "900", LAST_MONTH)
    m["gus"] = MemberFactory(tier=t["gold"], tier_grace_until=today + timedelta(days=10))
    _spent(m["gus"], "2100", LAST_MONTH)  # keeps Gold now: grace cleared
    m["hal"] = MemberFactory(tier=t["silver"])  # 2,500 lifetime keeps Silver
    _spent(m["hal"], "2500", LONG_AGO)
    m["ivy"] = MemberFactory(tier=t["gold"], tier_grace_until=today + timedelta(days=10))
    m["jon"] = MemberFactory(tier=t["silver"])  # 6,000 lifetime: Gold
    _spent(m["jon"], "6000", LONG_AGO)
    m["kim"] = MemberFactory(tier=t["gold"], tier_grace_until=today - timedelta(days=1))
    return m
