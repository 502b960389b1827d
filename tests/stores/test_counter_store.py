"""The counter asks once per device which store it is, offers only the
user's stores, and records sales, refunds, redemptions and enrolments there."""

import uuid

from django.urls import reverse

from points.models import Purchase
from tests.factories import MemberFactory, give_points, staff_user

HTMX = {"HX-Request": "true"}


def _sell(client, member, **extra):
    data = {"amount": "1000", "idempotency_key": uuid.uuid4().hex, **extra}
    return client.post(reverse("counter:sale", args=[member.pk]), data, headers=HTMX)


def test_a_user_of_several_stores_is_asked_once_which_store(client, two_stores, tiers):
    main, mall = two_stores
    cashier = staff_user(username="both")
    main.staff.add(cashier)
    mall.staff.add(cashier)
    client.force_login(cashier)

    first = client.get(reverse("counter:index"))
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("stores:choose"))
    choose = client.get(first["Location"]).content.decode()
    assert "Main Street" in choose and "Mall" in choose

    chosen = client.post(reverse("stores:choose"), {"store": mall.pk, "next": "/points/counter/"})
    assert chosen.status_code == 302

    page = client.get(reverse("counter:index")).content.decode()
    assert 'id="counter-store"' in page and "Mall" in page
    member = MemberFactory(tier=tiers["member"])
    assert _sell(client, member).status_code == 200
    assert Purchase.objects.get(member=member).store == mall


def test_a_sale_before_choosing_is_refused_with_a_message(client, two_stores, tiers):
    main, mall = two_stores
    cashier = staff_user(username="both")
    main.staff.add(cashier)
    mall.staff.add(cashier)
    client.force_login(cashier)
    member = MemberFactory(tier=tiers["member"])

    response = _sell(client, member)

    assert response.status_code == 400
    assert "Choose the store this counter works for first." in response.content.decode()
    assert not Purchase.objects.filter(member=member).exists()


def test_only_the_users_stores_can_be_chosen(client, two_stores):
    main, mall = two_stores
    cashier = staff_user(username="main-only")
    main.staff.add(cashier)
    client.force_login(cashier)

    page = client.get(reverse("stores:choose")).content.decode()
    refused = client.post(reverse("stores:choose"), {"store": mall.pk})

    assert "Mall" not in page
    assert refused.status_code == 400
    assert "Choose one of your stores." in refused.content.decode()


def test_a_user_of_one_store_is_never_asked(client, two_stores, tiers):
    main, _mall = two_stores
    cashier = staff_user(username="main-only")
    main.staff.add(cashier)
    client.force_login(cashier)
    member = MemberFactory(tier=tiers["member"])
    give_points(member, 500)

    assert client.get(reverse("counter:index")).status_code == 200
    assert _sell(client, member, points_to_redeem="200").status_code == 200

    sale = Purchase.objects.get(member=member)
    assert sale.store == main
    assert {entry.store for entry in sale.ledger_entries.all()} == {main}


def test_another_user_on_the_device_is_checked_against_their_own_stores(client, two_stores, tiers):
    main, mall = two_stores
    first, second = staff_user(username="first"), staff_user(username="second")
    mall.staff.add(first)
    main.staff.add(second)
    client.force_login(first)
    client.get(reverse("counter:index"))  # the device remembers the Mall for `first`
    client.force_login(second)
    member = MemberFactory(tier=tiers["member"])

    assert _sell(client, member).status_code == 200

    assert Purchase.objects.get(member=member).store == main
