"""A coupon typed or scanned on the counter's sale form."""

from decimal import Decimal

import pytest
from django.urls import reverse

from points.models import Purchase
from rewards.services import issue_reward
from tests.factories import MemberFactory, coupon_reward, give_points

HTMX = {"HX-Request": "true"}


@pytest.fixture
def silver(tiers):
    member = MemberFactory(name="陳美玲", tier=tiers["silver"])
    give_points(member, 1000)
    return member


def coupon_for(member, **terms):
    return issue_reward(member=member, reward=coupon_reward(**terms), reason="gift").coupons.get()


def quote(client, member, **params):
    return client.get(reverse("counter:quote", args=[member.pk]), params, headers=HTMX)


def confirm(client, member, headers=HTMX, **data):
    data.setdefault("idempotency_key", "key-1")
    return client.post(reverse("counter:sale", args=[member.pk]), data, headers=headers)


def test_the_sale_form_has_a_coupon_field(staff_client, silver):
    response = staff_client.get(reverse("counter:card", args=[silver.pk]), headers=HTMX)
    body = response.content.decode()
    assert 'name="coupon"' in body and "data-coupon" in body
    assert "amount,points_to_redeem,coupon,wholesale" in body


def test_the_quote_shows_the_coupon_line(staff_client, silver):
    coupon = coupon_for(silver)
    response = quote(staff_client, silver, amount="1000", coupon=coupon.code.lower())
    assert response.status_code == 200
    assert response.context["quote"].amount_paid == Decimal("850.00")
    body = response.content.decode()
    assert f"Coupon {coupon.display_code}" in body and "−NT$50" in body


def test_confirm_uses_the_coupon_and_the_receipt_shows_it(staff_client, silver):
    coupon = coupon_for(silver)
    response = confirm(staff_client, silver, amount="1000", coupon=coupon.display_code)
    assert response.status_code == 200
    sale = Purchase.objects.get()
    assert sale.coupon_discount == Decimal("50.00") and sale.amount_paid == Decimal("850.00")
    coupon.refresh_from_db()
    assert coupon.used_purchase == sale
    assert f"Coupon {coupon.display_code}" in response.content.decode()
    receipt = staff_client.get(reverse("counter:receipt", args=[sale.pk]))
    assert f"Coupon {coupon.display_code}" in receipt.content.decode()


def test_another_members_coupon_is_refused_next_to_the_field_in_chinese(staff_client, silver):
    coupon = coupon_for(MemberFactory())
    response = confirm(
        staff_client,
        silver,
        headers={**HTMX, "accept-language": "zh-hant"},
        amount="1000",
        coupon=coupon.code,
    )
    assert response.status_code == 400
    errors = response.context["sale_form"].errors
    assert list(errors) == ["coupon"]
    assert "屬於其他會員" in errors["coupon"][0]
    assert not Purchase.objects.exists()


def test_the_quote_names_a_used_coupon_next_to_the_field(staff_client, silver):
    coupon = coupon_for(silver)
    confirm(staff_client, silver, amount="500", coupon=coupon.code)
    response = quote(staff_client, silver, amount="1000", coupon=coupon.code)
    body = response.content.decode()
    assert 'id="coupon-errors"' in body and "was already used on" in body
    assert "data-quote" not in body
