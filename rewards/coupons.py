"""Coupons at the counter: what a member's coupon takes off a bill, each
refusal in its own words, and its use by the sale (loyalty.sale hands these
to points.sale). Issuing them is a redemption (rewards.services)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config import locks
from config.clock import shop_date, shop_today
from config.errors import LoyaltyError
from config.money import format_money, round_money
from rewards.models import Coupon
from rewards.services import normalize_coupon_code


@dataclass(frozen=True)
class CouponUse:
    coupon: Coupon
    discount: Decimal


def coupon_discount(*, coupon, amount) -> Decimal:
    """What `coupon` takes off a bill of `amount`: its value (never more than
    the bill) or its percentage, rounded once."""
    amount = Decimal(amount)
    if coupon.value is not None:
        return round_money(min(coupon.value, amount))
    return round_money(amount * coupon.percent / 100)


def _check_min_spend(coupon, amount):
    """Refuse a coupon on a bill (after the member's discount) below its
    minimum ("spend 1,000, get 100 off" on a bill of 800)."""
    if coupon.min_spend and Decimal(amount) < coupon.min_spend:
        raise LoyaltyError(
            _(
                "Coupon %(code)s needs a bill of at least %(minimum)s after the member's "
                "discount; this bill comes to %(amount)s."
            )
            % {
                "code": coupon.display_code,
                "minimum": format_money(coupon.min_spend),
                "amount": format_money(Decimal(amount)),
            },
            field="coupon",
            code="coupon_below_min_spend",
        )


def _coupon_refusal(coupon, *, member, code, today):
    shown = coupon.display_code if coupon else code
    if coupon is None:
        return LoyaltyError(
            _("No coupon has the code %(code)s: check the letters and digits.") % {"code": code},
            field="coupon",
            code="coupon_unknown",
        )
    if coupon.member_id != member.pk:
        return LoyaltyError(
            _("Coupon %(code)s belongs to another member.") % {"code": shown},
            field="coupon",
            code="coupon_other_member",
        )
    if coupon.is_voided:
        return LoyaltyError(
            _("Coupon %(code)s was cancelled with its reward.") % {"code": shown},
            field="coupon",
            code="coupon_voided",
        )
    if coupon.is_used:
        return LoyaltyError(
            _("Coupon %(code)s was already used on %(date)s.")
            % {"code": shown, "date": shop_date(coupon.used_at).isoformat()},
            field="coupon",
            code="coupon_used",
        )
    if today < coupon.valid_from:
        return LoyaltyError(
            _("Coupon %(code)s can be used from %(date)s.")
            % {"code": shown, "date": coupon.valid_from.isoformat()},
            field="coupon",
            code="coupon_not_yet_valid",
        )
    if today > coupon.expires_on:
        return LoyaltyError(
            _("Coupon %(code)s expired on %(date)s.")
            % {"code": shown, "date": coupon.expires_on.isoformat()},
            field="coupon",
            code="coupon_expired",
        )
    return None


def check_coupon(*, member, code, amount, at=None) -> CouponUse:
    """Preview: the coupon and its discount on `amount`, or LoyaltyError.
    Reads only; the sale must still call use_coupon."""
    normalized = normalize_coupon_code(code)
    coupon = Coupon.objects.filter(code=normalized).first() if normalized else None
    today = shop_date(at) if at else shop_today()
    refusal = _coupon_refusal(coupon, member=member, code=code, today=today)
    if refusal:
        raise refusal
    _check_min_spend(coupon, amount)
    return CouponUse(coupon=coupon, discount=coupon_discount(coupon=coupon, amount=amount))


@transaction.atomic
def use_coupon(*, member, code, amount, purchase=None, by=None, at=None) -> CouponUse:
    """Apply coupon `code` of `member` to a bill of `amount` and mark it used.

    Call it inside the sale's transaction (composable, not durable): the
    coupon row is locked, so two counters cannot use one code twice; if the
    sale fails, the coupon stays unused. Pass the sale as `purchase`, or link
    it afterwards with attach_coupon_to_purchase. Raises LoyaltyError
    (field "coupon") for unknown, another member's, used, cancelled, not yet
    valid or expired codes.
    """
    moment = at or timezone.now()
    use = take_coupon(member=member, code=code, amount=amount, at=moment)
    return mark_coupon_used(use=use, purchase=purchase, by=by, at=moment)


def take_coupon(*, member, code, amount, at) -> CouponUse:
    """use_coupon's first half, for a caller that holds the member lock and
    its own transaction (record_purchase): lock and check the coupon and
    compute its discount; nothing is written, and a refusal leaves the
    transaction usable. Finish with mark_coupon_used."""
    normalized = normalize_coupon_code(code)
    coupon = None
    if normalized:
        coupon = next(iter(locks.lock_rows(Coupon.objects.filter(code=normalized))), None)
    refusal = _coupon_refusal(coupon, member=member, code=code, today=shop_date(at))
    if refusal:
        raise refusal
    if Decimal(amount) <= 0:
        raise LoyaltyError(
            _("Enter the bill amount before applying a coupon."),
            field="amount",
            code="coupon_no_amount",
        )
    _check_min_spend(coupon, amount)
    return CouponUse(coupon=coupon, discount=coupon_discount(coupon=coupon, amount=amount))


def mark_coupon_used(*, use, purchase=None, by=None, at=None) -> CouponUse:
    """Record a coupon taken with take_coupon as used (one UPDATE)."""
    coupon = use.coupon
    coupon.used_at = at or timezone.now()
    coupon.used_amount = use.discount
    coupon.used_purchase = purchase
    coupon.used_by = by if by and by.is_authenticated else None
    coupon.save(update_fields=["used_at", "used_amount", "used_purchase", "used_by"])
    return use


def attach_coupon_to_purchase(*, coupon, purchase) -> Coupon:
    """Link a coupon used earlier in the same transaction to the sale it paid."""
    Coupon.objects.filter(pk=coupon.pk).update(used_purchase=purchase)
    coupon.used_purchase = purchase
    return coupon
