"""A shop with one store never sees a store picker or a store column."""

import uuid

from django.urls import reverse

from points.models import Purchase
from tests.factories import MemberFactory, only_store

HTMX = {"HX-Request": "true"}


def test_the_counter_shows_no_store_and_records_the_only_one(staff_client, tiers):
    store = only_store()
    member = MemberFactory(tier=tiers["member"])

    page = staff_client.get(reverse("counter:index"))
    staff_client.post(
        reverse("counter:sale", args=[member.pk]),
        {"amount": "100", "idempotency_key": uuid.uuid4().hex},
        headers=HTMX,
    )

    assert page.status_code == 200
    assert 'id="counter-store"' not in page.content.decode()
    assert Purchase.objects.get(member=member).store == store


def test_the_sales_and_members_pages_have_no_store_filter_or_column(owner_client, tiers):
    only_store()
    MemberFactory(tier=tiers["member"])

    sales = owner_client.get(reverse("counter:sales")).content.decode()
    members = owner_client.get(reverse("members:list")).content.decode()

    assert 'name="store"' not in sales and "<th>Store</th>" not in sales
    assert 'name="store"' not in members and "<th>Store</th>" not in members
    assert "Home store" not in members


def test_the_dashboard_has_no_settlement_link(owner_client):
    only_store()

    page = owner_client.get(reverse("dashboard:index")).content.decode()

    assert 'id="settlement-link"' not in page


def test_with_no_store_at_all_the_counter_remembers_that_too(staff_client, tiers):
    """A database emptied by a flushing test has no store: the device
    remembers there is none to choose, so a sale reads no store row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stores.models import Store

    Store.objects.all().delete()
    member = MemberFactory(tier=tiers["member"])

    def sell():
        return staff_client.post(
            reverse("counter:sale", args=[member.pk]),
            {"amount": "100", "idempotency_key": uuid.uuid4().hex},
            headers=HTMX,
        )

    assert sell().status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert sell().status_code == 200

    assert not any("stores_store" in query["sql"] for query in queries)
    assert set(Purchase.objects.values_list("store", flat=True)) == {None}
