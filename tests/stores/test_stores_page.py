"""The owner's stores page: list, add, edit (with who works there), close."""

from django.urls import reverse

from config.models import SettingsChange
from stores.models import Store
from tests.factories import StoreFactory, only_store, staff_user


def test_it_lists_the_stores(owner_client, two_stores):
    page = owner_client.get(reverse("stores:list")).content.decode()

    assert "Main Street" in page and "Mall" in page


def test_it_requires_an_owner(staff_client):
    assert staff_client.get(reverse("stores:list")).status_code == 403
    assert staff_client.post(reverse("stores:create"), {"name": "X"}).status_code == 403


def test_an_owner_adds_a_store_with_its_staff(owner_client):
    cashier = staff_user(username="cashier")
    data = {
        "name": "Airport",
        "name_zh_hant": "機場店",
        "name_zh_hans": "机场店",
        "address": "Terminal 2",
        "phone": "02 2345 6789",
        "is_active": "on",
        "staff": [cashier.pk],
    }

    response = owner_client.post(reverse("stores:create"), data)

    assert response.status_code == 302
    store = Store.objects.get(name="Airport")
    assert list(store.staff.all()) == [cashier]
    assert store.name_zh_hant == "機場店"
    assert SettingsChange.objects.filter(object_label="Airport").exists()


def test_a_name_taken_is_refused_whatever_its_case(owner_client, two_stores):
    response = owner_client.post(reverse("stores:create"), {"name": "main street"})

    assert response.status_code == 400
    assert "Another store already has this name." in response.content.decode()


def test_an_owner_edits_a_store(owner_client, two_stores):
    main, _mall = two_stores

    owner_client.post(
        reverse("stores:edit", args=[main.pk]),
        {"name": "Main Street", "address": "1 Main Street", "is_active": "on"},
    )

    main.refresh_from_db()
    assert main.address == "1 Main Street"


def test_closing_a_store_keeps_it_out_of_the_pickers(owner_client, two_stores):
    main, mall = two_stores

    owner_client.post(reverse("stores:deactivate", args=[mall.pk]))

    mall.refresh_from_db()
    assert not mall.is_active
    choose = owner_client.get(reverse("stores:choose")).content.decode()
    assert f'name="store" value="{mall.pk}"' not in choose
    assert f'name="store" value="{main.pk}"' in choose


def test_the_last_open_store_cannot_be_closed(owner_client):
    store = only_store()

    response = owner_client.post(reverse("stores:deactivate", args=[store.pk]), follow=True)

    store.refresh_from_db()
    assert store.is_active
    assert "at least one active store" in response.content.decode()


def test_a_missing_store_is_404(owner_client):
    StoreFactory()
    assert owner_client.get(reverse("stores:edit", args=[999999])).status_code == 404
