"""The sale: what the counter and the tills record, and its quote.

record_purchase locks the member, computes the sale's figures (tier
discount, coupon, points as cash, points earned) and writes the sale and its
ledger entries (points.ledger) in one durable transaction; a replayed key
returns the first sale. quote_purchase computes the same figures without
locking or writing anything.

What lies above the ledger is passed down as a SaleProgramme: the owner's
rules and ladder (the rulebook), the campaigns that lift a sale, the
member's coupon, and what follows a sale in the tier engine. points may not
import those apps (they are built on points), so loyalty.sale builds the
shop's programme and is the door every caller uses.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.clock import shop_date
from config.errors import LoyaltyError
from config.money import round_money
from config.rules_version import rules_version
from members.models import Member
from points import behaviour, ledger, sale_sql
from points.models import Purchase
from stores.selectors import store_id_of


class SaleProgramme(Protocol):
    """What the programme decides for a sale, above the ledger."""

    def rulebook(self, version):
        """The owner's rules at the rules `version` just read (programme,
        tiers by id, ladder, tier programme, lifecycle, campaigns)."""

    def campaign_terms(self, *, member, moment, eligible_amount, rulebook, store_id=None):
        """The campaigns' lift at the store `store_id`: .multiplier, .bonuses
        [(campaign, points)], .explanation [dict]."""

    def redemption_terms(self, *, member, moment, amount_due, rulebook):
        """What points are worth on this bill: .multiplier times the
        redemption rate (a double-value day), .line() for the quote."""

    def check_coupon(self, *, member, code, amount, at):
        """The member's coupon checked against `amount` (a CouponUse with
        .coupon and .discount); refused with LoyaltyError."""

    def take_coupon(self, *, member, code, amount, at):
        """check_coupon, with the coupon row locked for this sale."""

    def mark_coupon_used(self, *, coupon, discount, purchase, by, at):
        """The taken coupon used by the saved `purchase`."""

    def normalize_coupon_code(self, code) -> str:
        """The code as the sale stores it (to compare a replay)."""

    def after_sale(self, *, member, purchase, rulebook, by, at):
        """What a recorded sale sets off above the ledger (a tier upgrade),
        in the sale's transaction with the member locked."""


@dataclass(frozen=True)
class Quote:
    """A sale computed but not saved: what the counter previews and records."""

    gross_amount: Decimal
    wholesale: bool
    tier: object
    discount_percent: Decimal
    discount_amount: Decimal
    amount_due: Decimal  # after the tier discount and the coupon, before points
    points_to_redeem: int
    redeemed_value: Decimal
    amount_paid: Decimal  # the eligible amount: after discount and points
    max_redeemable_points: int
    points_balance: int
    min_redeem_points: int  # the fewest points one redemption may use
    base_points: int
    bonuses: list = field(default_factory=list)  # [(campaign, points)]
    points_earned: int = 0
    detail: dict = field(default_factory=dict)
    coupon: object = None  # the rewards.Coupon applied, if any
    coupon_discount: Decimal = Decimal("0")
    value_multiplier: Decimal = Decimal("1")  # points worth this many times the rate

    @property
    def coupon_code(self) -> str:
        return self.coupon.code if self.coupon else ""


