"""Redeeming, issuing, fulfilling and cancelling rewards; issuing coupons
(using them at the counter: rewards.coupons).

Lock order, everywhere: the member row, then the redemption, then the reward
row. Holding the member row serialises everything that changes one member's
points and limits; holding the reward row serialises the stock, so twenty
counters asking for the last five units get exactly five.
"""

import secrets
import unicodedata
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config import inputs, locks
from config.audit import record_settings_change, settings_snapshot
from config.clock import shop_date, shop_day_start
from config.errors import LoyaltyError
from config.roles import require_owner
from config.text import clean_text
from members.models import BirthdayGift
from points.ledger import lock_member, return_points, spend_points, spendable_balance
from points.models import LedgerEntry
from rewards.models import Coupon, Reward, RewardRedemption, RewardStock
from rewards.rules import redemption_refusal, store_stock_refusal
from stores.selectors import store_id_of

MAX_COUPON_DAYS = 3660

# No 0/O, 1/I: a code read aloud or typed from a slip survives.
COUPON_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
COUPON_LENGTH = 12  # 32**12 = 2**60 codes: not guessable at a counter.


# Catalogue ------------------------------------------------------------------


# What the owner edits in a catalogue entry; each change of one is recorded.
REWARD_FIELDS = (
    "name",
    "name_zh_hant",
    "name_zh_hans",
    "name_en",
    "kind",
    "points_cost",
    "stock",
    "min_tier",
    "limit_per_member",
    "limit_period",
    "valid_from",
    "valid_to",
    "is_active",
    "sort_order",
    "coupon_value",
    "coupon_percent",
    "coupon_valid_days",
    "coupon_min_spend",
    "description",
    "description_zh_hant",
    "description_zh_hans",
    "description_en",
    "image",
)

REWARD_TERMS = (
    "kind",
    "valid_from",
    "valid_to",
    "coupon_value",
    "coupon_percent",
    "coupon_valid_days",
)


def check_reward_terms(
    *,
    kind,
    valid_from=None,
    valid_to=None,
    coupon_value=None,
    coupon_percent=None,
    coupon_valid_days=None,
):
    """The catalogue entry's own rules, for the form (as field errors) and for save_reward."""
    inputs.check_date(valid_from, field="valid_from")
    inputs.check_date(valid_to, field="valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise LoyaltyError(
            _("The last valid day is before the first one."), field="valid_to", code="window"
        )
    if kind == Reward.Kind.COUPON:
        if (coupon_value is None) == (coupon_percent is None):
            raise LoyaltyError(
                _("A coupon takes either an amount or a percentage off: fill in one of them."),
                field="coupon_value",
                code="coupon_terms",
            )
        if not coupon_valid_days:
            raise LoyaltyError(
                _("Say for how many days an issued coupon can be used."),
                field="coupon_valid_days",
                code="coupon_days",
            )
        if coupon_valid_days > MAX_COUPON_DAYS:
            # Its expiry date must stay a date the product can represent.
            raise LoyaltyError(
                _("A coupon can be valid for at most %(days)d days (ten years).")
                % {"days": MAX_COUPON_DAYS},
                field="coupon_valid_days",
                code="coupon_days_too_many",
            )


@transaction.atomic(durable=True)
def save_reward(*, reward, by=None, stock_seen=None) -> Reward:
    """Create or change a catalogue entry (fields already parsed by the form).

    `stock_seen` is the stock the owner's form showed. Left unchanged, the
    live stock is kept; changed while redemptions moved it, the save is
    refused rather than overwriting their count.
    """
    check_reward_terms(
        kind=reward.kind,
        valid_from=reward.valid_from,
        valid_to=reward.valid_to,
        coupon_value=reward.coupon_value,
        coupon_percent=reward.coupon_percent,
        coupon_valid_days=reward.coupon_valid_days,
    )
    if not reward.is_coupon:
        reward.coupon_value = reward.coupon_percent = reward.coupon_valid_days = None
        reward.coupon_min_spend = Decimal("0")
    # Names and descriptions without invisible characters (bidi overrides,
    # zero-width), in NFC, whichever page or admin form they came from.
    for name in ("name", "name_zh_hant", "name_zh_hans", "name_en"):
        setattr(reward, name, clean_text(getattr(reward, name)))
    for name in ("description", "description_zh_hant", "description_zh_hans", "description_en"):
        setattr(reward, name, clean_text(getattr(reward, name), multiline=True))
    if not reward.name:
        raise LoyaltyError(_("Give the reward a name."), field="name", code="name_missing")
    before = None
    check_birthday_gifts(reward=reward, min_tier=reward.min_tier)
    if reward.pk:
        # FOR NO KEY UPDATE: redemptions referencing the reward go on.
        current = locks.lock_settings(Reward.objects, pk=reward.pk)
        before = settings_snapshot(current, REWARD_FIELDS)
        if stock_seen is not None and reward.stock == stock_seen:
            # The owner left the stock alone: keep the live count, which
            # redemptions may have moved since the form was shown.
            reward.stock = current.stock
        elif stock_seen is not None and current.stock != stock_seen:
            raise LoyaltyError(
                _(
                    "The stock changed to %(stock)s while you were editing (a redemption "
                    "or cancellation); check the stock and save again."
                )
                % {"stock": _("unlimited") if current.stock is None else current.stock},
                field="stock",
                code="stock_changed",
            )
    reward.updated_by = by if by and by.is_authenticated else None
    reward.save()
    record_settings_change(obj=reward, before=before, fields=REWARD_FIELDS, by=by)
    return reward


