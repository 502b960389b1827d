"""The shop's sale: the ledger's sale (points.sale) with the programme above it.

points.sale records a sale and computes its quote; what it needs from the
apps built on points (the rulebook, campaigns, coupons, the tier engine) it
takes as a SaleProgramme. This module is the shop's programme and the door
every caller uses: the counter, the tills' API, the demo shop, tests.
"""

from django.utils.translation import gettext as _

from campaigns.rulebook import current_rulebook
from campaigns.selectors import campaign_terms, redemption_terms
from points import ledger, sale
from points.models import Purchase
from rewards import coupons
from rewards import services as rewards
from tiers.services import evaluate_member, may_reach_higher_tier


class ShopProgramme:
    """points.sale.SaleProgramme for this installation's rules."""

    def rulebook(self, version):
        return current_rulebook(version)

    def campaign_terms(self, *, member, moment, eligible_amount, rulebook, store_id=None):
        return campaign_terms(
            store_id=store_id,
            member=member,
            moment=moment,
            eligible_amount=eligible_amount,
            rulebook=rulebook,
        )

    def redemption_terms(self, *, member, moment, amount_due, rulebook):
        return redemption_terms(
            member=member, moment=moment, amount_due=amount_due, rulebook=rulebook
        )

    def check_coupon(self, *, member, code, amount, at):
        return coupons.check_coupon(member=member, code=code, amount=amount, at=at)

    def take_coupon(self, *, member, code, amount, at):
        return coupons.take_coupon(member=member, code=code, amount=amount, at=at)

    def mark_coupon_used(self, *, coupon, discount, purchase, by, at):
        use = coupons.CouponUse(coupon=coupon, discount=discount)
        coupons.mark_coupon_used(use=use, purchase=purchase, by=by, at=at)

    def normalize_coupon_code(self, code) -> str:
        return rewards.normalize_coupon_code(code)

    def after_sale(self, *, member, purchase, rulebook, by, at):
        # An upgrade the sale earns happens at once, in the sale's transaction,
        # and is dated at the sale (the figures count the sale's whole day).
        evaluate_member(
            member=member,
            as_of=at,
            reason=_("Sale #%(id)s") % {"id": purchase.pk},
            by=ledger.acting_user(by),
            may_move=may_reach_higher_tier(member=member, ladder=rulebook.ladder),
            rulebook=rulebook,
        )


PROGRAMME = ShopProgramme()


def record_purchase(*, member, amount, idempotency_key, **terms) -> Purchase:
    """Record a sale (points.sale.record_purchase) under the shop's programme.
    `terms`: points_to_redeem, wholesale, by, at, note, coupon_code, store."""
    return sale.record_purchase(
        member=member,
        amount=amount,
        idempotency_key=idempotency_key,
        programme=PROGRAMME,
        **terms,
    )


def quote_purchase(*, member, amount, **terms) -> sale.Quote:
    """What record_purchase would do (points.sale.quote_purchase), without
    saving or locking anything. `terms`: points_to_redeem, wholesale, at,
    coupon_code, store."""
    return sale.quote_purchase(member=member, amount=amount, programme=PROGRAMME, **terms)
