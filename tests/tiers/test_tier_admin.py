"""The tier admin reads discounts with the same parser and saves through save_tier."""

from decimal import Decimal

from django.urls import reverse

from tiers.models import Tier


def test_the_admin_reads_zhe_the_same_way(client, salon, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="x")
    client.force_login(admin)
    entry = salon["member"]
    data = {
        "name": entry.name,
        "name_zh_hant": "",
        "name_zh_hans": "",
        "rank": str(entry.rank),
        "is_active": "on",
        "colour": "#6c757d",
        "retail_discount": "10折",
        "wholesale_discount": "95折",
        "points_multiplier": "1",
        "benefits": "",
        "upgrade_bonus_points": "0",
    }
    response = client.post(reverse("admin:tiers_tier_change", args=[entry.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = Tier.objects.get(pk=entry.pk)
    assert entry.retail_discount == Decimal("0")
    assert entry.wholesale_discount == Decimal("5")


def test_the_admin_shows_a_ladder_refusal_on_the_form(client, salon, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="x")
    client.force_login(admin)
    gold = salon["gold"]
    data = {
        "name": gold.name,
        "rank": str(gold.rank),
        "is_active": "on",
        "colour": "#6c757d",
        "retail_discount": "0折",
        "wholesale_discount": "9折",
        "points_multiplier": "1",
        "qualify_lifetime_spend": "1000",
        "upgrade_bonus_points": "0",
    }
    response = client.post(reverse("admin:tiers_tier_change", args=[gold.pk]), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "0折 would mean members pay nothing." in errors["retail_discount"][0]
    data["retail_discount"] = "8折"
    response = client.post(reverse("admin:tiers_tier_change", args=[gold.pk]), data)
    assert response.status_code == 200
    assert "would be easier to reach than Silver" in str(response.context["adminform"].form.errors)
    gold.refresh_from_db()
    assert gold.qualify_lifetime_spend == Decimal("5000")