def check_birthday_gifts(*, reward, min_tier):
    """A reward that is a tier's birthday gift stays open to that tier: a
    minimum tier above it would quietly stop the gift. For the form (as a
    field error) and for save_reward."""
    if not reward.pk or min_tier is None:
        return
    gift = (
        BirthdayGift.objects.filter(
            reward_id=reward.pk, tier__is_active=True, tier__rank__lt=min_tier.rank
        )
        .select_related("tier")
        .first()
    )
    if gift is not None:
        raise LoyaltyError(
            _(
                "“%(reward)s” is the birthday gift of %(tier)s, so its minimum tier cannot be "
                "above %(tier)s. Change the birthday gifts first, or choose %(tier)s or lower."
            )
            % {"reward": reward.display_name, "tier": gift.tier.display_name},
            field="min_tier",
            code="birthday_gift_tier",
        )


# Redemption -----------------------------------------------------------------


def _take_store_stock(*, reward, store_id, quantity):
    """Count `quantity` down from the store's own stock of `reward`, when the
    reward is stocked per store (its row locked after the reward's, step 3)."""
    rows = locks.lock_rows(RewardStock.objects.filter(reward=reward, store_id=store_id))
    if not rows and not RewardStock.objects.filter(reward=reward).exists():
        return  # stocked for the whole shop only
    shelf = rows[0].quantity if rows else None
    refusal = store_stock_refusal(reward=reward, shelf=shelf, quantity=quantity)
    if refusal:
        raise refusal
    RewardStock.objects.filter(pk=rows[0].pk).update(quantity=F("quantity") - quantity)


@transaction.atomic(durable=True)
def set_store_stock(*, reward, quantities, by) -> Reward:
    """Set how many of `reward` each store holds ({store: quantity}, a store
    left out keeps its row); the reward's total stock becomes their sum.
    Owners only."""
    require_owner(by)
    reward = _lock_reward(reward)
    for store, quantity in quantities.items():
        quantity = int(quantity)
        if quantity < 0:
            raise LoyaltyError(_("Enter the stock as zero or more."), code="stock_negative")
        RewardStock.objects.update_or_create(
            reward=reward, store=store, defaults={"quantity": quantity}
        )
    total = RewardStock.objects.filter(reward=reward).aggregate(total=Sum("quantity"))["total"]
    before = settings_snapshot(reward, ["stock"])
    reward.stock = total or 0
    reward.save(update_fields=["stock"])
    record_settings_change(obj=reward, before=before, fields=["stock"], by=by)
    return reward


def _lock_reward(reward) -> Reward:
    return locks.lock_row(Reward.objects.select_related("min_tier"), pk=reward.pk)


def taken_in_period(*, member, reward, today) -> int:
    """Units of `reward` the member redeemed (not cancelled, not free) in the
    reward's current limit period."""
    redemptions = RewardRedemption.objects.filter(
        member=member, reward=reward, source=RewardRedemption.Source.REDEEMED
    ).exclude(status=RewardRedemption.Status.CANCELLED)
    start = reward.period_start(today)
    if start is not None:
        redemptions = redemptions.filter(created_at__gte=shop_day_start(start))
    return redemptions.aggregate(n=Sum("quantity"))["n"] or 0


