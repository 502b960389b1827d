"""An API key belongs to a store: a till's sales and refunds happen there."""

from django.urls import reverse

from points.models import Purchase
from tests.factories import MemberFactory, StoreFactory, give_points


def test_a_tills_sale_and_refund_are_recorded_at_its_keys_store(make_till, tiers):
    mall = StoreFactory(name="Mall")
    till = make_till(store=mall)
    member = MemberFactory(phone="+886912345678")
    give_points(member, 1000)

    sale = till.post("/sales", {"member": member.member_number, "amount": "500"})
    refund = till.post(f"/sales/{sale.json()['id']}/refunds", {})

    assert sale.status_code == 201 and refund.status_code == 201
    purchase = Purchase.objects.get(pk=sale.json()["id"])
    assert purchase.store == mall
    assert purchase.refunds.get().store == mall


def test_the_keys_page_asks_for_the_store_only_with_several(owner_client):
    StoreFactory(name="Main Street")
    StoreFactory(name="Mall")

    page = owner_client.get(reverse("api:keys")).content.decode()

    assert 'name="store"' in page
