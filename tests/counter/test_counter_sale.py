from decimal import Decimal

import pytest
from django.urls import reverse

from members.models import Member
from points.models import Purchase
from tests.factories import CampaignFactory, MemberFactory, give_points

HTMX = {"HX-Request": "true"}


@pytest.fixture
def silver(tiers):
    """10 % off, 1.2 points per 1 paid; 1,000 points (worth 500)."""
    member = MemberFactory(name="陳美玲", tier=tiers["silver"])
    give_points(member, 1000)
    return member


def quote(client, member, **params):
    return client.get(reverse("counter:quote", args=[member.pk]), params, headers=HTMX)


def confirm(client, member, headers=HTMX, **data):
    data.setdefault("idempotency_key", "key-1")
    return client.post(reverse("counter:sale", args=[member.pk]), data, headers=headers)


def test_card_carries_a_sale_form_with_a_fresh_key(staff_client, silver):
    first = staff_client.get(reverse("counter:card", args=[silver.pk]), headers=HTMX)
    second = staff_client.get(reverse("counter:card", args=[silver.pk]), headers=HTMX)
    key = first.context["sale_form"]["idempotency_key"].value()
    assert len(key) == 32
    assert key != second.context["sale_form"]["idempotency_key"].value()
    assert f'value="{key}"' in first.content.decode()


def test_quote_shows_discount_points_value_amount_to_pay_and_points_to_earn(staff_client, silver):
    response = quote(staff_client, silver, amount="1000", points_to_redeem="200")
    assert response.status_code == 200
    q = response.context["quote"]
    assert q.discount_amount == Decimal("100")
    assert q.redeemed_value == Decimal("100")
    assert q.amount_paid == Decimal("800")
    assert q.points_earned == 960
    body = response.content.decode()
    assert "NT$800" in body and "+960" in body
    assert not Purchase.objects.exists()


def test_quote_use_the_most_allowed_fills_the_points_field(staff_client, silver):
    # 900 due after 10 % off; at most 50 % of it (450) in points = 900 points.
    response = quote(staff_client, silver, amount="1000", use_max="1")
    assert response.context["quote"].points_to_redeem == 900
    body = response.content.decode()
    assert 'hx-swap-oob="true"' in body and 'value="900"' in body


def test_use_the_most_allowed_is_none_below_the_minimum(staff_client, tiers):
    member = MemberFactory(tier=tiers["silver"])
    give_points(member, 60)  # below the 100-point minimum
    response = quote(staff_client, member, amount="1000", use_max="1")
    assert response.context["quote"].points_to_redeem == 0


def test_quote_says_what_is_wrong_with_the_amount_next_to_it(staff_client, silver):
    response = quote(staff_client, silver, amount="twelve")
    assert "is not an amount" in str(response.context["sale_form"].errors["amount"])
    body = response.content.decode()
    assert '<div id="amount-errors" class="live-errors" hx-swap-oob="true"><ul' in body


def test_quote_of_an_empty_amount_is_blank_and_clears_errors(staff_client, silver):
    response = quote(staff_client, silver, amount=" ")
    body = response.content.decode()
    assert "is required" not in body and "data-quote" not in body
    assert '<div id="amount-errors" class="live-errors" hx-swap-oob="true"></div>' in body


def test_quote_refuses_more_points_than_the_balance_in_chinese(staff_client, silver):
    response = staff_client.get(
        reverse("counter:quote", args=[silver.pk]),
        {"amount": "100000", "points_to_redeem": "5000"},
        headers={**HTMX, "accept-language": "zh-hant"},
    )
    assert "點數不足" in str(response.context["sale_form"].errors["points_to_redeem"])
    assert '<div id="points_to_redeem-errors"' in response.content.decode()


