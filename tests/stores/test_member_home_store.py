"""The member page says the member's home store in a chain, and nothing of
stores in a single shop."""

from django.urls import reverse

from stores.models import Store
from tests.factories import MemberFactory


def test_the_member_page_shows_the_home_store_in_a_chain(staff_client, tiers, two_stores):
    member = MemberFactory(tier=tiers["member"], home_store=two_stores[1])

    page = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()

    assert '<dd id="home-store">Mall</dd>' in page
    assert "Home store" in page


def test_a_member_of_no_store_shows_a_dash(staff_client, tiers, two_stores):
    member = MemberFactory(tier=tiers["member"], home_store=None)
    page = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert '<dd id="home-store">–</dd>' in page


def test_a_single_shop_shows_no_home_store(staff_client, tiers):
    store = Store.objects.get()  # the shop's one store, which the migrations make
    member = MemberFactory(tier=tiers["member"], home_store=store)

    page = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()

    assert 'id="home-store"' not in page
    assert "Home store" not in page
