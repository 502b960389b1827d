from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.sale import record_purchase
from tests.factories import MemberFactory


@pytest.fixture
def lifted_sale(db):
    """Record a sale at noon (shop time) on `day` that `campaign` applies to
    (an every-day campaign for all members)."""

    def make(campaign, day):
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Asia/Taipei"))
        purchase = record_purchase(
            member=MemberFactory(),
            amount=Decimal("100"),
            idempotency_key=f"sale-{campaign.pk}-{day}",
            at=moment,
        )
        assert str(campaign.pk) in str(purchase.earning_detail["explanation"])
        return purchase

    return make
