from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from config.clock import shop_today
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import Tier
from tiers.selectors import ladder_preview


def _shop_of_twenty(salon):
    """Twenty members who spent 100, 200, ... 2,000 in the last months."""
    day = shop_today() - timedelta(days=10)
    for n in range(1, 21):
        buy(MemberFactory(), str(100 * n), at(day), evaluate=False)


def test_preview_counts_members_under_proposed_rules(salon):
    _shop_of_twenty(salon)
    gold = salon["gold"]
    gold.qualify_window_spend = Decimal("1900")  # 2 of 20 members
    preview = ladder_preview([salon["member"], salon["silver"], gold])
    rows = {row.tier.name: row for row in preview.rows}
    assert preview.total == 20
    assert rows["Member"].today == 20
    assert rows["Gold"].proposed == 2
    assert rows["Silver"].proposed == 0  # the one with 2,000 lifetime reaches Gold
    assert rows["Silver"].current_rules == 1
    assert rows["Gold"].proposed_share == 10
    assert rows["Gold"].proposed_revenue == Decimal("3900")
    # 18 of 20 in the entry tier is 90 %: outside 60-70 %.
    assert "The entry tier would hold 90.0% of members; the target is 60-70%." in preview.warnings


def test_suggested_thresholds_hit_the_target_bands(salon):
    _shop_of_twenty(salon)
    preview = ladder_preview(list(Tier.objects.order_by("rank")))
    suggestions = preview.suggestions
    # Top 7.5 % of 20 members is the best one (2,000); the next five reach Silver.
    assert suggestions[salon["gold"].rank] == Decimal("2000")
    assert suggestions[salon["silver"].rank] == Decimal("1500")


def test_page_works(owner_client, salon):
    _shop_of_twenty(salon)
    response = owner_client.get(reverse("tiers:preview"))
    assert response.status_code == 200
    assert "Suggested spend in the window" in response.content.decode()


def test_page_previews_then_saves(owner_client, salon):
    gold, silver = salon["gold"], salon["silver"]
    data = {
        f"t{gold.pk}_qualify_lifetime_spend": "8000",
        f"t{gold.pk}_qualify_window_spend": "3000",
        f"t{gold.pk}_retain_window_spend": "2000",
        f"t{silver.pk}_qualify_lifetime_spend": "2000",
        f"t{silver.pk}_qualify_referred_buyers": "3",
        f"t{silver.pk}_retain_window_spend": "800",
    }
    response = owner_client.post(reverse("tiers:preview"), {**data, "preview": ""})
    assert response.status_code == 200
    gold.refresh_from_db()
    assert gold.qualify_lifetime_spend == Decimal("5000")
    response = owner_client.post(reverse("tiers:preview"), {**data, "save": ""})
    assert response.status_code == 302
    gold.refresh_from_db()
    assert gold.qualify_lifetime_spend == Decimal("8000")


def test_page_use_suggestions_fills_the_form(owner_client, salon):
    _shop_of_twenty(salon)
    response = owner_client.post(reverse("tiers:preview"), {"use_suggestions": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data[f"t{salon['gold'].pk}_qualify_window_spend"] == Decimal("2000")


def test_page_refuses_an_upside_down_ladder(owner_client, salon):
    gold, silver = salon["gold"], salon["silver"]
    response = owner_client.post(
        reverse("tiers:preview"),
        {
            f"t{gold.pk}_qualify_lifetime_spend": "1000",
            f"t{silver.pk}_qualify_lifetime_spend": "2000",
            "save": "",
        },
    )
    assert response.status_code == 400
    assert "easier to reach" in response.content.decode()
    gold.refresh_from_db()
    assert gold.qualify_lifetime_spend == Decimal("5000")


def test_page_is_for_owners(staff_client, salon):
    assert staff_client.get(reverse("tiers:preview")).status_code == 403
    assert staff_client.post(reverse("tiers:preview"), {"save": ""}).status_code == 403


def test_deactivate_page_works(owner_client, salon):
    MemberFactory.create_batch(2, tier=salon["gold"])
    url = reverse("tiers:deactivate", args=[salon["gold"].pk])
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response.context["moves"][0][1] == 2
    assert owner_client.post(url).status_code == 302
    assert not Tier.objects.get(pk=salon["gold"].pk).is_active


def test_deactivate_page_refuses_the_last_tier(owner_client, db):
    only = Tier.objects.create(rank=1, name="Only")
    response = owner_client.post(reverse("tiers:deactivate", args=[only.pk]))
    assert response.status_code == 400
    assert Tier.objects.get(pk=only.pk).is_active


def test_deactivate_page_is_for_owners(staff_client, salon):
    url = reverse("tiers:deactivate", args=[salon["gold"].pk])
    assert staff_client.get(url).status_code == 403
    assert staff_client.post(url).status_code == 403
    assert Tier.objects.get(pk=salon["gold"].pk).is_active
