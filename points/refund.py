"""Refunds: a sale's money back, and with it the sale's points.

A refund returns its share of the points the sale used to their lots and
takes back its share of the points the sale earned; where the member has
spent those already the balance stops at zero and the rest is recorded as a
shortfall. Money figures (the member's spend) are net of refunds.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config import locks
from config.clock import shop_date
from config.errors import LoyaltyError
from config.money import format_money
from config.text import clean_text
from points import ledger, sale
from points.ledger import Kind
from points.models import Purchase, Refund
from stores.selectors import store_id_of


def _refund_amount(purchase, amount) -> Decimal:
    if purchase.amount_paid <= 0 and not purchase.points_redeemed:
        raise LoyaltyError(
            _("Sale #%(id)s was paid in full by its coupon, so there is no money to refund.")
            % {"id": purchase.pk},
            field="amount",
            code="nothing_paid",
        )
    if purchase.amount_paid <= 0:
        return _points_only_refund(purchase, amount)
    left = purchase.amount_paid - purchase.refunded_amount
    if left <= 0:
        raise LoyaltyError(
            _("Sale #%(id)s is already fully refunded.") % {"id": purchase.pk},
            field="amount",
            code="already_refunded",
        )
    if amount is None:
        return left
    amount = sale.positive_amount(amount)
    if amount > left:
        raise LoyaltyError(
            _("At most %(left)s of this sale can still be refunded.")
            % {"left": format_money(left)},
            field="amount",
            code="over_refund",
        )
    return amount


def _points_only_refund(purchase, amount) -> Decimal:
    """A sale paid entirely with points refunds whole, with no money: the
    refund gives the points it used back and takes back what it earned."""
    if purchase.refunds.exists():
        raise LoyaltyError(
            _("Sale #%(id)s is already fully refunded.") % {"id": purchase.pk},
            field="amount",
            code="already_refunded",
        )
    try:
        money_asked = Decimal(str(amount)) if amount not in (None, "") else Decimal("0")
    except ArithmeticError:
        money_asked = None
    if money_asked != 0:
        raise LoyaltyError(
            _(
                "Sale #%(id)s was paid entirely with points: no money goes back. "
                "Leave the amount empty to give the points back."
            )
            % {"id": purchase.pk},
            field="amount",
            code="points_only",
        )
    return Decimal("0")


def _refund_shares(purchase, amount):
    """Earned points to reverse and redeemed points to return for this refund.

    Computed on the cumulative refunded share, so partial refunds add up to
    exactly the sale's figures when the whole sale is refunded.
    """
    if purchase.amount_paid <= 0:
        share = Decimal(1)  # a points-only sale refunds whole
    else:
        share = (purchase.refunded_amount + amount) / purchase.amount_paid
    totals = purchase.refunds.aggregate(
        reversed=Sum("points_reversed"),
        short=Sum("points_shortfall"),
        returned=Sum("points_returned"),
    )
    owed_before = (totals["reversed"] or 0) + (totals["short"] or 0)
    earned = ledger.floor_points(purchase.points_earned * share) - owed_before
    redeemed = ledger.floor_points(purchase.points_redeemed * share) - (totals["returned"] or 0)
    return max(earned, 0), max(redeemed, 0)


@transaction.atomic(durable=True)
def refund_purchase(
    *, purchase, amount=None, idempotency_key, by=None, reason="", at=None, store=None
) -> Refund:
    """Refund `amount` of a sale (all that is left when None), now or `at`
    (a moment after the sale: the demo's history), at `store` (a Store or its
    id: where the refund is made, which may be another than the sale's).

    Only money paid can be refunded: a coupon used on the sale is not given
    back, and the refund's share of the sale's points is its share of the
    amount paid (after the tier discount, the coupon and points).

    Returns the refund's share of redeemed points to their lots first, then
    takes back its share of earned points; when the member has already spent
    them the balance stops at zero and the rest is recorded as a shortfall.
    """
    member = ledger.lock_member(purchase.member_id)
    purchase = locks.lock_row(Purchase.objects, pk=purchase.pk)
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        if existing.purchase_id != purchase.pk or (
            amount is not None and existing.amount != sale.positive_amount(amount)
        ):
            raise ledger.key_conflict(idempotency_key)
        return existing
    amount = _refund_amount(purchase, amount)
    at = max(at or timezone.now(), purchase.created_at)
    earned, redeemed = _refund_shares(purchase, amount)
    refund = Refund.objects.create(
        purchase=purchase,
        idempotency_key=idempotency_key,
        created_at=at,
        amount=amount,
        reason=clean_text(reason)[:200],
        by=ledger.acting_user(by),
        store_id=store_id_of(store),
    )
    text = _("Refund of sale #%(id)s") % {"id": purchase.pk}
    if redeemed:
        spend = purchase.ledger_entries.get(kind=Kind.REDEEM_CASH)
        returned = ledger.return_points(
            entry=spend,
            kind=Kind.REFUND_REVERSAL,
            idempotency_key=f"{idempotency_key}:return",
            reason=text,
            by=by,
            points=redeemed,
            at=at,
            member=member,
            purchase=purchase,
            refund=refund,
            store_id=refund.store_id,
        )
        refund.points_returned = returned.points if returned else 0
    if earned:
        own_lots = purchase.ledger_entries.filter(
            kind__in=[Kind.PURCHASE_EARN, Kind.CAMPAIGN_BONUS]
        ).order_by("id")
        taken = min(earned, ledger.spendable_balance(member, as_of=shop_date(at)))
        if taken > 0:
            ledger.spend_points(
                member=member,
                points=taken,
                kind=Kind.REFUND_REVERSAL,
                idempotency_key=f"{idempotency_key}:reverse",
                reason=text,
                by=by,
                prefer=list(own_lots),
                at=at,
                purchase=purchase,
                refund=refund,
                store_id=refund.store_id,
            )
        refund.points_reversed = max(taken, 0)
        refund.points_shortfall = earned - refund.points_reversed
    refund.save(update_fields=["points_returned", "points_reversed", "points_shortfall"])
    purchase.refunded_amount += amount
    purchase.save(update_fields=["refunded_amount"])
    member.lifetime_spend = max(member.lifetime_spend - amount, Decimal("0"))
    member.save(update_fields=["lifetime_spend"])
    return refund
