"""Staff of one store do not see another store's sales; a store manager sees
all of their stores' sales; owners see every store."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from loyalty.sale import record_purchase
from points.models import Purchase
from tests.factories import MemberFactory, staff_user, store_manager_user


def _sale(store, tiers, key, *, days_ago=0):
    sale = record_purchase(
        member=MemberFactory(tier=tiers["member"]), amount="500", idempotency_key=key, store=store
    )
    if days_ago:
        Purchase.objects.filter(pk=sale.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return sale


def test_staff_of_one_store_get_403_on_another_stores_sale(client, two_stores, tiers):
    main, mall = two_stores
    cashier = staff_user(username="main-cashier")
    main.staff.add(cashier)
    theirs = _sale(mall, tiers, "mall-sale")
    client.force_login(cashier)

    assert client.get(reverse("counter:sale_detail", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("counter:receipt", args=[theirs.pk])).status_code == 403


def test_staff_of_one_store_see_only_its_sales_in_the_list(client, two_stores, tiers):
    main, mall = two_stores
    cashier = staff_user(username="main-cashier")
    main.staff.add(cashier)
    ours, theirs = _sale(main, tiers, "main-sale"), _sale(mall, tiers, "mall-sale")
    client.force_login(cashier)

    response = client.get(reverse("counter:sales"))

    assert f'id="sale-row-{ours.pk}"' in response.content.decode()
    assert f'id="sale-row-{theirs.pk}"' not in response.content.decode()
    assert client.get(reverse("counter:sale_detail", args=[ours.pk])).status_code == 200


def test_a_store_manager_sees_their_stores_sales_of_any_day(client, two_stores, tiers):
    main, mall = two_stores
    manager = store_manager_user(username="manager", stores=[main])
    old = _sale(main, tiers, "old-main", days_ago=40)
    theirs = _sale(mall, tiers, "old-mall", days_ago=40)
    client.force_login(manager)

    listed = client.get(reverse("counter:sales")).content.decode()

    assert f'id="sale-row-{old.pk}"' in listed
    assert f'id="sale-row-{theirs.pk}"' not in listed
    assert client.get(reverse("counter:receipt", args=[old.pk])).status_code == 200
    assert client.get(reverse("counter:receipt", args=[theirs.pk])).status_code == 403


def test_owners_see_every_store_and_a_store_column(owner_client, two_stores, tiers):
    main, mall = two_stores
    sales = [_sale(main, tiers, "a"), _sale(mall, tiers, "b")]

    listed = owner_client.get(reverse("counter:sales")).content.decode()

    assert all(f'id="sale-row-{sale.pk}"' in listed for sale in sales)
    assert "<th>Store</th>" in listed
    filtered = owner_client.get(reverse("counter:sales"), {"store": mall.pk}).content.decode()
    assert f'id="sale-row-{sales[0].pk}"' not in filtered
    assert f'id="sale-row-{sales[1].pk}"' in filtered


def test_a_store_manager_sees_their_stores_figures_and_not_anothers(client, two_stores, tiers):
    main, mall = two_stores
    manager = store_manager_user(username="manager", stores=[main])
    _sale(main, tiers, "at-main")
    _sale(mall, tiers, "at-mall")
    client.force_login(manager)

    page = client.get(reverse("dashboard:stores"))

    assert page.status_code == 200
    table = page.content.decode().split('id="store-figures"')[1].split("</table>")[0]
    assert "<td>Main Street</td>" in table and "<td>Mall</td>" not in table
    assert client.get(reverse("dashboard:stores"), {"store": mall.pk}).status_code == 403
    assert client.get(reverse("dashboard:stores"), {"store": main.pk}).status_code == 200
    assert client.get(reverse("dashboard:index")).status_code == 403


def test_staff_may_not_open_the_stores_figures(client, two_stores):
    cashier = staff_user(username="main-cashier")
    two_stores[0].staff.add(cashier)
    client.force_login(cashier)

    assert client.get(reverse("dashboard:stores")).status_code == 403


def test_a_store_manager_of_no_store_sees_no_stores_sales(client, two_stores, tiers):
    manager = store_manager_user(username="unassigned")
    old = _sale(two_stores[0], tiers, "old", days_ago=40)
    client.force_login(manager)

    assert client.get(reverse("counter:receipt", args=[old.pk])).status_code == 403
    assert f'id="sale-row-{old.pk}"' not in client.get(reverse("counter:sales")).content.decode()
