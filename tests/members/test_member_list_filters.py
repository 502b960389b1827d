"""The member list's range filters: lifetime spend, visits, last purchase."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def three(tiers):
    now = timezone.now()
    return [
        MemberFactory(
            name="Low",
            lifetime_spend=Decimal("100"),
            purchase_count=1,
            last_purchase_at=now - timedelta(days=100),
        ),
        MemberFactory(
            name="Mid",
            lifetime_spend=Decimal("1000"),
            purchase_count=5,
            last_purchase_at=now - timedelta(days=10),
        ),
        MemberFactory(
            name="High", lifetime_spend=Decimal("5000.50"), purchase_count=12, last_purchase_at=None
        ),
    ]


def _names(client, **query):
    response = client.get(reverse("members:list"), query)
    assert response.status_code == 200
    return sorted(m.name for m in response.context["page"])


def test_spend_range(staff_client, three):
    assert _names(staff_client, spend_min="1000", spend_max="5000.50") == ["High", "Mid"]
    assert _names(staff_client, spend_max="999.99") == ["Low"]


def test_visits_range(staff_client, three):
    assert _names(staff_client, visits_min="２", visits_max="12") == ["High", "Mid"]


def test_last_purchase_range_leaves_out_who_never_bought(staff_client, three):
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert _names(staff_client, last_purchase_from=since) == ["Mid"]
    assert _names(staff_client, last_purchase_to="2200-12-31") == ["Low", "Mid"]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"spend_min": "10", "spend_max": "5"}, "“Spend to” is below “Spend from”"),
        ({"visits_min": "10", "visits_max": "5"}, "“Visits to” is below “Visits from”"),
        (
            {"last_purchase_from": "2026-02-01", "last_purchase_to": "2026-01-01"},
            "“Last purchase to” is before “Last purchase from”",
        ),
    ],
)
def test_swapped_ranges_are_field_errors(staff_client, three, query, message):
    response = staff_client.get(reverse("members:list"), query)
    assert message in response.content.decode()
