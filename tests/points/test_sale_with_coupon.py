"""A member's coupon at the sale: after the tier discount, before points as cash."""

from datetime import timedelta
from decimal import Decimal

import pytest

from config.clock import shop_today
from config.errors import LoyaltyError
from loyalty.sale import quote_purchase, record_purchase
from points.models import Purchase
from points.refund import refund_purchase
from rewards.models import Coupon
from rewards.services import cancel_redemption, issue_reward
from tests.factories import MemberFactory, coupon_reward, give_points


@pytest.fixture
def silver(tiers):
    """10 % off, 1.2 points per 1 paid; 1,000 points (worth 500)."""
    member = MemberFactory(tier=tiers["silver"])
    give_points(member, 1000)
    return member


def coupon_for(member, **terms):
    redemption = issue_reward(member=member, reward=coupon_reward(**terms), reason="gift")
    return redemption.coupons.get()


def sale(member, coupon_code, key="k1", **kwargs):
    kwargs.setdefault("amount", Decimal("1000"))
    return record_purchase(member=member, idempotency_key=key, coupon_code=coupon_code, **kwargs)


def test_an_amount_coupon_comes_off_after_the_tier_discount_and_before_points(silver, staff):
    coupon = coupon_for(silver, coupon_value=Decimal("50"))
    purchase = sale(silver, coupon.display_code.lower(), points_to_redeem=200, by=staff)
    # 1000 - 10 % = 900, - 50 coupon = 850, - 200 points (100) = 750 paid; 750 × 1.2 = 900.
    assert purchase.discount_amount == Decimal("100.00")
    assert purchase.coupon_discount == Decimal("50.00")
    assert purchase.coupon_code == coupon.code
    assert purchase.amount_paid == Decimal("750.00")
    assert purchase.points_earned == 900
    coupon.refresh_from_db()
    assert coupon.used_purchase == purchase
    assert coupon.used_amount == Decimal("50.00")
    assert coupon.used_by == staff
    silver.refresh_from_db()
    assert silver.points_balance == 1000 - 200 + 900
    assert silver.lifetime_spend == Decimal("750.00")


def test_a_percent_coupon_takes_its_share_of_the_bill_after_the_tier_discount(silver):
    coupon = coupon_for(silver, coupon_percent=Decimal("10"))
    purchase = sale(silver, coupon.code)
    assert purchase.coupon_discount == Decimal("90.00")
    assert purchase.amount_paid == Decimal("810.00")


def test_the_points_cap_follows_the_coupon(silver):
    coupon = coupon_for(silver, coupon_value=Decimal("100"))
    quote = quote_purchase(member=silver, amount=Decimal("1000"), coupon_code=coupon.code)
    # 900 after the tier discount, 800 after the coupon: half of it is 400 = 800 points.
    assert quote.max_redeemable_points == 800
    with pytest.raises(LoyaltyError) as caught:
        sale(silver, coupon.code, points_to_redeem=900)
    assert caught.value.code == "over_bill_share"


def test_the_quote_checks_the_coupon_without_using_it(silver):
    coupon = coupon_for(silver)
    quote = quote_purchase(member=silver, amount=Decimal("1000"), coupon_code=coupon.code)
    assert (quote.coupon, quote.coupon_discount, quote.amount_paid) == (
        coupon,
        Decimal("50.00"),
        Decimal("850.00"),
    )
    coupon.refresh_from_db()
    assert coupon.used_at is None
    assert not Purchase.objects.exists()


def _used(member):
    coupon = coupon_for(member)
    sale(member, coupon.code, key="first")
    return coupon


def _expired(member):
    coupon = coupon_for(member)
    Coupon.objects.filter(pk=coupon.pk).update(expires_on=shop_today() - timedelta(days=1))
    return coupon


def _not_yet_valid(member):
    coupon = coupon_for(member)
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=shop_today() + timedelta(days=1))
    return coupon


def _voided(member):
    coupon = coupon_for(member)
    cancel_redemption(redemption=coupon.redemption)
    return coupon


def _another_members(member):
    return coupon_for(MemberFactory())


@pytest.mark.parametrize(
    "make, code",
    [
        (_used, "coupon_used"),
        (_expired, "coupon_expired"),
        (_not_yet_valid, "coupon_not_yet_valid"),
        (_voided, "coupon_voided"),
        (_another_members, "coupon_other_member"),
    ],
)
def test_a_coupon_that_cannot_be_used_refuses_the_sale(silver, make, code):
    coupon = make(silver)
    used_before = Coupon.objects.get(pk=coupon.pk).used_at
    with pytest.raises(LoyaltyError) as caught:
        sale(silver, coupon.code, key="second")
    assert (caught.value.code, caught.value.field) == (code, "coupon")
    assert not Purchase.objects.filter(idempotency_key="second").exists()
    assert Coupon.objects.get(pk=coupon.pk).used_at == used_before


def test_an_unknown_code_refuses_the_sale(silver):
    with pytest.raises(LoyaltyError) as caught:
        sale(silver, "ZZZZ-ZZZZ-ZZZZ")
    assert (caught.value.code, caught.value.field) == ("coupon_unknown", "coupon")


def test_a_refused_sale_leaves_the_coupon_unused(silver):
    coupon = coupon_for(silver)
    with pytest.raises(LoyaltyError) as caught:
        sale(silver, coupon.code, points_to_redeem=5000)
    assert caught.value.code == "insufficient_points"
    coupon.refresh_from_db()
    assert coupon.used_at is None and coupon.used_purchase is None


def test_a_replay_with_the_same_coupon_returns_the_first_sale(silver):
    coupon = coupon_for(silver)
    first = sale(silver, coupon.code)
    assert sale(silver, coupon.display_code) == first
    assert Purchase.objects.count() == 1


def test_the_same_key_with_another_coupon_or_none_is_refused(silver):
    first, second = coupon_for(silver), coupon_for(silver)
    sale(silver, first.code)
    for other in (second.code, ""):
        with pytest.raises(LoyaltyError) as caught:
            sale(silver, other)
        assert caught.value.code == "idempotency_conflict"
    second.refresh_from_db()
    assert second.used_at is None


def test_a_refund_returns_what_was_paid_and_keeps_the_coupon_used(silver):
    coupon = coupon_for(silver)
    purchase = sale(silver, coupon.code)
    refund = refund_purchase(purchase=purchase, idempotency_key="r1")
    assert refund.amount == Decimal("850.00")
    assert refund.points_reversed == purchase.points_earned
    coupon.refresh_from_db()
    assert coupon.used_purchase == purchase


def test_a_coupon_that_pays_the_whole_bill_leaves_nothing_to_refund(silver):
    coupon = coupon_for(silver, coupon_value=Decimal("100"))
    purchase = sale(silver, coupon.code, amount=Decimal("100"))
    assert purchase.amount_paid == 0 and purchase.points_earned == 0
    with pytest.raises(LoyaltyError) as caught:
        refund_purchase(purchase=purchase, idempotency_key="r1")
    assert "paid in full by its coupon" in str(caught.value)