def new_coupon_code() -> str:
    while True:
        code = "".join(secrets.choice(COUPON_ALPHABET) for _ in range(COUPON_LENGTH))
        if not Coupon.objects.filter(code=code).exists():
            return code


def normalize_coupon_code(text) -> str:
    """What staff typed or scanned, as stored: full-width folded, upper case,
    dashes and spaces dropped."""
    text = unicodedata.normalize("NFKC", str(text or "")).upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def _issue_coupons(redemption, *, now):
    reward = redemption.reward
    first_day = shop_date(now)
    for _n in range(redemption.quantity):
        Coupon.objects.create(
            code=new_coupon_code(),
            member=redemption.member,
            redemption=redemption,
            value=reward.coupon_value,
            percent=reward.coupon_percent,
            min_spend=reward.coupon_min_spend,
            valid_from=first_day,
            expires_on=first_day + timedelta(days=reward.coupon_valid_days - 1),
        )
    redemption.status = RewardRedemption.Status.FULFILLED
    redemption.fulfilled_at = now
    redemption.save(update_fields=["status", "fulfilled_at"])


def _take(*, member, reward, quantity, source, idempotency_key, by, reason, free, store_id=None):
    """Check, create the redemption, count the stock down. Caller holds the locks."""
    now = timezone.now()
    today = shop_date(now)
    refusal = redemption_refusal(
        member=member,
        reward=reward,
        quantity=quantity,
        today=today,
        taken=0 if free else taken_in_period(member=member, reward=reward, today=today),
        balance=None if free else spendable_balance(member, as_of=today),
        free=free,
    )
    if refusal:
        raise refusal
    if store_id is not None:
        _take_store_stock(reward=reward, store_id=store_id, quantity=quantity)
    redemption = RewardRedemption.objects.create(
        member=member,
        reward=reward,
        quantity=quantity,
        points_spent=0 if free else reward.points_cost * quantity,
        source=source,
        reason=reason or "",
        idempotency_key=idempotency_key,
        created_at=now,
        by=by if by and by.is_authenticated else None,
        store_id=store_id,
    )
    if reward.stock is not None:
        # The row is locked; F() keeps the database's own count authoritative
        # and the stock >= 0 constraint is the last line of defence.
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - quantity)
        reward.stock -= quantity
    return redemption


def _replay(key, *, member, reward):
    """The redemption already made under `key`, or None; a key reused for
    another member or reward is refused rather than silently answered."""
    existing = RewardRedemption.objects.filter(idempotency_key=key).first()
    if existing and (existing.member_id != member.pk or existing.reward_id != reward.pk):
        raise LoyaltyError(
            _(
                "The request key %(key)s was already used for a different redemption. "
                "Reload the page and try again."
            )
            % {"key": key},
            code="idempotency_conflict",
        )
    return existing


@transaction.atomic(durable=True)
def redeem_reward(
    *, member, reward, quantity=1, idempotency_key, by=None, store=None
) -> RewardRedemption:
    """Spend the member's points on `quantity` of `reward` at `store` (a
    Store or its id; None from the member's phone).

    Checks the member's standing, the reward's active flag, validity window,
    minimum tier, stock, per-member limit and the points balance, then counts
    the stock down, records the redemption and spends the points (linked to
    it) in one transaction. A repeated `idempotency_key` returns the first
    redemption and changes nothing. Coupons are issued at once.
    """
    quantity = int(quantity)
    existing = _replay(idempotency_key, member=member, reward=reward)
    if existing:
        return existing
    member = lock_member(member)
    # A double click waits on the member lock above; now it sees the first.
    existing = _replay(idempotency_key, member=member, reward=reward)
    if existing:
        return existing
    reward = _lock_reward(reward)
    redemption = _take(
        member=member,
        reward=reward,
        quantity=quantity,
        source=RewardRedemption.Source.REDEEMED,
        idempotency_key=idempotency_key,
        by=by,
        reason="",
        free=False,
        store_id=store_id_of(store),
    )
    spend_points(
        member=member,
        points=redemption.points_spent,
        kind=LedgerEntry.Kind.REWARD_REDEEM,
        idempotency_key=f"reward-redeem:{redemption.pk}",
        reason=reward.name[:200],
        by=redemption.by,
        reward_redemption=redemption,
        store_id=redemption.store_id,
    )
    if reward.is_coupon:
        _issue_coupons(redemption, now=redemption.created_at)
    return redemption


