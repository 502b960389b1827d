"""Coupons at the counter: use_coupon inside the sale, each refusal its own message."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from config.clock import shop_today
from config.errors import LoyaltyError
from rewards.coupons import check_coupon, use_coupon
from rewards.models import Coupon
from rewards.services import (
    COUPON_ALPHABET,
    cancel_redemption,
    issue_reward,
    normalize_coupon_code,
)
from tests.factories import MemberFactory, coupon_reward


@pytest.fixture
def member(tiers):
    return MemberFactory()


def coupon_for(member, **terms):
    redemption = issue_reward(member=member, reward=coupon_reward(**terms), reason="gift")
    return redemption.coupons.get()


def use(member, code, amount="500"):
    with transaction.atomic():
        return use_coupon(member=member, code=code, amount=Decimal(amount))


def refused(member, code, amount="500"):
    with pytest.raises(LoyaltyError) as caught:
        use(member, code, amount)
    assert caught.value.field == "coupon" or caught.value.field == "amount"
    return caught.value


def test_codes_are_long_random_and_unambiguous(member):
    codes = {coupon_for(member).code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) == 12 and set(code) <= set(COUPON_ALPHABET) for code in codes)


def test_typed_code_is_normalised():
    assert normalize_coupon_code(" ab2c-ｄｅ3f 4567 ") == "AB2CDE3F4567"


def test_amount_coupon_takes_its_value_off(member, staff):
    coupon = coupon_for(member, coupon_value=Decimal("50"))
    applied = use(member, coupon.display_code.lower())
    coupon.refresh_from_db()
    assert applied.discount == Decimal("50.00")
    assert coupon.used_at is not None
    assert coupon.used_amount == Decimal("50.00")


def test_amount_coupon_never_takes_more_than_the_bill(member):
    coupon = coupon_for(member, coupon_value=Decimal("50"))
    assert use(member, coupon.code, "30").discount == Decimal("30.00")


def test_percent_coupon_is_rounded_once(member):
    coupon = coupon_for(member, coupon_percent=Decimal("15"))
    assert use(member, coupon.code, "333.33").discount == Decimal("50.00")


def test_check_coupon_previews_without_using(member):
    coupon = coupon_for(member, coupon_value=Decimal("50"))
    assert check_coupon(member=member, code=coupon.code, amount=Decimal("80")).discount == 50
    coupon.refresh_from_db()
    assert coupon.used_at is None


def test_a_coupon_is_used_once(member):
    coupon = coupon_for(member)
    use(member, coupon.code)
    error = refused(member, coupon.code)
    assert error.code == "coupon_used"
    assert f"was already used on {shop_today().isoformat()}" in str(error)


def test_unknown_code_is_refused(member):
    error = refused(member, "ZZZZ-ZZZZ-ZZZZ")
    assert error.code == "coupon_unknown"
    assert str(error) == "No coupon has the code ZZZZ-ZZZZ-ZZZZ: check the letters and digits."


def test_another_members_coupon_is_refused(member):
    coupon = coupon_for(MemberFactory())
    error = refused(member, coupon.code)
    assert error.code == "coupon_other_member"
    assert "belongs to another member" in str(error)


def test_expired_coupon_is_refused(member):
    coupon = coupon_for(member)
    Coupon.objects.filter(pk=coupon.pk).update(expires_on=shop_today() - timedelta(days=1))
    error = refused(member, coupon.code)
    assert error.code == "coupon_expired"
    assert "expired on" in str(error)


def test_coupon_of_a_cancelled_redemption_is_refused(member):
    coupon = coupon_for(member)
    cancel_redemption(redemption=coupon.redemption)
    error = refused(member, coupon.code)
    assert error.code == "coupon_voided"
    assert "cancelled with its reward" in str(error)


def test_a_failed_sale_leaves_the_coupon_unused(member):
    coupon = coupon_for(member)
    with pytest.raises(RuntimeError), transaction.atomic():
        use_coupon(member=member, code=coupon.code, amount=Decimal("100"))
        raise RuntimeError("the sale failed after the coupon")
    coupon.refresh_from_db()
    assert coupon.used_at is None
