"""The sales page: filter, open a receipt to reprint, refund in full or in part."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from config.clock import shop_today
from loyalty.sale import record_purchase
from points.models import Refund
from tests.factories import MemberFactory, give_points, programme_rules, staff_user


@pytest.fixture
def member(tiers):
    member = MemberFactory(name="陳美玲", phone="+886912345678", tier=tiers["member"])
    give_points(member, 500)
    return member


def sale(member, *, by, amount="1000", points=0, days_ago=0, minutes_ago=0, key=None):
    at = timezone.now() - timedelta(days=days_ago, minutes=minutes_ago)
    return record_purchase(
        member=member,
        amount=amount,
        points_to_redeem=points,
        idempotency_key=key or f"sale-{amount}-{days_ago}-{minutes_ago}-{by.pk}",
        by=by,
        at=at,
    )


def listed(response):
    return [s.pk for s in response.context["page"]]


def sales(client, **params):
    return client.get(reverse("counter:sales"), params)


def refund(client, purchase, **data):
    data.setdefault("idempotency_key", "refund-1")
    return client.post(reverse("counter:sale_refund", args=[purchase.pk]), data)


# --- the list ---------------------------------------------------------------


def test_owner_sees_every_sale_newest_first(owner_client, owner, staff, member):
    old = sale(member, by=staff, days_ago=3)
    new = sale(member, by=owner)
    response = sales(owner_client)
    assert response.status_code == 200
    assert listed(response) == [new.pk, old.pk]


def test_staff_see_their_own_sales_and_everyones_of_today(staff_client, staff, owner, member):
    mine_old = sale(member, by=staff, days_ago=3)
    theirs_today = sale(member, by=owner)
    theirs_old = sale(member, by=owner, days_ago=3, amount="500")
    response = sales(staff_client)
    assert set(listed(response)) == {mine_old.pk, theirs_today.pk}
    assert theirs_old.pk not in listed(response)


def test_filter_by_date_range_in_shop_days(owner_client, owner, member):
    sale(member, by=owner, days_ago=5)
    middle = sale(member, by=owner, days_ago=2)
    sale(member, by=owner)
    today = shop_today()
    response = sales(
        owner_client,
        date_from=(today - timedelta(days=3)).isoformat(),
        date_to=(today - timedelta(days=1)).isoformat(),
    )
    assert listed(response) == [middle.pk]


def test_filter_by_member_number_phone_or_name(owner_client, owner, member, tiers):
    other = MemberFactory(name="王小明", tier=tiers["member"])
    hers = sale(member, by=owner)
    sale(other, by=owner, amount="300")
    for query in (member.member_number, "0912-345-678", "5678", "陳美"):
        assert listed(sales(owner_client, member=query)) == [hers.pk], query


def test_filter_by_cashier_and_amount_paid(owner_client, owner, staff, member):
    by_staff = sale(member, by=staff, amount="800")
    sale(member, by=owner, amount="800")
    sale(member, by=staff, amount="200")
    response = sales(owner_client, cashier=staff.pk, amount_min="500", amount_max="900")
    assert listed(response) == [by_staff.pk]


def test_a_reversed_range_says_what_to_fix(owner_client, owner, member):
    sale(member, by=owner)
    response = sales(
        owner_client,
        amount_min="900",
        amount_max="100",
        date_from="2026-12-07",
        date_to="2026-12-01",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The most is below the least" in body and "The last day comes before the first" in body


def test_the_list_is_paginated(owner_client, owner, member):
    for n in range(52):
        sale(member, by=owner, amount=str(100 + n), key=f"bulk-{n}")
    first = sales(owner_client, amount_min="1")
    assert len(listed(first)) == 50
    assert "?amount_min=1&page=2" in first.content.decode()
    assert len(listed(sales(owner_client, amount_min="1", page=2))) == 2


def test_the_list_costs_a_fixed_number_of_queries(
    owner_client, owner, member, django_assert_max_num_queries
):
    for n in range(5):
        sale(member, by=owner, amount=str(100 + n), key=f"q-{n}")
    with django_assert_max_num_queries(8):
        sales(owner_client)


def test_the_list_requires_a_role(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert sales(client).status_code == 403


# --- the receipt --------------------------------------------------------------


def test_a_row_opens_its_receipt_to_reprint(owner_client, owner, member):
    purchase = sale(member, by=owner, points=200)
    body = sales(owner_client).content.decode()
    url = reverse("counter:sale_detail", args=[purchase.pk])
    assert url in body
    detail = owner_client.get(url).content.decode()
    assert "data-receipt-print" in detail and f"#{purchase.pk}" in detail
    assert "200 points redeemed" in detail and "data-balance-after" in detail


def test_staff_cannot_open_another_cashiers_receipt_of_an_earlier_day(staff_client, owner, member):
    purchase = sale(member, by=owner, days_ago=2)
    response = staff_client.get(reverse("counter:sale_detail", args=[purchase.pk]))
    assert response.status_code == 403


def test_a_missing_sale_is_404(owner_client):
    assert owner_client.get(reverse("counter:sale_detail", args=[999])).status_code == 404


# --- refunds ----------------------------------------------------------------


def test_owner_refunds_part_of_a_sale(owner_client, owner, member):
    purchase = sale(member, by=owner, days_ago=30, points=200)  # 1,000 less 5 % less 100
    response = refund(owner_client, purchase, amount="425", reason="one item back")
    assert response.status_code == 302
    refund_row = Refund.objects.get()
    assert refund_row.amount == Decimal("425")
    assert refund_row.points_returned == 100  # half of what was paid: half the points used
    purchase.refresh_from_db()
    assert purchase.refunded_amount == Decimal("425")
    page = owner_client.get(response["Location"]).content.decode()
    assert "one item back" in page and "Refund of sale" in page
    assert "Up to NT$425 can still be refunded." in page


def test_an_empty_amount_refunds_all_that_is_left(owner_client, owner, member):
    purchase = sale(member, by=owner)
    refund(owner_client, purchase, amount="100", idempotency_key="a")
    refund(owner_client, purchase, amount="", idempotency_key="b")
    purchase.refresh_from_db()
    assert purchase.refunded_amount == purchase.amount_paid
    page = owner_client.get(reverse("counter:sale_detail", args=[purchase.pk])).content.decode()
    assert 'id="refund-form"' not in page


def test_the_same_form_refunds_once(owner_client, owner, member):
    purchase = sale(member, by=owner)
    refund(owner_client, purchase, amount="100")
    refund(owner_client, purchase, amount="100")
    assert Refund.objects.count() == 1


def test_more_than_is_left_is_refused_next_to_the_amount(owner_client, owner, member):
    purchase = sale(member, by=owner)
    response = refund(owner_client, purchase, amount="99999")
    assert response.status_code == 400
    assert "can still be refunded" in response.content.decode()
    assert not Refund.objects.exists()


def test_a_wrong_amount_says_what_to_type(owner_client, owner, member):
    purchase = sale(member, by=owner)
    response = refund(owner_client, purchase, amount="abc")
    assert response.status_code == 400
    assert "is not an amount to refund" in response.content.decode()


def test_staff_refund_their_own_sale_within_ten_minutes(staff_client, staff, member):
    purchase = sale(member, by=staff, minutes_ago=5)
    assert refund(staff_client, purchase, amount="100").status_code == 302
    assert Refund.objects.count() == 1


def test_staff_cannot_refund_their_own_sale_after_ten_minutes(staff_client, staff, member):
    purchase = sale(member, by=staff, minutes_ago=11)
    page = staff_client.get(reverse("counter:sale_detail", args=[purchase.pk])).content.decode()
    assert 'id="refund-form"' not in page and "within 10 minutes" in page
    response = refund(staff_client, purchase, amount="100")
    assert response.status_code == 400
    assert "within 10 minutes" in response.content.decode()
    assert not Refund.objects.exists()


def test_staff_cannot_refund_another_cashiers_sale_of_today(staff_client, member):
    other = staff_user(username="other-cashier")
    purchase = sale(member, by=other, minutes_ago=1)
    response = refund(staff_client, purchase, amount="100")
    assert response.status_code == 400
    assert "Only the cashier who recorded this sale" in response.content.decode()
    assert not Refund.objects.exists()


def test_refund_requires_post(owner_client, owner, member):
    purchase = sale(member, by=owner)
    assert owner_client.get(reverse("counter:sale_refund", args=[purchase.pk])).status_code == 405


def test_a_sale_paid_only_with_points_refunds_its_points_from_the_page(owner_client, owner, member):
    programme_rules(max_bill_share=100)
    purchase = sale(member, by=owner, amount="100", points=190)  # 95 due, all in points
    assert purchase.amount_paid == 0
    page = owner_client.get(reverse("counter:sale_detail", args=[purchase.pk])).content.decode()
    assert "Paid with points only: a refund gives the points back, with no money." in page

    response = refund(owner_client, purchase, amount="")

    assert response.status_code == 302
    refund_row = Refund.objects.get()
    assert (refund_row.amount, refund_row.points_returned) == (0, 190)
    member.refresh_from_db()
    assert member.points_balance == 500
    page = owner_client.get(response["Location"]).content.decode()
    assert 'id="refund-form"' not in page
