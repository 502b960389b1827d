"""One store named after the shop: every record made before stores existed
happened there (the sales', ledger's, redemptions' and members' migrations
that add their store fill it in)."""

from django.conf import settings
from django.db import migrations


def create_main_store(apps, schema_editor):
    Store = apps.get_model("stores", "Store")
    ShopSettings = apps.get_model("config", "ShopSettings")
    if Store.objects.exists():
        return
    shop = ShopSettings.objects.filter(pk=1).first()
    Store.objects.create(name=(shop.name if shop else settings.SHOP_NAME)[:100] or "Shop")


class Migration(migrations.Migration):
    dependencies = [
        ("stores", "0001_stores"),
        ("config", "0003_shop_settings"),
    ]

    operations = [migrations.RunPython(create_main_store, migrations.RunPython.noop)]
