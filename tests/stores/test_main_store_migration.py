"""Upgrading puts every earlier record in one store named after the shop."""

import importlib

from django.apps import apps

from config.models import ShopSettings
from loyalty.sale import record_purchase
from points.models import LedgerEntry, Purchase
from points.refund import refund_purchase
from stores.models import Store
from tests.factories import MemberFactory


def _migration(name):
    return importlib.import_module(name)


def test_the_main_store_is_named_after_the_shop(db):
    Store.objects.all().delete()
    ShopSettings.from_environment().save()
    ShopSettings.objects.filter(pk=1).update(name="美髮沙龍")

    _migration("stores.migrations.0002_main_store_for_existing_records").create_main_store(
        apps, None
    )

    assert list(Store.objects.values_list("name", flat=True)) == ["美髮沙龍"]


def test_every_earlier_sale_refund_entry_and_member_is_the_main_stores(tiers):
    Store.objects.all().delete()
    member = MemberFactory(tier=tiers["member"])
    sale = record_purchase(member=member, amount="1000", idempotency_key="before")
    refund_purchase(purchase=sale, amount="100", idempotency_key="r")
    assert sale.store_id is None  # recorded before there were stores
    main = Store.objects.create(name="Main")

    _migration(
        "points.migrations.0011_sales_refunds_and_ledger_at_a_store"
    ).sales_at_the_main_store(apps, None)
    _migration("members.migrations.0027_home_store").members_enrolled_at_the_main_store(apps, None)

    assert set(Purchase.objects.values_list("store", flat=True)) == {main.pk}
    assert set(sale.refunds.values_list("store", flat=True)) == {main.pk}
    assert set(LedgerEntry.objects.values_list("store", flat=True)) == {main.pk}
    member.refresh_from_db()
    assert member.home_store == main
