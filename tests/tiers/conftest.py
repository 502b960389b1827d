from datetime import datetime
from decimal import Decimal
from itertools import count

import pytest
from django.db import transaction
from django.utils import timezone

from members.models import Member
from points.models import Purchase
from tiers import services
from tiers.models import TierProgramme

_keys = count(1)


def at(day, hour=12):
    """An aware moment on a shop day."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def buy(member, amount, when, *, evaluate=True):
    """A sale on `when`, and the upgrade check record_purchase makes after it."""
    amount = Decimal(amount)
    with transaction.atomic():
        locked = (
            Member.objects.select_for_update(of=("self",)).select_related("tier").get(pk=member.pk)
        )
        Purchase.objects.create(
            member=locked,
            idempotency_key=f"test-sale-{next(_keys)}",
            created_at=when,
            gross_amount=amount,
            amount_paid=amount,
        )
        if evaluate:
            services.evaluate_member(member=locked, as_of=when, reason="sale")
    member.refresh_from_db()
    return member


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
