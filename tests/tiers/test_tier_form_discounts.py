"""The tier form reads discounts in 折 and says what they mean as the owner types."""

from decimal import Decimal

from django.urls import reverse

from loyalty.sale import record_purchase
from tests.factories import MemberFactory


def _post(tier, **overrides):
    data = {
        "name": tier.name,
        "rank": str(tier.rank),
        "is_active": "on",
        "colour": "#aabbcc",
        "retail_discount": "5",
        "wholesale_discount": "0",
        "points_multiplier": "1",
        "upgrade_bonus_points": "0",
        "save": "",
    }
    data.update(overrides)
    return data


def test_10_zhe_saves_as_no_discount(owner_client, salon):
    entry = salon["member"]
    assert entry.retail_discount == Decimal("5")
    url = reverse("tiers:edit", args=[entry.pk])
    data = _post(entry, retail_discount="10折", wholesale_discount="100折")
    response = owner_client.post(url, data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.retail_discount == Decimal("0")
    assert entry.wholesale_discount == Decimal("0")


def test_the_issue_cases_save_as_percent_off(owner_client, salon):
    entry = salon["member"]
    url = reverse("tiers:edit", args=[entry.pk])
    for typed, percent_off in [("95折", "5"), ("9折", "10"), ("7.5折", "25"), ("９５折", "5")]:
        response = owner_client.post(url, _post(entry, retail_discount=typed))
        assert response.status_code == 302, typed
        entry.refresh_from_db()
        assert entry.retail_discount == Decimal(percent_off), typed


def test_0_zhe_is_refused_with_how_to_write_it(owner_client, salon):
    entry = salon["member"]
    url = reverse("tiers:edit", args=[entry.pk])
    response = owner_client.post(url, _post(entry, retail_discount="0折", wholesale_discount="9折"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "0折 would mean members pay nothing." in body
    assert "Write 9折 to pay 90%, 95折 to pay 95%, or 10折 for no discount." in body
    # The other field still says what it means on the re-rendered page.
    assert "Members pay 90% (10% off)." in body
    entry.refresh_from_db()
    assert entry.retail_discount == Decimal("5")


def test_the_form_shows_the_saved_meaning_and_asks_for_hints(owner_client, salon):
    response = owner_client.get(reverse("tiers:edit", args=[salon["silver"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    hint = '<p class="discount-hint muted" id="id_retail_discount-hint" aria-live="polite">'
    assert hint + "Members pay 90% (10% off).</p>" in body
    assert f'hx-get="{reverse("tiers:discount_hint")}"' in body
    assert 'hx-trigger="input changed delay:300ms"' in body
    assert 'hx-target="#id_wholesale_discount-hint"' in body
    assert 'aria-describedby="id_retail_discount-hint"' in body


def test_the_meaning_reads_in_chinese(owner_client, salon):
    url = reverse("tiers:edit", args=[salon["member"].pk])
    body = owner_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert 'id="id_retail_discount-hint" aria-live="polite">會員付 95%（95折）。</p>' in body
    assert 'id="id_wholesale_discount-hint" aria-live="polite">不打折：會員付全價。</p>' in body


def test_a_new_tier_has_no_hint_until_typed(owner_client, salon):
    body = owner_client.get(reverse("tiers:create")).content.decode()
    assert 'id="id_retail_discount-hint" aria-live="polite"></p>' in body


def test_a_sale_charges_what_the_typed_discount_says(owner_client, salon):
    """Typed on the tier form, then a NT$1,000 bill at that tier."""
    entry = salon["member"]
    url = reverse("tiers:edit", args=[entry.pk])
    cases = [("10折", "1000"), ("100折", "1000"), ("95折", "950"), ("9折", "900"), ("7.5折", "750")]
    for typed, pays in cases:
        assert owner_client.post(url, _post(entry, retail_discount=typed)).status_code == 302
        member = MemberFactory(tier=entry)  # a fresh member: no upgrade on the way
        sale = record_purchase(member=member, amount=Decimal("1000"), idempotency_key=typed)
        assert sale.amount_paid == Decimal(pays), typed
