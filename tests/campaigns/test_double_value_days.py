"""Double-value redemption days: points worth twice as much as cash on the
campaign's days, in the quote, the sale, the counter's hint and the receipt."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from campaigns.services import create_campaign
from config.clock import shop_today
from config.errors import LoyaltyError
from loyalty.sale import quote_purchase, record_purchase
from tests.api.conftest import make_till  # noqa: F401 (a till)
from tests.factories import CampaignFactory, MemberFactory, give_points

HTMX = {"HX-Request": "true"}


def _noon(day):
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Asia/Taipei"))


@pytest.fixture
def member(tiers):
    member = MemberFactory(tier=tiers["member"])  # 5 % off; 100 points = 50
    give_points(member, 2000)
    return member


@pytest.fixture
def double_day(tiers):
    day = shop_today()
    return CampaignFactory(
        name="Double value day",
        multiplier=Decimal("1"),
        redemption_multiplier=Decimal("2"),
        schedule="dates",
        dates=[day.isoformat()],
    )


def test_points_pay_twice_as_much_on_the_day(member, double_day):
    quote = quote_purchase(
        member=member, amount=Decimal("1000"), points_to_redeem=200, at=_noon(shop_today())
    )
    assert quote.redeemed_value == Decimal("200.00")  # 100 at the usual rate
    assert quote.amount_paid == Decimal("750.00")  # 1,000 - 5 % - 200
    assert quote.points_earned == 750  # earned on what is paid, the earning unchanged
    # At most half of the 950 due: 475 points now pay it.
    assert quote.max_redeemable_points == 475
    assert quote.value_multiplier == 2
    assert quote.detail["explanation"][0]["campaign"] == "Double value day"


def test_other_days_keep_the_usual_rate(member, double_day):
    tomorrow = _noon(shop_today() + timedelta(days=1))
    quote = quote_purchase(member=member, amount=Decimal("1000"), points_to_redeem=200, at=tomorrow)
    assert quote.redeemed_value == Decimal("100.00")
    assert quote.max_redeemable_points == 950
    assert quote.detail["explanation"] == []


def test_a_double_value_day_alone_does_not_lift_earning(member, double_day):
    quote = quote_purchase(member=member, amount=Decimal("1000"), at=_noon(shop_today()))
    assert quote.points_earned == 950
    assert quote.detail["campaign_multiplier"] == "1"
    assert quote.detail["explanation"] == []  # no points used: nothing to explain


def test_the_sale_records_the_doubled_value(member, double_day):
    sale = record_purchase(
        member=member,
        amount=Decimal("1000"),
        points_to_redeem=200,
        idempotency_key="double-1",
        at=_noon(shop_today()),
    )
    member.refresh_from_db()
    assert sale.redeemed_value == Decimal("200.00")
    assert sale.amount_paid == Decimal("750.00")
    assert member.points_balance == 2000 - 200 + 750
    assert sale.earning_detail["redemption_multiplier"] == "2.00"


def test_the_counter_hint_card_and_receipt_say_so(staff_client, member, double_day):
    card = staff_client.get(reverse("counter:card", args=[member.pk]), headers=HTMX)
    assert "points worth ×2 as cash" in card.content.decode()
    assert card.context["card"].cash_value == Decimal("2000.00")  # 2,000 points at ×2

    preview = staff_client.get(
        reverse("counter:quote", args=[member.pk]), {"amount": "1000"}, headers=HTMX
    )
    assert preview.context["points_hint"] == (
        "100 to 475 points can pay this bill (balance 2000). Points are worth ×2 as cash today."
    )
    done = staff_client.post(
        reverse("counter:sale", args=[member.pk]),
        {"amount": "1000", "points_to_redeem": "200", "idempotency_key": "k-1"},
        headers=HTMX,
    )
    assert done.status_code == 200
    body = done.content.decode()
    assert "−NT$200" in body
    assert "Double value day" in body and "points worth ×2 as cash" in body


def test_a_campaign_may_have_only_the_value_effect(tiers):
    campaign = create_campaign(
        name="Points day", starts_on=shop_today(), multiplier="1", redemption_multiplier="2"
    )
    assert campaign.effect_label == "points worth ×2 as cash"


@pytest.mark.parametrize("value", ["0.5", "11", "1.234"])
def test_an_impossible_value_multiplier_is_refused(tiers, value):
    with pytest.raises(LoyaltyError) as refused:
        create_campaign(name="X", starts_on=shop_today(), redemption_multiplier=value)
    assert refused.value.field == "redemption_multiplier"


def test_the_tills_quote_shows_the_days_value(member, double_day, make_till):  # noqa: F811
    till = make_till()
    body = {"member": member.member_number, "amount": "1000", "points_to_redeem": 200}
    answer = till.post("/sales/quote", body, key=None).json()
    assert answer["redeemed_value"] == "200.00"
    assert answer["max_redeemable_points"] == 475
    assert Decimal(answer["value_multiplier"]) == 2
