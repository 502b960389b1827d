"""The results page: figures checked against a hand-computed example."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.results import campaign_results, campaign_sales
from loyalty.sale import record_purchase
from points.models import Purchase
from points.refund import refund_purchase
from tests.clock import clock_at
from tests.factories import CampaignFactory, MemberFactory, TierFactory

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture(autouse=True)
def shop_in_taipei(settings):
    settings.TIME_ZONE = "Asia/Taipei"


def _sale(member, day, amount, hour=12):
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=TAIPEI)
    return record_purchase(
        member=member,
        amount=Decimal(amount),
        idempotency_key=f"{member.pk}-{day}-{amount}-{hour}",
        at=moment,
    )


@pytest.fixture
def saturdays(db):
    """Saturday double points from Sat 31 Oct to Sun 8 Nov 2026 (+10 per sale),
    with sales before and during it. No tier discount, 1 point per 1."""
    TierFactory(rank=1, name="Basic")
    campaign = CampaignFactory(
        name="Saturday double",
        starts_on=date(2026, 10, 31),
        ends_on=date(2026, 11, 8),
        schedule=Campaign.Schedule.WEEKDAYS,
        weekdays=[5],
        multiplier=Decimal("2"),
        bonus_points=10,
    )
    ann, bob, cat = MemberFactory(name="Ann"), MemberFactory(name="Bob"), MemberFactory()
    # Too early for the baseline (5 weeks before).
    _sale(cat, date(2026, 9, 26), "5000")
    # The four Saturdays before: 100 + 200 + 300 + 400 = 1000, one sale each.
    for day, amount in [(3, "100"), (10, "200"), (17, "300"), (24, "400")]:
        _sale(cat, date(2026, 10, day), amount)
    # A Friday in the baseline weeks: not a campaign weekday.
    _sale(cat, date(2026, 10, 30), "1000")
    # Campaign Saturdays: 31 Oct (Ann 300, Bob 200 at 23:30) and 7 Nov (Ann 500).
    _sale(ann, date(2026, 10, 31), "300")
    _sale(bob, date(2026, 10, 31), "200", hour=23)
    _sale(ann, date(2026, 11, 7), "500")
    # A Sunday inside the window: the campaign does not apply.
    _sale(bob, date(2026, 11, 1), "700")
    return campaign


def test_results_match_the_hand_computed_example(saturdays):
    results = campaign_results(saturdays, today=date(2026, 11, 23))
    assert results["sales_count"] == 3
    assert results["sales_amount"] == Decimal("1000.00")
    assert results["members"] == 2
    # 2 × (300 + 200 + 500) + 3 × 10 bonus.
    assert results["points_issued"] == 2030
    assert results["bonus_points"] == 30
    uplift = results["uplift"]
    assert uplift["days"] == [date(2026, 10, 31), date(2026, 11, 7)]
    assert uplift["baseline_from"] == date(2026, 10, 3)
    assert uplift["baseline_to"] == date(2026, 10, 30)
    # Two campaign Saturdays, each expected at the baseline Saturday average:
    # 1000 / 4 = 250 and 4 / 4 = 1 sale.
    assert uplift["sales_amount"] == Decimal("1000.00")
    assert uplift["expected_amount"] == Decimal("500.00")
    assert uplift["amount_uplift"] == Decimal("100.0")
    assert uplift["sales_count"] == 3
    assert uplift["expected_count"] == Decimal("2.0")
    assert uplift["count_uplift"] == Decimal("50.0")


def _refund(sale, day, amount, hour=15):
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=TAIPEI)
    with clock_at(moment):
        return refund_purchase(
            purchase=sale, amount=Decimal(amount), idempotency_key=f"refund-{sale.pk}-{day}"
        )


def test_a_refund_during_the_campaign_lowers_its_figures(saturdays):
    """120 of Ann's 500 on Sat 7 Nov, refunded on the campaign's last day:
    the sale earned 2 × 500 + 10 = 1,010 points, its refund takes back
    floor(1,010 × 120 / 500) = 242 of them."""
    sale = campaign_sales(saturdays).get(amount_paid=Decimal("500"))
    refund = _refund(sale, date(2026, 11, 8), "120")
    assert refund.points_reversed == 242
    results = campaign_results(saturdays, today=date(2026, 11, 23))
    assert results["paid"] == Decimal("1000.00")
    assert results["refunded"] == Decimal("120.00")
    assert results["sales_amount"] == Decimal("880.00")
    assert results["refunded_later"] == 0
    assert results["points_issued"] == 2030 - 242
    assert results["bonus_points"] == 30


def test_a_refund_after_the_campaign_counts_in_its_own_month_not_here(saturdays):
    sale = campaign_sales(saturdays).get(amount_paid=Decimal("500"))
    _refund(sale, date(2026, 12, 10), "120")
    results = campaign_results(saturdays, today=date(2026, 12, 23))
    assert results["refunded"] == 0
    assert results["sales_amount"] == Decimal("1000.00")
    assert results["refunded_later"] == Decimal("120.00")
    assert results["points_issued"] == 2030


def test_results_page_shows_the_refunds_apart_and_the_amount_net_of_them(owner_client, saturdays):
    sales = campaign_sales(saturdays)
    _refund(sales.get(amount_paid=Decimal("500")), date(2026, 11, 8), "120")
    _refund(sales.get(amount_paid=Decimal("300")), date(2026, 12, 1), "100")
    body = owner_client.get(reverse("campaigns:results", args=[saturdays.pk])).content.decode()
    assert 'data-figure="paid">NT$1,000<' in body
    assert 'data-figure="refunded">NT$120<' in body
    assert 'data-figure="sales_amount">NT$880<' in body
    assert 'data-figure="refunded_later">NT$100<' in body


def test_uplift_counts_a_refund_on_the_day_it_is_made(saturdays):
    """The Friday sale of 1,000 before the campaign, refunded by 400 on
    Saturday 7 Nov: that campaign day sold 500 and refunded 400."""
    friday = Purchase.objects.get(amount_paid=Decimal("1000"))
    _refund(friday, date(2026, 11, 7), "400")
    uplift = campaign_results(saturdays, today=date(2026, 11, 23))["uplift"]
    assert uplift["sales_amount"] == Decimal("600.00")  # 300 + 200 + 500 - 400
    assert uplift["amount_uplift"] == Decimal("20.0")  # against 500
    assert uplift["sales_count"] == 3


def test_uplift_counts_only_days_so_far(saturdays):
    uplift = campaign_results(saturdays, today=date(2026, 11, 2))["uplift"]
    assert uplift["days"] == [date(2026, 10, 31)]
    assert uplift["sales_amount"] == Decimal("500.00")
    assert uplift["amount_uplift"] == Decimal("100.0")  # 500 against 250


def test_uplift_of_a_tier_campaign_counts_that_tiers_sales(db):
    basic = TierFactory(rank=1, name="Basic")
    gold = TierFactory(rank=2, name="Gold")
    campaign = CampaignFactory(starts_on=date(2026, 11, 7), ends_on=date(2026, 11, 7), tiers=[gold])
    _sale(MemberFactory(tier=gold), date(2026, 10, 31), "100")
    _sale(MemberFactory(tier=basic), date(2026, 10, 31), "900")
    _sale(MemberFactory(tier=gold), date(2026, 11, 7), "300")
    _sale(MemberFactory(tier=basic), date(2026, 11, 7), "50")
    uplift = campaign_results(campaign, today=date(2026, 11, 23))["uplift"]
    assert uplift["sales_amount"] == Decimal("300.00")
    assert uplift["expected_amount"] == Decimal("25.00")  # 100 / 4
    assert uplift["amount_uplift"] == Decimal("1100.0")


def test_uplift_without_earlier_sales_is_unknown(db):
    campaign = CampaignFactory(starts_on=date(2026, 11, 7), ends_on=date(2026, 11, 7))
    _sale(MemberFactory(), date(2026, 11, 7), "300")
    uplift = campaign_results(campaign, today=date(2026, 11, 23))["uplift"]
    assert uplift["amount_uplift"] is None


def test_results_page_works(owner_client, saturdays):
    response = owner_client.get(reverse("campaigns:results", args=[saturdays.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-figure="sales_count">3<' in body
    assert 'data-figure="members">2<' in body
    assert 'data-figure="points_issued">2030<' in body
    assert 'data-figure="amount_uplift">100.0%<' in body
    assert "Refunds count when they are made" in body


def test_results_page_query_count_is_bounded(
    owner_client, saturdays, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        owner_client.get(reverse("campaigns:results", args=[saturdays.pk]))


def test_results_of_missing_campaign_is_404(owner_client, db):
    assert owner_client.get(reverse("campaigns:results", args=[999])).status_code == 404


def test_results_reject_post(owner_client, saturdays):
    response = owner_client.post(reverse("campaigns:results", args=[saturdays.pk]))
    assert response.status_code == 405


def test_results_are_for_owners_only(staff_client, saturdays):
    response = staff_client.get(reverse("campaigns:results", args=[saturdays.pk]))
    assert response.status_code == 403
