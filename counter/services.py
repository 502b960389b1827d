"""The counter's operations of its own: undoing a sale just recorded, and a
refund in full or in part from the sales page."""

from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from counter.selectors import refund_refusal, undo_refusal
from points.refund import refund_purchase


def undo_sale(*, purchase, by, store=None, now=None):
    """Refund `purchase` in full, if `by` may undo it (owners any sale any
    time, staff their own sales within 10 minutes; see undo_refusal). The
    key is the sale's own: undoing twice refunds once.
    """
    refusal = undo_refusal(purchase, user=by, now=now)
    if refusal:
        raise LoyaltyError(refusal, code="undo_refused")
    return refund_purchase(
        purchase=purchase,
        idempotency_key=f"counter-undo-{purchase.pk}",
        by=by,
        reason=_("Undone at the counter"),
        store=store,
    )


def refund_sale(*, purchase, by, idempotency_key, amount=None, reason="", store=None, now=None):
    """Refund `amount` of `purchase` (all that is left when None), if `by` may
    (refund_refusal: owners any sale, staff their own within 10 minutes),
    recorded at `store` (where it is made). The form's key makes a double
    click or a retry refund once."""
    refusal = refund_refusal(purchase, user=by, now=now)
    if refusal:
        raise LoyaltyError(refusal, code="refund_refused")
    return refund_purchase(
        purchase=purchase,
        amount=amount,
        idempotency_key=f"counter-refund-{idempotency_key}",
        by=by,
        reason=reason or _("Refunded from the sales page"),
        store=store,
    )