def positive_amount(amount) -> Decimal:
    try:
        amount = Decimal(str(amount))
    except (ArithmeticError, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise LoyaltyError(_("Enter an amount above zero."), field="amount", code="amount")
    if round_money(amount) != amount:
        raise LoyaltyError(
            _("Enter the amount with at most two decimal places."), field="amount", code="amount"
        )
    return amount


def _check_redemption(*, rules, points, max_points, balance):
    if points < 0:
        raise LoyaltyError(
            _("Enter the points to redeem as zero or more."),
            field="points_to_redeem",
            code="points_negative",
        )
    if points == 0:
        return
    if points < rules.min_redeem_points:
        raise LoyaltyError(
            _("Redeem at least %(min)d points at a time.") % {"min": rules.min_redeem_points},
            field="points_to_redeem",
            code="below_minimum",
        )
    if points > balance:
        raise ledger.insufficient(balance, points)
    if points > max_points:
        raise LoyaltyError(
            _(
                "At most %(share)s%% of this bill can be paid with points: "
                "redeem %(max)d points or fewer."
            )
            % {"share": f"{rules.max_bill_share.normalize():f}", "max": max_points},
            field="points_to_redeem",
            code="over_bill_share",
        )


def _compute(
    *,
    member,
    amount,
    points_to_redeem,
    wholesale,
    at,
    rulebook,
    balance,
    programme,
    coupon=None,
    store_id=None,
) -> Quote:
    """The sale's figures. `coupon(amount)` (optional) checks the member's
    coupon against the bill after the tier discount and returns a CouponUse:
    its discount comes off before points, so the points cap, the amount to
    pay and the points earned all follow it."""
    rules = rulebook.programme
    gross = positive_amount(amount)
    ledger.refuse_blocked(member)
    points_to_redeem = int(points_to_redeem or 0)
    tier = member.tier
    percent = tier.wholesale_discount if wholesale else tier.retail_discount
    discount = round_money(gross * percent / 100)
    coupon_use = coupon(gross - discount) if coupon else None
    coupon_discount = coupon_use.discount if coupon_use else Decimal("0")
    due = gross - discount - coupon_discount
    # A double-value day makes each point pay more of the bill.
    value = programme.redemption_terms(member=member, moment=at, amount_due=due, rulebook=rulebook)
    # Points may pay at most max_bill_share % of what is due after the discount.
    max_points = ledger.floor_points(
        due
        * rules.max_bill_share
        / 100
        * rules.redeem_points
        / (rules.redeem_value * value.multiplier)
    )
    _check_redemption(rules=rules, points=points_to_redeem, max_points=max_points, balance=balance)
    redeemed_value = min(
        ledger.points_value(rules=rules, points=points_to_redeem, multiplier=value.multiplier),
        due,
    )
    paid = due - redeemed_value
    terms = programme.campaign_terms(
        member=member, moment=at, eligible_amount=paid, rulebook=rulebook, store_id=store_id
    )
    base_points = ledger.floor_points(
        paid
        * rules.earn_points
        / rules.earn_per_amount
        * tier.points_multiplier
        * Decimal(terms.multiplier)
    )
    bonuses = [(campaign, int(points)) for campaign, points in terms.bonuses if points]
    ledger.check_points_room(
        balance=max(balance, 0), points=base_points + sum(p for _c, p in bonuses), field="amount"
    )
    explanation = [{key: str(v) for key, v in item.items()} for item in terms.explanation]
    if points_to_redeem and value.campaign is not None:
        explanation.append({key: str(v) for key, v in value.line().items()})
    detail = {
        "eligible_amount": str(paid),
        "earn_points": rules.earn_points,
        "earn_per_amount": str(rules.earn_per_amount),
        "tier": tier.name,
        "tier_multiplier": str(tier.points_multiplier),
        "campaign_multiplier": str(terms.multiplier),
        "base_points": base_points,
        "bonuses": [
            {"campaign": str(campaign), "campaign_id": getattr(campaign, "pk", None), "points": p}
            for campaign, p in bonuses
        ],
        "explanation": explanation,
    }
    if value.campaign is not None:
        detail["redemption_multiplier"] = str(value.multiplier)
    return Quote(
        gross_amount=gross,
        wholesale=bool(wholesale),
        tier=tier,
        discount_percent=percent,
        discount_amount=discount,
        amount_due=due,
        points_to_redeem=points_to_redeem,
        redeemed_value=redeemed_value,
        amount_paid=paid,
        max_redeemable_points=min(max_points, max(balance, 0)),
        min_redeem_points=rules.min_redeem_points,
        points_balance=balance,
        base_points=base_points,
        bonuses=bonuses,
        points_earned=base_points + sum(p for _c, p in bonuses),
        detail=detail,
        coupon=coupon_use.coupon if coupon_use else None,
        coupon_discount=coupon_discount,
        value_multiplier=value.multiplier,
    )


def _coupon_check(*, member, code, at, use, programme):
    """A `coupon` argument for _compute, or None when no code was given:
    with `use` the coupon row is locked for the sale, else only checked (the quote)."""
    if not str(code or "").strip():
        return None
    if use:
        # Locked and checked now; marked used once the sale exists (one UPDATE).
        return lambda amount: programme.take_coupon(member=member, code=code, amount=amount, at=at)
    return lambda amount: programme.check_coupon(member=member, code=code, amount=amount, at=at)


def quote_purchase(
    *,
    member,
    amount,
    programme,
    points_to_redeem=0,
    wholesale=False,
    at=None,
    coupon_code="",
    store=None,
) -> Quote:
    """What record_purchase would do, without saving or locking anything.
    `member`: a Member or its id (read afresh either way); `store`: where."""
    at = at or timezone.now()
    member_id = member.pk if isinstance(member, Member) else member
    member = Member.objects.select_related("tier").get(pk=member_id)
    return _compute(
        member=member,
        amount=amount,
        points_to_redeem=points_to_redeem,
        wholesale=wholesale,
        at=at,
        rulebook=programme.rulebook(rules_version()),
        balance=ledger.spendable_balance(member, as_of=shop_date(at)),
        programme=programme,
        coupon=_coupon_check(
            member=member, code=coupon_code, at=at, use=False, programme=programme
        ),
        store_id=store_id_of(store),
    )


def _replay_purchase(
    existing, *, member_id, amount, points_to_redeem, wholesale, coupon_code, programme
):
    same = (
        existing.member_id == member_id
        and existing.gross_amount == positive_amount(amount)
        and existing.points_redeemed == int(points_to_redeem or 0)
        and existing.wholesale == bool(wholesale)
        and existing.coupon_code == programme.normalize_coupon_code(coupon_code)
    )
    if not same:
        raise ledger.key_conflict(existing.idempotency_key)
    return existing


def _tier_of(member, rulebook):
    """The member's tier from the rulebook (the database, through the
    member's own foreign key, only if it lacks it)."""
    tier = rulebook.tiers.get(member.tier_id)
    return tier if tier is not None else member.tier


def _count_sale(member, *, quote, at) -> int:
    """Add the sale to the member's cached figures (in memory); returns the
    change of balance, which the UPDATE adds to the row's own."""
    delta = quote.points_earned - quote.points_to_redeem
    member.points_balance += delta
    member.lifetime_spend += quote.amount_paid
    member.purchase_count += 1
    if member.last_purchase_at is None or at > member.last_purchase_at:
        member.last_purchase_at = at
    return delta


class MemberNumber(str):
    """A buyer named by their member number, as a till names them: the sale's
    lock statement finds the member, saving the lookup's own round trip (a
    tenth of a till's sale under load). Member.DoesNotExist if none has it."""


def record_purchase(
    *,
    member,
    amount,
    idempotency_key,
    programme,
    points_to_redeem=0,
    wholesale=False,
    by=None,
    at=None,
    note="",
    coupon_code="",
    store=None,
) -> Purchase:
    """Record a sale at `store` (a Store or its id; the counter's, the
    till's): tier discount, the member's coupon (`coupon_code`, ""
    for none), points as cash, points earned, the member's figures and a tier
    upgrade if the sale qualifies. The coupon is marked used in this
    transaction: if the sale fails, it stays unused. `programme`: the
    SaleProgramme that decides what lies above the ledger (loyalty.sale
    passes the shop's; every caller goes through that door).

    The server recomputes everything. Called again with the same key it
    returns the first Purchase and changes nothing; the same key with other
    figures (another coupon included) is refused. The returned new sale
    carries `balance_after`, the member's balance right after it. `member`:
    a Member, its id, or a MemberNumber.

    One durable transaction (see _record_sale). A second request with the
    same key that waited on the member lock may not see the first sale's row
    in its snapshot; its insert then fails on the unique key, and the sale is
    answered as a replay after that transaction has rolled back.
    """
    terms = {
        "amount": amount,
        "points_to_redeem": points_to_redeem,
        "wholesale": wholesale,
        "coupon_code": coupon_code,
    }
    member_id = member.pk if isinstance(member, Member) else member
    try:
        return _record_sale(
            member_id=member_id,
            key=idempotency_key,
            by=by,
            at=at,
            note=note,
            programme=programme,
            store_id=store_id_of(store),
            **terms,
        )
    except ledger.KeyTaken:
        existing = Purchase.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise ledger.key_conflict(idempotency_key) from None
        if isinstance(member_id, MemberNumber):
            member_id = Member.objects.get(member_number=member_id).pk
        return _replay_purchase(existing, member_id=member_id, programme=programme, **terms)


@transaction.atomic(durable=True)
def _record_sale(
    *,
    member_id,
    amount,
    key,
    points_to_redeem,
    wholesale,
    coupon_code,
    by,
    at,
    note,
    programme,
    store_id,
) -> Purchase:
    terms = {
        "amount": amount,
        "points_to_redeem": points_to_redeem,
        "wholesale": wholesale,
        "coupon_code": coupon_code,
        "programme": programme,
    }
    positive_amount(amount)  # a bad amount is refused before any lock
    member, replay_id, version, sale_id = sale_sql.lock_member_for_sale(
        member_id, key=key, by_number=isinstance(member_id, MemberNumber)
    )
    if replay_id:
        existing = Purchase.objects.get(pk=replay_id)
        return _replay_purchase(existing, member_id=member.pk, **terms)
    at = at or timezone.now()
    rulebook = programme.rulebook(version)
    rules = rulebook.programme
    member.tier = _tier_of(member, rulebook)
    lots, balance = None, member.points_balance  # a sale using no points reads no lots
    if int(points_to_redeem or 0) > 0:
        # Lots before the figures: the points on offer are what they hold.
        lots = ledger.expire_lots(member, sale_sql.lock_open_lots(member.pk), as_of=shop_date(at))
        balance = ledger.lots_total(lots)
    try:
        quote = _compute(
            member=member,
            amount=amount,
            points_to_redeem=points_to_redeem,
            wholesale=wholesale,
            at=at,
            rulebook=rulebook,
            balance=balance,
            programme=programme,
            coupon=_coupon_check(
                member=member, code=coupon_code, at=at, use=True, programme=programme
            ),
            store_id=store_id,
        )
    except LoyaltyError:
        # A replay refused on today's figures (points since spent, the coupon
        # used by the first sale) is still a replay.
        existing = Purchase.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _replay_purchase(existing, member_id=member.pk, **terms)
    purchase = Purchase(
        pk=sale_id,
        member=member,
        idempotency_key=key,
        created_at=at,
        gross_amount=quote.gross_amount,
        wholesale=quote.wholesale,
        discount_percent=quote.discount_percent,
        discount_amount=quote.discount_amount,
        coupon_code=quote.coupon_code,
        coupon_discount=quote.coupon_discount,
        points_redeemed=quote.points_to_redeem,
        redeemed_value=quote.redeemed_value,
        amount_paid=quote.amount_paid,
        points_earned=quote.points_earned,
        earning_detail=quote.detail,
        tier=quote.tier,
        note=(note or "")[:200],
        store_id=store_id,
        by=ledger.acting_user(by),
    )
    if sale_id is None:
        try:
            purchase.save(force_insert=True)
        except IntegrityError:
            # No savepoint (it would cost two queries on every sale): on
            # PostgreSQL this transaction is now unusable, so leave it.
            raise ledger.KeyTaken from None
    draws = []
    if quote.points_to_redeem:
        draws = ledger.take_from_lots(lots, quote.points_to_redeem)
    ledger.write_sale(
        purchase=purchase,
        entries=ledger.sale_entries(
            member=member, purchase=purchase, quote=quote, key=key, by=by, at=at, rules=rules
        ),
        draws=draws,
        member=member,
        delta=_count_sale(member, quote=quote, at=at),
        key=key,
    )
    if quote.coupon:
        programme.mark_coupon_used(
            coupon=quote.coupon,
            discount=quote.coupon_discount,
            purchase=purchase,
            by=ledger.acting_user(by),
            at=at,
        )
    purchase.balance_after = member.points_balance
    if member.referred_by_id and member.purchase_count == 1:
        behaviour.reward_referrer(buyer=member, by=by, at=at)
    programme.after_sale(member=member, purchase=purchase, rulebook=rulebook, by=by, at=at)
    return purchase
