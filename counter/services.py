"""The counter's one operation of its own: undoing a sale just recorded."""

from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from counter.selectors import undo_refusal
from points.refund import refund_purchase


def undo_sale(*, purchase, by, now=None):
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
    )
