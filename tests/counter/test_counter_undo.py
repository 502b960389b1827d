from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.sale import record_purchase
from members.models import Member
from points.behaviour import adjust_points
from points.models import Purchase, Refund
from tests.factories import MemberFactory, give_points, staff_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def member(tiers):
    member = MemberFactory(tier=tiers["member"])
    give_points(member, 500)
    return member


def sale_by(user, member, *, minutes_ago=0, key="sale-1", amount="1000", points=200):
    return record_purchase(
        member=member,
        amount=amount,
        points_to_redeem=points,
        idempotency_key=key,
        by=user,
        at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def undo(client, sale):
    return client.post(reverse("counter:undo", args=[sale.pk]), headers=HTMX)


def test_staff_undoes_a_sale_within_ten_minutes(staff_client, staff, member):
    sale = sale_by(staff, member, minutes_ago=9)
    response = undo(staff_client, sale)
    assert response.status_code == 200
    refund = Refund.objects.get()
    assert refund.amount == sale.amount_paid
    member.refresh_from_db()
    assert member.points_balance == 500  # redeemed points back, earned points taken
    assert "undone" in response.content.decode()


def test_staff_cannot_undo_after_ten_minutes(staff_client, staff, member):
    sale = sale_by(staff, member, minutes_ago=11)
    response = undo(staff_client, sale)
    assert response.status_code == 400
    assert "within 10 minutes" in response.content.decode()
    assert not Refund.objects.exists()


def test_owner_undoes_any_time(owner_client, owner, member):
    sale = sale_by(owner, member, minutes_ago=600)
    assert undo(owner_client, sale).status_code == 200
    assert Refund.objects.count() == 1


def test_undo_twice_refunds_once(staff_client, staff, member):
    sale = sale_by(staff, member)
    undo(staff_client, sale)
    second = undo(staff_client, sale)
    assert second.status_code == 400
    assert Refund.objects.count() == 1
    member.refresh_from_db()
    assert member.points_balance == 500


def test_undo_requires_post(staff_client, staff, member):
    sale = sale_by(staff, member)
    assert staff_client.get(reverse("counter:undo", args=[sale.pk])).status_code == 405


def test_undo_requires_a_role(client, staff, member, django_user_model):
    sale = sale_by(staff, member)
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert undo(client, sale).status_code == 403
    assert not Refund.objects.exists()


def test_recent_activity_lists_this_cashiers_last_ten_sales_today(staff_client, staff, member):
    other = staff_user(username="other")
    for n in range(12):
        sale_by(staff, member, key=f"mine-{n}", amount="10", points=0)
    sale_by(other, member, key="theirs", amount="10", points=0)
    response = staff_client.get(reverse("counter:index"))
    listed = response.context["recent_sales"]
    assert len(listed) == 10
    assert {sale.by for sale in listed} == {staff}
    assert listed[0].idempotency_key == "mine-11"


def test_recent_activity_offers_undo_only_while_allowed(staff_client, staff, member):
    fresh = sale_by(staff, member, key="fresh", amount="10", points=0)
    old = sale_by(staff, member, key="old", amount="10", points=0, minutes_ago=30)
    body = staff_client.get(reverse("counter:index")).content.decode()
    assert reverse("counter:undo", args=[fresh.pk]) in body
    assert reverse("counter:undo", args=[old.pk]) not in body


def test_recent_activity_leaves_out_yesterday(staff_client, staff, member):
    sale_by(staff, member, minutes_ago=60 * 30)
    assert Purchase.objects.count() == 1
    assert staff_client.get(reverse("counter:index")).context["recent_sales"] == []


def test_staff_cannot_undo_another_cashiers_sale(client, staff, member):
    other = staff_user(username="other")
    sale = sale_by(staff, member, minutes_ago=1)
    client.force_login(other)
    response = undo(client, sale)
    assert response.status_code == 400
    assert "Only the cashier who recorded this sale" in response.content.decode()
    assert not Refund.objects.exists()


def test_the_service_refuses_another_cashiers_sale(staff, member):
    from config.errors import LoyaltyError
    from counter.services import undo_sale

    sale = sale_by(staff, member)
    with pytest.raises(LoyaltyError) as refused:
        undo_sale(purchase=sale, by=staff_user(username="other"))
    assert refused.value.code == "undo_refused"
    assert not Refund.objects.exists()


def test_owner_undoes_a_cashiers_sale(owner_client, staff, member):
    sale = sale_by(staff, member, minutes_ago=30)
    assert undo(owner_client, sale).status_code == 200
    assert Refund.objects.count() == 1


def test_undo_shows_the_refund_in_place_of_the_receipt(staff_client, staff, member):
    sale = sale_by(staff, member)  # 1,000 less 200 points; earns points on the rest
    response = undo(staff_client, sale)
    body = response.content.decode()
    refund = Refund.objects.get()
    assert refund.points_returned == 200 and refund.points_reversed == sale.points_earned
    assert f"data-undo-returned>{refund.points_returned}<" in body
    assert f"data-undo-reversed>{refund.points_reversed}<" in body
    assert "data-undo-balance>500<" in body
    assert "data-undo-shortfall" not in body
    assert 'id="counter-recent" class="counter-recent no-print" hx-swap-oob="true"' in body


def test_undo_names_the_points_already_spent(staff_client, staff, owner, member):
    sale = sale_by(staff, member, points=0)
    spent = Member.objects.get(pk=member.pk).points_balance
    adjust_points(member=member, points=-spent, reason="spent", idempotency_key="a", by=owner)
    body = undo(staff_client, sale).content.decode()
    refund = Refund.objects.get()
    assert refund.points_shortfall == sale.points_earned
    assert f"{refund.points_shortfall} earned points were already spent" in body


def test_undo_without_htmx_shows_the_refund_on_the_counter_page(staff_client, staff, member):
    sale = sale_by(staff, member)
    response = staff_client.post(reverse("counter:undo", args=[sale.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-undo-result" in body and "autofocus" in body