def test_quote_requires_a_role(client, silver, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert quote(client, silver, amount="100").status_code == 403


@pytest.mark.parametrize("amount", ["", "880", "abc"])
def test_quote_for_a_missing_member_is_404(staff_client, tiers, amount):
    url = reverse("counter:quote", args=[999])
    assert staff_client.get(url, {"amount": amount}, headers=HTMX).status_code == 404


def test_confirm_records_the_sale_and_shows_the_receipt(staff_client, silver):
    response = confirm(staff_client, silver, amount="1000", points_to_redeem="200")
    assert response.status_code == 200
    sale = Purchase.objects.get()
    assert (sale.amount_paid, sale.points_redeemed, sale.points_earned) == (Decimal(800), 200, 960)
    assert sale.by.username == "staff"
    silver.refresh_from_db()
    assert silver.points_balance == 1000 - 200 + 960
    body = response.content.decode()
    assert 'id="receipt"' in body
    assert response.context["sale"].balance_after == 1760
    assert response["HX-Trigger"] == "counter-sale-recorded"
    recent = staff_client.get(reverse("counter:recent"), headers=HTMX)
    assert f'id="recent-sale-{sale.pk}"' in recent.content.decode()
    assert 'hx-trigger="counter-sale-recorded from:body"' in recent.content.decode()


def test_confirm_with_the_same_key_records_one_sale(staff_client, silver):
    for _ in range(3):
        assert (
            confirm(staff_client, silver, amount="1000", points_to_redeem="200").status_code == 200
        )
    assert Purchase.objects.count() == 1
    silver.refresh_from_db()
    assert silver.points_balance == 1760


def test_confirm_without_htmx_redirects_to_the_receipt(staff_client, silver):
    response = confirm(staff_client, silver, headers={}, amount="500")
    sale = Purchase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:receipt", args=[sale.pk])


def test_confirm_refuses_an_amount_that_is_not_a_number_next_to_the_field(staff_client, silver):
    response = confirm(staff_client, silver, amount="12abc")
    assert response.status_code == 400
    assert "amount" in response.context["sale_form"].errors
    assert "autofocus" in str(response.context["sale_form"]["amount"])
    assert not Purchase.objects.exists()


def test_confirm_refuses_too_many_points_next_to_the_points_field(staff_client, silver):
    response = confirm(
        staff_client,
        silver,
        headers={**HTMX, "accept-language": "zh-hans"},
        amount="100000",
        points_to_redeem="5000",
    )
    assert response.status_code == 400
    errors = str(response.context["sale_form"].errors["points_to_redeem"])
    assert "积分不足" in errors or "点数不足" in errors
    assert not Purchase.objects.exists()


def test_confirm_keeps_the_key_after_a_refusal(staff_client, silver):
    response = confirm(staff_client, silver, amount="0", idempotency_key="retry-me")
    assert 'value="retry-me"' in response.content.decode()


def test_confirm_refuses_a_blocked_member(staff_client, silver):
    Member.objects.filter(pk=silver.pk).update(status=Member.Status.BLOCKED)
    response = confirm(staff_client, silver, amount="100")
    assert response.status_code == 400
    assert "is blocked" in str(response.context["sale_form"].non_field_errors())
    assert not Purchase.objects.exists()


def test_confirm_accepts_full_width_digits(staff_client, silver):
    confirm(staff_client, silver, amount="１，０００")
    assert Purchase.objects.get().gross_amount == Decimal("1000")


def test_confirm_requires_post(staff_client, silver):
    assert staff_client.get(reverse("counter:sale", args=[silver.pk])).status_code == 405


def test_confirm_requires_a_role(client, silver, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert confirm(client, silver, amount="100").status_code == 403
    assert not Purchase.objects.exists()


def test_confirm_for_a_missing_member_is_404(staff_client, tiers):
    response = staff_client.post(
        reverse("counter:sale", args=[999]), {"amount": "1", "idempotency_key": "k"}
    )
    assert response.status_code == 404


def test_card_quote_and_receipt_name_the_campaign_of_the_day(staff_client, silver):
    CampaignFactory(name="Double day")
    card = staff_client.get(reverse("counter:card", args=[silver.pk]), headers=HTMX)
    assert "Double day" in card.content.decode()
    preview = quote(staff_client, silver, amount="1000")
    assert preview.context["quote"].points_earned == 900 * 12 // 10 * 2
    assert "Double day" in preview.content.decode()
    done = confirm(staff_client, silver, amount="1000")
    assert "Double day" in done.content.decode()


def test_quote_hint_names_the_minimum_when_the_balance_is_below_it(staff_client, tiers):
    member = MemberFactory(tier=tiers["silver"])
    give_points(member, 50)  # the minimum is 100 points at a time
    response = quote(staff_client, member, amount="1000")
    assert response.context["points_hint"] == "Needs 100 points to redeem; has 50."
    assert "can pay this bill" not in response.content.decode()


def test_quote_hint_says_when_the_bill_is_too_small_for_the_minimum(staff_client, silver):
    # 90 due after 10 % off: at most half of it (45) in points = 90 points, below 100.
    response = quote(staff_client, silver, amount="100")
    assert response.context["points_hint"] == (
        "This bill is too small to pay with points: at least 100 points at a time, "
        "and this bill takes at most 90."
    )


def test_quote_hint_gives_the_range_the_member_can_use(staff_client, silver):
    response = quote(staff_client, silver, amount="1000")
    assert response.context["points_hint"] == (
        "100 to 900 points can pay this bill (balance 1000)."
    )


def test_quote_stays_while_the_points_entry_is_invalid(staff_client, silver):
    response = quote(staff_client, silver, amount="1000", points_to_redeem="50")
    assert "at least 100" in str(response.context["sale_form"].errors["points_to_redeem"])
    # The bill without those points stays on screen, the field says why.
    assert response.context["quote"].points_to_redeem == 0
    body = response.content.decode()
    assert "data-quote" in body and "NT$900" in body
    assert '<div id="points_to_redeem-errors" class="live-errors" hx-swap-oob="true"><ul' in body


def test_quote_keeps_the_last_figures_while_the_amount_is_invalid(staff_client, silver):
    response = quote(staff_client, silver, amount="12.345")
    assert response["HX-Reswap"] == "none"  # the quote on screen stays
    assert (
        '<div id="amount-errors" class="live-errors" hx-swap-oob="true"><ul'
        in response.content.decode()
    )


def test_quote_leaves_out_zero_lines(staff_client, tiers):
    member = MemberFactory(tier=tiers["member"])
    tiers["member"].retail_discount = Decimal("0")
    tiers["member"].save()
    body = quote(staff_client, member, amount="300").content.decode()
    assert "data-quote-discount" not in body and "data-quote-points" not in body
    assert "−NT$0" not in body
    assert "data-quote-pay>NT$300" in body


def test_quote_sends_bill_to_pay_and_points_to_the_pinned_total(staff_client, silver):
    body = quote(staff_client, silver, amount="1000", points_to_redeem="200").content.decode()
    total = body[body.index('id="sale-total"') :]
    assert 'hx-swap-oob="true"' in total[:80]
    assert "data-quote-bill>NT$1,000" in total
    assert "data-quote-pay>NT$800" in total and "data-quote-earn>+960" in total
    assert "data-quote-discount" in body and "data-quote-points" in body


def test_card_pins_the_total_beside_the_confirm_button(staff_client, silver):
    body = staff_client.get(reverse("counter:card", args=[silver.pk]), headers=HTMX)
    summary = body.content.decode().split('id="sale-summary"')[1]
    assert 'id="sale-total"' in summary and "sale-confirm" in summary
