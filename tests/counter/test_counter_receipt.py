import pytest
from django.test import override_settings
from django.urls import reverse

from loyalty.sale import record_purchase
from tests.factories import MemberFactory, give_points


@pytest.fixture
def sale(tiers, staff):
    member = MemberFactory(name="陳美玲", tier=tiers["silver"])
    give_points(member, 1000)
    return record_purchase(
        member=member, amount="1000", points_to_redeem=200, idempotency_key="s1", by=staff
    )


@override_settings(SHOP_NAME="美髮沙龍")
def test_receipt_shows_shop_member_tier_lines_and_balance_after(staff_client, sale):
    response = staff_client.get(reverse("counter:receipt", args=[sale.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("美髮沙龍", sale.member.member_number, "Silver", "NT$1,000", "−NT$100", "NT$800"):
        assert text in body
    assert "+960" in body
    assert response.context["sale"].balance_after == 1760


def test_receipt_keeps_the_balance_right_after_its_sale(staff_client, sale, staff):
    record_purchase(member=sale.member, amount="500", idempotency_key="s2", by=staff)
    response = staff_client.get(reverse("counter:receipt", args=[sale.pk]))
    assert response.context["sale"].balance_after == 1760


def test_receipt_has_print_styles_for_80_mm_and_a4(staff_client, sale):
    body = staff_client.get(reverse("counter:receipt", args=[sale.pk])).content.decode()
    assert "paper-80" in body and "paper-a4" in body
    assert "css/counter.css" in body


def test_receipt_of_missing_sale_is_404(staff_client, tiers):
    assert staff_client.get(reverse("counter:receipt", args=[999])).status_code == 404


def test_receipt_requires_a_role(client, sale, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get(reverse("counter:receipt", args=[sale.pk])).status_code == 403


def _yesterday(sale):
    from datetime import timedelta

    from points.models import Purchase

    Purchase.objects.filter(pk=sale.pk).update(created_at=sale.created_at - timedelta(days=1))


def test_another_cashier_opens_todays_receipt(client, sale):
    from tests.factories import staff_user

    client.force_login(staff_user(username="other"))
    assert client.get(reverse("counter:receipt", args=[sale.pk])).status_code == 200


def test_another_cashier_cannot_open_an_earlier_days_receipt(client, sale):
    from tests.factories import staff_user

    _yesterday(sale)
    client.force_login(staff_user(username="other"))
    response = client.get(reverse("counter:receipt", args=[sale.pk]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "ask an owner to open it" in body
    assert sale.member.member_number not in body


def test_the_cashier_reopens_their_own_earlier_receipt(staff_client, sale):
    _yesterday(sale)
    assert staff_client.get(reverse("counter:receipt", args=[sale.pk])).status_code == 200


def test_owner_opens_any_receipt(owner_client, sale):
    _yesterday(sale)
    assert owner_client.get(reverse("counter:receipt", args=[sale.pk])).status_code == 200


def test_the_selector_refuses_with_a_reason(sale):
    import pytest

    from config.errors import NotYours
    from counter.selectors import sale_for_receipt
    from tests.factories import staff_user

    _yesterday(sale)
    with pytest.raises(NotYours):
        sale_for_receipt(sale.pk, user=staff_user(username="other"))
    assert sale_for_receipt(sale.pk, user=sale.by).pk == sale.pk


def test_receipt_requires_get(staff_client, sale):
    assert staff_client.post(reverse("counter:receipt", args=[sale.pk])).status_code == 405
