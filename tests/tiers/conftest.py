from datetime import datetime
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from loyalty.sale import record_purchase
from points.models import Purchase
from tiers.models import TierProgramme

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
