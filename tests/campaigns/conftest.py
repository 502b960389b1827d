from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from points.models import Purchase
from tests.factories import MemberFactory


@pytest.fixture
def lifted_sale(db):
    """Make a sale row whose earning a campaign lifted, as record_purchase
    leaves it (the campaign's line in earning_detail)."""

    def make(campaign, day):
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Asia/Taipei"))
        return Purchase.objects.create(
            member=MemberFactory(),
            idempotency_key=f"sale-{campaign.pk}-{day}",
            created_at=moment,
            gross_amount=Decimal("100"),
            amount_paid=Decimal("100"),
            points_earned=200,
            earning_detail={"campaigns": [{"campaign": campaign.name, "campaign_id": campaign.pk}]},
        )

    return make
