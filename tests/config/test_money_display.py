"""Money shows the decimals of the shop settings (config.money), on every page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from config.money import format_money
from config.shop import save_shop_settings
from loyalty.sale import record_purchase
from tests.factories import MemberFactory, give_points


@pytest.mark.parametrize(
    ("currency", "amount", "shown"),
    [
        ("TWD", "1355.50", "NT$1,356"),
        ("TWD", "2000.00", "NT$2,000"),
        ("TWD", "-0.30", "NT$0"),
        ("JPY", "1355.49", "¥1,355"),
        ("HKD", "1355.5", "HK$1,355.50"),
        ("HKD", "100", "HK$100.00"),
        ("CNY", "0.05", "¥0.05"),
        ("SGD", "12.345", "S$12.35"),
        ("MYR", "12", "RM12.00"),
        ("MOP", "12", "MOP$12.00"),
    ],
)
def test_each_currency_shows_its_usual_decimals(db, owner, currency, amount, shown):
    save_shop_settings(by=owner, currency=currency)
    assert format_money(Decimal(amount)) == shown


def test_the_owner_can_show_cents_for_twd(db, owner):
    save_shop_settings(by=owner, currency="TWD", money_decimals=2)
    assert format_money(Decimal("1355.5")) == "NT$1,355.50"


def test_the_owner_can_hide_cents_for_hkd(db, owner):
    save_shop_settings(by=owner, currency="HKD", money_decimals=0)
    assert format_money(Decimal("1355.5")) == "HK$1,356"


@pytest.fixture
def sale(tiers, staff):
    member = MemberFactory(name="陳美玲", tier=tiers["silver"])
    give_points(member, 1000)
    # 1,355.50 less 10 % is 1,219.95; 100 points pay 50.
    return record_purchase(
        member=member, amount="1355.50", points_to_redeem=100, idempotency_key="s1", by=staff
    )


def test_a_twd_receipt_shows_no_cents(staff_client, sale):
    body = staff_client.get(reverse("counter:receipt", args=[sale.pk])).content.decode()
    assert "NT$1,356" in body and "NT$1,170" in body
    assert "1,355.50" not in body and ".95" not in body


def test_a_hkd_receipt_shows_two_decimals(staff_client, sale, owner):
    save_shop_settings(by=owner, currency="HKD")
    body = staff_client.get(reverse("counter:receipt", args=[sale.pk])).content.decode()
    assert "HK$1,355.50" in body and "HK$1,169.95" in body


def test_the_member_page_shows_twd_without_cents(owner_client, sale):
    body = owner_client.get(reverse("members:detail", args=[sale.member.pk])).content.decode()
    assert "NT$1,170" in body and "1,169.95" not in body


def test_the_receipt_carries_the_shop_name_header_and_footer(staff_client, sale, owner):
    save_shop_settings(
        by=owner,
        name="Lily's Salon",
        receipt_header="12 Nathan Road\nTel 2345 6789",
        receipt_footer="Open 10:00 to 20:00",
    )
    body = staff_client.get(reverse("counter:receipt", args=[sale.pk])).content.decode()
    assert '<strong class="receipt-shop">Lily&#x27;s Salon</strong>' in body
    assert "12 Nathan Road<br>Tel 2345 6789" in body
    assert "Open 10:00 to 20:00" in body