@transaction.atomic
def issue_reward(
    *, member, reward, reason, by=None, quantity=1, idempotency_key=None
) -> RewardRedemption:
    """Give `reward` free (tier-upgrade and birthday gifts): no points spent,
    no limit check, but it must be active, current and in stock, and the
    member must be in its minimum tier or higher (code "tier_locked" if not).

    Composable: runs inside the caller's transaction (the tier engine calls it
    during a sale) or in its own. A refusal raises LoyaltyError and undoes
    only this issue. With an `idempotency_key` a second call returns the first
    issue, so a nightly job can run twice.
    """
    member = lock_member(member)
    if idempotency_key:
        existing = _replay(idempotency_key, member=member, reward=reward)
        if existing:
            return existing
    reward = _lock_reward(reward)
    redemption = _take(
        member=member,
        reward=reward,
        quantity=int(quantity),
        source=RewardRedemption.Source.ISSUED,
        idempotency_key=idempotency_key or f"issue:{secrets.token_hex(16)}",
        by=by,
        reason=reason,
        free=True,
    )
    if reward.is_coupon:
        _issue_coupons(redemption, now=redemption.created_at)
    return redemption


def _lock_redemption(redemption) -> RewardRedemption:
    return locks.lock_row(
        RewardRedemption.objects.select_related("reward", "member"), pk=redemption.pk
    )


@transaction.atomic(durable=True)
def fulfil_redemption(*, redemption, by=None) -> RewardRedemption:
    """Record that the member received the reward. Doing it twice is harmless."""
    redemption = _lock_redemption(redemption)
    if redemption.status == RewardRedemption.Status.CANCELLED:
        raise LoyaltyError(
            _("This redemption was cancelled; there is nothing to hand over."), code="cancelled"
        )
    if redemption.status == RewardRedemption.Status.PENDING:
        redemption.status = RewardRedemption.Status.FULFILLED
        redemption.fulfilled_at = timezone.now()
        redemption.fulfilled_by = by if by and by.is_authenticated else None
        redemption.save(update_fields=["status", "fulfilled_at", "fulfilled_by"])
    return redemption


@transaction.atomic(durable=True)
def cancel_redemption(*, redemption, by=None, reason="") -> RewardRedemption:
    """Undo a redemption: the points go back to the lots they came from, the
    stock goes back on the shelf, unused coupons are voided. Only once: a
    second cancel returns the cancelled redemption and changes nothing.

    Goods and services can be cancelled until handed over; coupons until one
    of them is used on a sale.
    """
    member = lock_member(redemption.member)
    redemption = _lock_redemption(redemption)
    if redemption.status == RewardRedemption.Status.CANCELLED:
        return redemption
    if not redemption.reward.is_coupon and redemption.status == RewardRedemption.Status.FULFILLED:
        raise LoyaltyError(
            _("This reward was already handed over, so it cannot be cancelled."),
            code="fulfilled",
        )
    coupons = locks.lock_rows(redemption.coupons.all())
    if any(coupon.is_used for coupon in coupons):
        raise LoyaltyError(
            _("A coupon from this redemption was used on a sale, so it cannot be cancelled."),
            code="coupon_used",
        )
    now = timezone.now()
    by = by if by and by.is_authenticated else None
    Coupon.objects.filter(pk__in=[c.pk for c in coupons]).update(voided_at=now)
    reward = _lock_reward(redemption.reward)
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + redemption.quantity)
    if redemption.store_id is not None:
        # Back on the shelf of the store it was taken from (when stocked per store).
        RewardStock.objects.filter(reward=reward, store_id=redemption.store_id).update(
            quantity=F("quantity") + redemption.quantity
        )
    spend = redemption.ledger_entries.filter(kind=LedgerEntry.Kind.REWARD_REDEEM).first()
    if spend is not None:
        return_points(
            entry=spend,
            kind=LedgerEntry.Kind.REWARD_CANCEL,
            idempotency_key=f"reward-cancel:{redemption.pk}",
            reason=(reason or reward.name)[:200],
            by=by,
            member=member,
            reward_redemption=redemption,
            store_id=spend.store_id,
        )
    redemption.member = member
    redemption.status = RewardRedemption.Status.CANCELLED
    redemption.cancelled_at = now
    redemption.cancelled_by = by
    redemption.cancel_reason = (reason or "")[:200]
    redemption.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    return redemption
