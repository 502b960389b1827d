"""The only doors that change points, sales and refunds.

Doors called by views, commands and tasks (record_purchase, refund_purchase,
adjust_points, award_behaviour_points) are durable transactions. The
composable pieces (lock_member, grant_points, spend_points, return_points)
run inside a caller's durable service, after the member row is locked.

Lock order everywhere: the member row, then that member's open lots ordered
by (expires_on, id). The sale path and the nightly expiry take locks in this
same order, so they never deadlock.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.selectors import campaign_terms
from config.clock import shop_date, shop_day_start, shop_today
from config.errors import LoyaltyError
from config.money import format_money, round_money
from config.roles import is_owner
from config.rulebook import current_rulebook
from members.models import Member
from points import sale_sql
from points.models import BehaviourRule, LedgerEntry, LotDraw, ProgrammeRules, Purchase, Refund
from tiers.models import Tier
from tiers.services import evaluate_member, may_reach_higher_tier

Kind = LedgerEntry.Kind

# Blocked members cannot earn or spend: these kinds are refused for them.
# Corrections (adjustments, refunds, cancellations, expiry) still go through.
EARNING_KINDS = {Kind.PURCHASE_EARN, Kind.BEHAVIOUR_EARN, Kind.CAMPAIGN_BONUS, Kind.TIER_BONUS}
SPENDING_KINDS = {Kind.REDEEM_CASH, Kind.REWARD_REDEEM}


# ---------------------------------------------------------------------------
# Small rules


def _floor_points(value: Decimal) -> int:
    """The one place points are rounded: down, once, at the end."""
    return int(Decimal(value).to_integral_value(rounding=ROUND_FLOOR))


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def lot_expiry(*, rules: ProgrammeRules, earned_on: date) -> date | None:
    """The last shop day on which points earned on `earned_on` can be spent."""
    policy = ProgrammeRules.ExpiryPolicy
    if rules.expiry_policy == policy.MONTHS:
        return _add_months(earned_on, rules.expiry_months)
    if rules.expiry_policy == policy.YEAR_END:
        return date(earned_on.year + 1, 12, 31)
    return None


def points_value(*, rules: ProgrammeRules, points: int) -> Decimal:
    """The cash value of `points` at the owner's redemption rate."""
    return round_money(Decimal(points) * rules.redeem_value / rules.redeem_points)


def _user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _conflict(key):
    return LoyaltyError(
        _(
            "The request key %(key)s was already used for a different operation. "
            "Reload the page and try again."
        )
        % {"key": key},
        code="idempotency_conflict",
    )


def _refuse_blocked(member):
    if member.is_blocked:
        raise LoyaltyError(
            _("%(name)s is blocked: no earning or spending until an owner unblocks them.")
            % {"name": member.name},
            code="blocked",
        )


# ---------------------------------------------------------------------------
# Composable pieces: call inside a durable service, after lock_member.


def lock_member(member) -> Member:
    """Lock the member row for the rest of the transaction; return it fresh."""
    return (
        Member.objects.select_for_update(of=("self",))
        .select_related("tier")
        .get(pk=member.pk if isinstance(member, Member) else member)
    )


def _lock_open_lots(member):
    """The member's lots with points left, locked, in spending order."""
    return list(
        LedgerEntry.objects.select_for_update()
        .filter(member=member, remaining__gt=0)
        .order_by(F("expires_on").asc(nulls_last=True), "id")
    )


def _change_balance(member, delta: int):
    Member.objects.filter(pk=member.pk).update(points_balance=F("points_balance") + delta)
    member.points_balance += delta


def _replay(key, *, member, kind, points):
    """The entry already written under `key`, or None; refuse a different use of it."""
    existing = LedgerEntry.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.member_id != member.pk or existing.kind != kind or existing.points != points:
        raise _conflict(key)
    return existing


def _insert_entry(**fields) -> LedgerEntry:
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(**fields)
    except IntegrityError:
        # Another transaction used the same key for another member meanwhile.
        raise _conflict(fields["idempotency_key"]) from None


def grant_points(
    *, member, points, kind, idempotency_key, reason="", by=None, at=None, rules=None, **links
) -> LedgerEntry:
    """Add `points` (> 0) as a new lot expiring by the programme's policy
    (`rules`: the ProgrammeRules already read in this transaction, if any).

    `links` are LedgerEntry foreign keys: purchase, refund, behaviour_rule,
    and campaign or reward redemption once those apps add theirs.
    """
    points = int(points)
    if points <= 0:
        raise ValueError("grant_points needs a positive number of points")
    existing = _replay(idempotency_key, member=member, kind=kind, points=points)
    if existing:
        return existing
    if kind in EARNING_KINDS:
        _refuse_blocked(member)
    at = at or timezone.now()
    entry = _insert_entry(
        member=member,
        kind=kind,
        points=points,
        remaining=points,
        expires_on=lot_expiry(rules=rules or ProgrammeRules.current(), earned_on=shop_date(at)),
        created_at=at,
        idempotency_key=idempotency_key,
        reason=reason[:200],
        by=_user(by),
        **links,
    )
    _change_balance(member, points)
    return entry


def _insufficient(balance, points):
    return LoyaltyError(
        _("Not enough points: the balance is %(balance)d, %(points)d were asked for.")
        % {"balance": balance, "points": points},
        field="points_to_redeem",
        code="insufficient_points",
    )


def _draw_lots(entry, lots, points):
    """Take `points` from `lots` in order, recording each draw."""
    draws, left = [], points
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        if take <= 0:
            continue
        lot.remaining -= take
        lot.save(update_fields=["remaining"])
        draws.append(LotDraw(entry=entry, lot=lot, points=take))
        left -= take
    LotDraw.objects.bulk_create(draws)
    return points - left


def spend_points(
    *, member, points, kind, idempotency_key, reason="", by=None, at=None, prefer=(), **links
) -> LedgerEntry:
    """Take `points` (> 0) from the member's lots, earliest expiry first.

    Lots already past their expiry day are expired first, so a spend never
    uses points that are gone. `prefer` lists lots to draw before the rest
    (a refund takes back its own sale's points first). Raises LoyaltyError
    (code insufficient_points) when the balance is short.
    """
    points = int(points)
    if points <= 0:
        raise ValueError("spend_points needs a positive number of points")
    existing = _replay(idempotency_key, member=member, kind=kind, points=-points)
    if existing:
        return existing
    if kind in SPENDING_KINDS:
        _refuse_blocked(member)
    at = at or timezone.now()
    lots = _lock_open_lots(member)
    lots = _expire_lots(member, lots, as_of=shop_date(at))
    available = sum(lot.remaining for lot in lots)
    if points > available:
        raise _insufficient(available, points)
    preferred = {lot.pk for lot in prefer}
    ordered = [lot for lot in lots if lot.pk in preferred] + [
        lot for lot in lots if lot.pk not in preferred
    ]
    entry = _insert_entry(
        member=member,
        kind=kind,
        points=-points,
        created_at=at,
        idempotency_key=idempotency_key,
        reason=reason[:200],
        by=_user(by),
        **links,
    )
    _draw_lots(entry, ordered, points)
    _change_balance(member, -points)
    return entry


def returnable_points(entry) -> int:
    """Points of spending `entry` not yet given back."""
    returned = LedgerEntry.objects.filter(reverses=entry).aggregate(total=Sum("points"))["total"]
    return -entry.points - (returned or 0)


def return_points(
    *,
    entry,
    kind,
    idempotency_key,
    reason="",
    by=None,
    points=None,
    member=None,
    at=None,
    **links,
) -> LedgerEntry | None:
    """Give a spend's points (all not yet returned, or `points` of them) back
    to the lots it drew from, latest expiry first, keeping their expiry dates.

    Pass the locked `member` so its cached balance stays current in memory.
    Points returned to a lot already past its expiry day are expired by the
    next expiry run or spend. Returns None when nothing is left to return.
    """
    if entry.points >= 0:
        raise ValueError("return_points gives back a spending entry")
    member = member if member is not None else entry.member
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        same = existing.reverses_id == entry.pk and existing.kind == kind
        if not same or (points is not None and existing.points != int(points)):
            raise _conflict(idempotency_key)
        return existing
    returnable = returnable_points(entry)
    left = returnable if points is None else int(points)
    if left <= 0:
        return None
    if left > returnable:
        raise ValueError("cannot return more points than the entry spent")
    new = _insert_entry(
        member_id=entry.member_id,
        kind=kind,
        points=left,
        created_at=at or timezone.now(),
        idempotency_key=idempotency_key,
        reason=reason[:200],
        by=_user(by),
        reverses=entry,
        **links,
    )
    # Net points still out per lot: drawn by the entry minus earlier returns.
    out = {}
    for draw in LotDraw.objects.filter(entry=entry):
        out[draw.lot_id] = out.get(draw.lot_id, 0) + draw.points
    for draw in LotDraw.objects.filter(entry__reverses=entry).exclude(entry=new):
        out[draw.lot_id] -= draw.points
    lots = (
        LedgerEntry.objects.select_for_update()
        .filter(pk__in=[pk for pk, n in out.items() if n > 0])
        .order_by(F("expires_on").asc(nulls_last=True), "id")
    )
    draws = []
    for lot in reversed(list(lots)):
        give = min(out[lot.pk], left)
        if give <= 0:
            continue
        lot.remaining += give
        lot.save(update_fields=["remaining"])
        draws.append(LotDraw(entry=new, lot=lot, points=give))
        left -= give
    LotDraw.objects.bulk_create(draws)
    _change_balance(member, new.points)
    return new


def _expire_lots(member, lots, *, as_of):
    """Expire the locked `lots` whose last day is before `as_of`; return the rest."""
    keep, expired = [], 0
    for lot in lots:
        if lot.expires_on is None or lot.expires_on >= as_of or lot.remaining <= 0:
            keep.append(lot)
            continue
        # A lot can expire again after points are returned to it: number the keys.
        round_no = LotDraw.objects.filter(lot=lot, entry__kind=Kind.EXPIRY).count()
        entry = LedgerEntry.objects.create(
            member=member,
            kind=Kind.EXPIRY,
            points=-lot.remaining,
            created_at=max(_expiry_time(as_of), lot.created_at),
            idempotency_key=f"expiry:{lot.pk}:{round_no}",
            reason=_expiry_reason()
            % {"day": shop_date(lot.created_at).isoformat(), "expiry": lot.expires_on.isoformat()},
        )
        LotDraw.objects.create(entry=entry, lot=lot, points=lot.remaining)
        expired += lot.remaining
        lot.remaining = 0
        lot.save(update_fields=["remaining"])
    if expired:
        _change_balance(member, -expired)
    return keep


# ---------------------------------------------------------------------------
# The sale


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
    base_points: int
    bonuses: list = field(default_factory=list)  # [(campaign, points)]
    points_earned: int = 0
    detail: dict = field(default_factory=dict)
    coupon: object = None  # the rewards.Coupon applied, if any
    coupon_discount: Decimal = Decimal("0")

    @property
    def coupon_code(self) -> str:
        return self.coupon.code if self.coupon else ""


def _positive_amount(amount) -> Decimal:
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


def spendable_balance(member, *, as_of) -> int:
    """The balance less lots past their last day that expiry has not swept yet."""
    due = LedgerEntry.objects.filter(
        member=member, remaining__gt=0, expires_on__lt=as_of
    ).aggregate(total=Sum("remaining"))["total"]
    return member.points_balance - (due or 0)


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
        raise _insufficient(balance, points)
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
    *, member, amount, points_to_redeem, wholesale, at, rulebook, balance, coupon=None
) -> Quote:
    """The sale's figures. `coupon(amount)` (optional) checks the member's
    coupon against the bill after the tier discount and returns a CouponUse:
    its discount comes off before points, so the points cap, the amount to
    pay and the points earned all follow it."""
    rules = rulebook.programme
    gross = _positive_amount(amount)
    _refuse_blocked(member)
    points_to_redeem = int(points_to_redeem or 0)
    tier = member.tier
    percent = tier.wholesale_discount if wholesale else tier.retail_discount
    discount = round_money(gross * percent / 100)
    coupon_use = coupon(gross - discount) if coupon else None
    coupon_discount = coupon_use.discount if coupon_use else Decimal("0")
    due = gross - discount - coupon_discount
    # Points may pay at most max_bill_share % of what is due after the discount.
    max_points = _floor_points(
        due * rules.max_bill_share / 100 * rules.redeem_points / rules.redeem_value
    )
    _check_redemption(rules=rules, points=points_to_redeem, max_points=max_points, balance=balance)
    redeemed_value = min(points_value(rules=rules, points=points_to_redeem), due)
    paid = due - redeemed_value
    terms = campaign_terms(member=member, moment=at, eligible_amount=paid, rulebook=rulebook)
    base_points = _floor_points(
        paid
        * rules.earn_points
        / rules.earn_per_amount
        * tier.points_multiplier
        * Decimal(terms.multiplier)
    )
    bonuses = [(campaign, int(points)) for campaign, points in terms.bonuses if points]
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
        "explanation": [
            {key: str(value) for key, value in item.items()} for item in terms.explanation
        ],
    }
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
        points_balance=balance,
        base_points=base_points,
        bonuses=bonuses,
        points_earned=base_points + sum(p for _c, p in bonuses),
        detail=detail,
        coupon=coupon_use.coupon if coupon_use else None,
        coupon_discount=coupon_discount,
    )


def _coupon_check(*, member, code, at, use):
    """A `coupon` argument for _compute, or None when no code was given:
    with `use` the coupon row is locked for the sale, else only checked (the quote)."""
    if not str(code or "").strip():
        return None
    from rewards import services as rewards

    if use:
        # Locked and checked now; marked used once the sale exists (one UPDATE).
        return lambda amount: rewards.take_coupon(member=member, code=code, amount=amount, at=at)
    return lambda amount: rewards.check_coupon(member=member, code=code, amount=amount, at=at)


def quote_purchase(
    *, member, amount, points_to_redeem=0, wholesale=False, at=None, coupon_code=""
) -> Quote:
    """What record_purchase would do, without saving or locking anything.
    `member`: a Member or its id (read afresh either way)."""
    at = at or timezone.now()
    member_id = member.pk if isinstance(member, Member) else member
    member = Member.objects.select_related("tier").get(pk=member_id)
    return _compute(
        member=member,
        amount=amount,
        points_to_redeem=points_to_redeem,
        wholesale=wholesale,
        at=at,
        rulebook=current_rulebook(),
        balance=spendable_balance(member, as_of=shop_date(at)),
        coupon=_coupon_check(member=member, code=coupon_code, at=at, use=False),
    )


def _replay_purchase(existing, *, member_id, amount, points_to_redeem, wholesale, coupon_code):
    from rewards.services import normalize_coupon_code

    same = (
        existing.member_id == member_id
        and existing.gross_amount == _positive_amount(amount)
        and existing.points_redeemed == int(points_to_redeem or 0)
        and existing.wholesale == bool(wholesale)
        and existing.coupon_code == normalize_coupon_code(coupon_code)
    )
    if not same:
        raise _conflict(existing.idempotency_key)
    return existing


def _campaign_link(campaign):
    """Link a bonus entry to its campaign (terms may name none, e.g. in tests)."""
    return {"campaign": campaign} if hasattr(campaign, "_meta") else {}


class _KeyTaken(Exception):
    """The sale's key was committed by a transaction this one could not see
    when it read the member row: leave the transaction, then replay."""


def _tier_of(member, rulebook):
    """The member's tier from the rulebook (the database only if it lacks it)."""
    tier = rulebook.tiers.get(member.tier_id)
    return tier if tier is not None else Tier.objects.get(pk=member.tier_id)


def _plan_draws(lots, points):
    """[(lot, points)] taking `points` from `lots` in order."""
    draws, left = [], points
    for lot in lots:
        take = min(lot.remaining, left)
        if take > 0:
            draws.append((lot, take))
            left -= take
    return draws


def _sale_entries(*, member, purchase, quote, key, by, at, rules) -> list:
    """The sale's ledger entries, unsaved: the points redeemed (first, when
    any), earned, and each campaign's bonus. Their keys derive from the
    sale's new, unique key, so none can exist yet: no look-up, and a clash is
    refused as a key conflict."""
    reason = _("Sale #%(id)s") % {"id": purchase.pk}
    common = {"member": member, "created_at": at, "reason": reason, "by": _user(by)}
    common["purchase"] = purchase
    expires_on = lot_expiry(rules=rules, earned_on=shop_date(at))
    entries = []
    if quote.points_to_redeem:
        entries.append(
            LedgerEntry(
                kind=Kind.REDEEM_CASH,
                points=-quote.points_to_redeem,
                idempotency_key=f"{key}:redeem",
                **common,
            )
        )
    earned = [(Kind.PURCHASE_EARN, quote.base_points, "earn", reason, {})]
    earned += [
        (Kind.CAMPAIGN_BONUS, points, f"bonus:{index}", str(campaign), _campaign_link(campaign))
        for index, (campaign, points) in enumerate(quote.bonuses)
    ]
    for kind, points, suffix, text, links in earned:
        if points <= 0:
            continue
        entries.append(
            LedgerEntry(
                kind=kind,
                points=points,
                remaining=points,
                expires_on=expires_on,
                idempotency_key=f"{key}:{suffix}",
                **{**common, "reason": text[:200], **links},
            )
        )
    return entries


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


def _write_sale(*, purchase, entries, draws, member, delta, key):
    """Save the sale's rows: on PostgreSQL all in one statement (the sale's id
    was drawn with the lock); elsewhere the sale is saved already (for its id)
    and the rest take one query each."""
    lots = [lot for lot, _take in draws]
    if sale_sql.draws_sale_ids():
        try:
            sale_sql.write_sale(
                purchase=purchase,
                entries=entries,
                lots=lots,
                draws=draws,
                member=member,
                delta=delta,
            )
        except IntegrityError:
            # The sale's key or one derived from it is taken: leave the
            # (now unusable) transaction, then replay or refuse.
            raise _KeyTaken from None
        return
    if entries:
        try:
            LedgerEntry.objects.bulk_create(entries)
        except IntegrityError:
            raise _conflict(key) from None
    if draws:
        LedgerEntry.objects.bulk_update(lots, ["remaining"])
        LotDraw.objects.bulk_create(
            [LotDraw(entry=entries[0], lot=lot, points=take) for lot, take in draws]
        )
    Member.objects.filter(pk=member.pk).update(
        points_balance=F("points_balance") + delta,
        lifetime_spend=member.lifetime_spend,
        purchase_count=member.purchase_count,
        last_purchase_at=member.last_purchase_at,
    )


def record_purchase(
    *,
    member,
    amount,
    idempotency_key,
    points_to_redeem=0,
    wholesale=False,
    by=None,
    at=None,
    note="",
    coupon_code="",
) -> Purchase:
    """Record a sale: tier discount, the member's coupon (`coupon_code`, ""
    for none), points as cash, points earned, the member's figures and a tier
    upgrade if the sale qualifies. The coupon is marked used in this
    transaction: if the sale fails, it stays unused.

    The server recomputes everything. Called again with the same key it
    returns the first Purchase and changes nothing; the same key with other
    figures (another coupon included) is refused. The returned new sale
    carries `balance_after`, the member's balance right after it.

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
            member_id=member_id, key=idempotency_key, by=by, at=at, note=note, **terms
        )
    except _KeyTaken:
        existing = Purchase.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise _conflict(idempotency_key) from None
        return _replay_purchase(existing, member_id=member_id, **terms)


@transaction.atomic(durable=True)
def _record_sale(
    *, member_id, amount, key, points_to_redeem, wholesale, coupon_code, by, at, note
) -> Purchase:
    terms = {
        "amount": amount,
        "points_to_redeem": points_to_redeem,
        "wholesale": wholesale,
        "coupon_code": coupon_code,
    }
    _positive_amount(amount)  # a bad amount is refused before any lock
    member, replay_id, version, sale_id = sale_sql.lock_member_for_sale(member_id, key=key)
    if replay_id:
        existing = Purchase.objects.get(pk=replay_id)
        return _replay_purchase(existing, member_id=member.pk, **terms)
    at = at or timezone.now()
    rulebook = current_rulebook(version)
    rules = rulebook.programme
    member.tier = _tier_of(member, rulebook)
    lots, balance = None, member.points_balance  # a sale using no points reads no lots
    if int(points_to_redeem or 0) > 0:
        # Lots before the figures: the points on offer are what they hold.
        lots = _expire_lots(member, sale_sql.lock_open_lots(member.pk), as_of=shop_date(at))
        balance = sum(lot.remaining for lot in lots)
    try:
        quote = _compute(
            member=member,
            amount=amount,
            points_to_redeem=points_to_redeem,
            wholesale=wholesale,
            at=at,
            rulebook=rulebook,
            balance=balance,
            coupon=_coupon_check(member=member, code=coupon_code, at=at, use=True),
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
        by=_user(by),
    )
    if sale_id is None:
        try:
            purchase.save(force_insert=True)
        except IntegrityError:
            # No savepoint (it would cost two queries on every sale): on
            # PostgreSQL this transaction is now unusable, so leave it.
            raise _KeyTaken from None
    draws = []
    if quote.points_to_redeem:
        draws = _plan_draws(lots, quote.points_to_redeem)
        for lot, take in draws:
            lot.remaining -= take
    _write_sale(
        purchase=purchase,
        entries=_sale_entries(
            member=member, purchase=purchase, quote=quote, key=key, by=by, at=at, rules=rules
        ),
        draws=draws,
        member=member,
        delta=_count_sale(member, quote=quote, at=at),
        key=key,
    )
    if quote.coupon:
        from rewards.services import CouponUse, mark_coupon_used

        use = CouponUse(coupon=quote.coupon, discount=quote.coupon_discount)
        mark_coupon_used(use=use, purchase=purchase, by=_user(by), at=at)
    purchase.balance_after = member.points_balance
    if member.referred_by_id and member.purchase_count == 1:
        _reward_referrer(buyer=member, by=by, at=at)
    evaluate_member(
        member=member,
        as_of=shop_date(at),
        reason=_("Sale #%(id)s") % {"id": purchase.pk},
        by=_user(by),
        may_move=may_reach_higher_tier(member=member, ladder=rulebook.ladder),
        rulebook=rulebook,
    )
    return purchase


# ---------------------------------------------------------------------------
# Refunds


def _refund_amount(purchase, amount) -> Decimal:
    if purchase.amount_paid <= 0 and not purchase.points_redeemed:
        raise LoyaltyError(
            _("Sale #%(id)s was paid in full by its coupon, so there is no money to refund.")
            % {"id": purchase.pk},
            field="amount",
            code="nothing_paid",
        )
    if purchase.amount_paid <= 0:
        raise LoyaltyError(
            _(
                "Sale #%(id)s was paid entirely with points, so there is no money to refund: "
                "give the points back with an adjustment."
            )
            % {"id": purchase.pk},
            field="amount",
            code="nothing_paid",
        )
    left = purchase.amount_paid - purchase.refunded_amount
    if left <= 0:
        raise LoyaltyError(
            _("Sale #%(id)s is already fully refunded.") % {"id": purchase.pk},
            field="amount",
            code="already_refunded",
        )
    if amount is None:
        return left
    amount = _positive_amount(amount)
    if amount > left:
        raise LoyaltyError(
            _("At most %(left)s of this sale can still be refunded.")
            % {"left": format_money(left)},
            field="amount",
            code="over_refund",
        )
    return amount


def _refund_shares(purchase, amount):
    """Earned points to reverse and redeemed points to return for this refund.

    Computed on the cumulative refunded share, so partial refunds add up to
    exactly the sale's figures when the whole sale is refunded.
    """
    refunded_after = purchase.refunded_amount + amount
    share = refunded_after / purchase.amount_paid
    totals = purchase.refunds.aggregate(
        reversed=Sum("points_reversed"),
        short=Sum("points_shortfall"),
        returned=Sum("points_returned"),
    )
    owed_before = (totals["reversed"] or 0) + (totals["short"] or 0)
    earned = _floor_points(purchase.points_earned * share) - owed_before
    redeemed = _floor_points(purchase.points_redeemed * share) - (totals["returned"] or 0)
    return max(earned, 0), max(redeemed, 0)


@transaction.atomic(durable=True)
def refund_purchase(*, purchase, amount=None, idempotency_key, by=None, reason="") -> Refund:
    """Refund `amount` of a sale (all that is left when None).

    Only money paid can be refunded: a coupon used on the sale is not given
    back, and the refund's share of the sale's points is its share of the
    amount paid (after the tier discount, the coupon and points).

    Returns the refund's share of redeemed points to their lots first, then
    takes back its share of earned points; when the member has already spent
    them the balance stops at zero and the rest is recorded as a shortfall.
    """
    member = lock_member(purchase.member_id)
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        if existing.purchase_id != purchase.pk or (
            amount is not None and existing.amount != _positive_amount(amount)
        ):
            raise _conflict(idempotency_key)
        return existing
    amount = _refund_amount(purchase, amount)
    earned, redeemed = _refund_shares(purchase, amount)
    refund = Refund.objects.create(
        purchase=purchase,
        idempotency_key=idempotency_key,
        created_at=timezone.now(),
        amount=amount,
        reason=(reason or "")[:200],
        by=_user(by),
    )
    text = _("Refund of sale #%(id)s") % {"id": purchase.pk}
    if redeemed:
        spend = purchase.ledger_entries.get(kind=Kind.REDEEM_CASH)
        returned = return_points(
            entry=spend,
            kind=Kind.REFUND_REVERSAL,
            idempotency_key=f"{idempotency_key}:return",
            reason=text,
            by=by,
            points=redeemed,
            member=member,
            purchase=purchase,
            refund=refund,
        )
        refund.points_returned = returned.points if returned else 0
    if earned:
        own_lots = purchase.ledger_entries.filter(
            kind__in=[Kind.PURCHASE_EARN, Kind.CAMPAIGN_BONUS]
        ).order_by("id")
        taken = min(earned, spendable_balance(member, as_of=shop_date(timezone.now())))
        if taken > 0:
            spend_points(
                member=member,
                points=taken,
                kind=Kind.REFUND_REVERSAL,
                idempotency_key=f"{idempotency_key}:reverse",
                reason=text,
                by=by,
                prefer=list(own_lots),
                purchase=purchase,
                refund=refund,
            )
        refund.points_reversed = max(taken, 0)
        refund.points_shortfall = earned - refund.points_reversed
    refund.save(update_fields=["points_returned", "points_reversed", "points_shortfall"])
    purchase.refunded_amount += amount
    purchase.save(update_fields=["refunded_amount"])
    member.lifetime_spend = max(member.lifetime_spend - amount, Decimal("0"))
    member.save(update_fields=["lifetime_spend"])
    return refund


# ---------------------------------------------------------------------------
# Adjustments, behaviour points, expiry


@transaction.atomic(durable=True)
def adjust_points(*, member, points, reason, idempotency_key, by) -> LedgerEntry:
    """An owner adds (points > 0) or removes (points < 0) points, with a reason."""
    if not is_owner(by):
        raise LoyaltyError(_("Only an owner can adjust points."), code="not_owner")
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise LoyaltyError(
            _("Give a reason for the adjustment."), field="reason", code="reason_missing"
        )
    points = int(points)
    if points == 0:
        raise LoyaltyError(
            _("Enter a number of points other than zero."), field="points", code="points_zero"
        )
    member = lock_member(member)
    service = grant_points if points > 0 else spend_points
    try:
        return service(
            member=member,
            points=abs(points),
            kind=Kind.ADJUSTMENT,
            idempotency_key=idempotency_key,
            reason=reason,
            by=by,
        )
    except LoyaltyError as error:
        error.field = "points" if error.code == "insufficient_points" else error.field
        raise


def _behaviour_rule(action):
    rules = BehaviourRule.objects.filter(is_active=True)
    rule = rules.filter(code=action).first() or rules.filter(action=action).first()
    if rule is None:
        raise LoyaltyError(
            _("No active behaviour reward “%(action)s” is set up.") % {"action": action},
            code="no_rule",
        )
    return rule


@transaction.atomic(durable=True)
def award_behaviour_points(*, member, action, idempotency_key, by=None) -> LedgerEntry:
    """Points for joining, a completed profile, a birthday, a referral or an
    owner-defined action (`action` is a BehaviourRule code or action).

    Scheduled jobs pass deterministic keys (e.g. birthday:<member>:<year>), so
    a redelivered task returns the first entry. Refused (LoyaltyError) for a
    blocked member, a missing rule, or a member at the rule's cap.
    """
    return grant_behaviour_points(
        member=lock_member(member), action=action, idempotency_key=idempotency_key, by=by
    )


def grant_behaviour_points(
    *, member, action, idempotency_key, by=None, if_set_up=False
) -> LedgerEntry | None:
    """Composable core of award_behaviour_points (member already locked).

    With `if_set_up`, a missing rule, a blocked member or a reached cap give
    nothing instead of an error: enrolment and profile updates use this, so
    a shop without such a reward enrols as before.
    """
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        if existing.member_id != member.pk or existing.kind != Kind.BEHAVIOUR_EARN:
            raise _conflict(idempotency_key)
        return existing
    try:
        _refuse_blocked(member)
        rule = _behaviour_rule(action)
        refusal = _behaviour_refusal(member, rule)
        if refusal:
            raise refusal
    except LoyaltyError:
        if if_set_up:
            return None
        raise
    return grant_points(
        member=member,
        points=rule.points,
        kind=Kind.BEHAVIOUR_EARN,
        idempotency_key=idempotency_key,
        reason=rule.name,
        by=by,
        behaviour_rule=rule,
    )


def _behaviour_refusal(member, rule) -> LoyaltyError | None:
    """Why `member` cannot have `rule`'s points again (its cap), or None."""
    earned = LedgerEntry.objects.filter(member=member, behaviour_rule=rule)
    if rule.action == BehaviourRule.Action.BIRTHDAY:
        this_year = shop_today().year
        earned_at = earned.values_list("created_at", flat=True)
        if any(shop_date(at).year == this_year for at in earned_at):
            return LoyaltyError(
                _("Birthday points were already given this year."), code="cap_reached"
            )
    if rule.per_member_cap is not None and earned.count() >= rule.per_member_cap:
        return LoyaltyError(
            _("%(name)s already has “%(rule)s” the most times allowed (%(cap)d).")
            % {"name": member.name, "rule": rule.name, "cap": rule.per_member_cap},
            code="cap_reached",
        )
    return None


def _reward_referrer(*, buyer, by, at):
    """On a referred member's first sale, the referrer earns the referral reward
    (if one is active, they are not blocked and not at its cap). Never refuses
    the sale: a referrer who cannot earn simply gets nothing."""
    rule = BehaviourRule.objects.filter(
        is_active=True, action=BehaviourRule.Action.REFERRAL
    ).first()
    if rule is None:
        return None
    # Second member lock, always buyer then referrer (the tier engine does the same).
    referrer = lock_member(buyer.referred_by_id)
    if referrer.is_blocked or _behaviour_refusal(referrer, rule):
        return None
    return grant_points(
        member=referrer,
        points=rule.points,
        kind=Kind.BEHAVIOUR_EARN,
        idempotency_key=f"referral:{buyer.pk}",
        reason=_("%(rule)s: %(name)s") % {"rule": rule.name, "name": buyer.name},
        by=by,
        at=at,
        behaviour_rule=rule,
    )


def _expire_member(member_id, as_of) -> int:
    """One member, in its own transaction, waiting for the member's lock."""
    with transaction.atomic(durable=True):
        member = lock_member(member_id)
        before = member.points_balance
        _expire_lots(member, _lock_open_lots(member), as_of=as_of)
        return before - member.points_balance


def members_with_expired_lots(*, as_of):
    return (
        LedgerEntry.objects.filter(remaining__gt=0, expires_on__lt=as_of)
        .values_list("member_id", flat=True)
        .distinct()
        .order_by("member_id")
    )


# Members per expiry transaction (and per Celery task when the run is shared).
EXPIRY_CHUNK = 1000


def expiry_chunks(*, as_of, chunk_size=None):
    """The ids of the members with lots past their last day, in id order, as
    lists of `chunk_size` (EXPIRY_CHUNK): one transaction (or task) each."""
    chunk_size = chunk_size or EXPIRY_CHUNK
    ids = list(members_with_expired_lots(as_of=as_of))
    return [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]


def _expiry_rounds(lot_ids):
    """{lot id: expiry entries already drawn from it} (a lot expires again
    after points are returned to it, so its expiry keys are numbered)."""
    rows = (
        LotDraw.objects.filter(lot_id__in=lot_ids, entry__kind=Kind.EXPIRY)
        .values("lot_id")
        .annotate(n=Count("id"))
        .values_list("lot_id", "n")
    )
    return dict(rows)


def expire_chunk(*, as_of, member_ids) -> int:
    """Expire the lots past their last day of `member_ids` in one transaction;
    returns the points expired.

    Same locks as a sale: the member rows (in id order), then their expired
    lots. Members a sale holds right now are skipped (SKIP LOCKED), so the run
    never waits on the counter inside a chunk; each is then done on its own,
    waiting for its lock, like the per-member run always did.
    """
    ids = sorted({getattr(pk, "pk", pk) for pk in member_ids})
    if not ids:
        return 0
    with transaction.atomic(durable=True):
        locked = list(
            Member.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        expired = _expire_locked(locked, as_of) if locked else 0
    busy = set(ids).difference(locked)
    if busy:
        # Rows a sale held (or ids of no member, which are left out here).
        present = Member.objects.filter(pk__in=busy).order_by("pk").values_list("pk", flat=True)
        expired += sum(_expire_member(pk, as_of) for pk in list(present))
    return expired


def _expire_locked(member_ids, as_of) -> int:
    """The set-based expiry of `member_ids`, whose rows this transaction holds."""
    if connection.vendor == "postgresql":
        return _expire_locked_in_sql(member_ids, as_of)
    return _expire_locked_in_python(member_ids, as_of)


def _expire_locked_in_python(member_ids, as_of) -> int:
    lots = list(
        LedgerEntry.objects.select_for_update(of=("self",))
        .filter(member_id__in=member_ids, remaining__gt=0, expires_on__lt=as_of)
        .order_by("member_id", "expires_on", "id")
        .values_list("pk", "member_id", "remaining", "created_at", "expires_on")
    )
    if not lots:
        return 0
    rounds = _expiry_rounds([lot[0] for lot in lots])
    reason = _expiry_reason()
    day_start = _expiry_time(as_of)
    entries = [
        LedgerEntry(
            member_id=member_id,
            kind=Kind.EXPIRY,
            points=-remaining,
            created_at=max(day_start, created_at),
            idempotency_key=f"expiry:{pk}:{rounds.get(pk, 0)}",
            reason=reason
            % {"day": shop_date(created_at).isoformat(), "expiry": expires_on.isoformat()},
        )
        for pk, member_id, remaining, created_at, expires_on in lots
    ]
    LedgerEntry.objects.bulk_create(entries)
    LotDraw.objects.bulk_create(
        LotDraw(entry_id=entry.pk, lot_id=lot[0], points=lot[2])
        for entry, lot in zip(entries, lots, strict=True)
    )
    LedgerEntry.objects.filter(pk__in=[lot[0] for lot in lots]).update(remaining=0)
    per_member = {}
    for _pk, member_id, remaining, _created, _expires in lots:
        per_member[member_id] = per_member.get(member_id, 0) + remaining
    _take_from_balances(per_member)
    return sum(per_member.values())


def _expiry_reason():
    return _("Points earned %(day)s expired after %(expiry)s.")


def _expiry_time(as_of):
    """The time of an expiry entry: the start of the shop day `as_of`, or
    now for a run ahead of that day (and never before the lot's own time)."""
    return min(timezone.now(), shop_day_start(as_of))


# _expire_locked_in_python's work as one PostgreSQL statement, nothing read
# into Python (a year-end chunk is ~2,000 lots): the due lots, locked in the
# sale's order; their expiry entries, ids drawn first so each draw names its
# entry (the sequence looked up once, not once a lot); the draws; the lots
# emptied; the balances lowered. Key numbering: a lot an expiry ever drew
# from keeps remaining < points for good (returns give back only what spends
# drew), so only such lots count earlier expiries.
_EXPIRE_CHUNK_SQL = """
WITH due AS (
    SELECT
        lot.*,
        nextval((SELECT pg_get_serial_sequence('points_ledgerentry', 'id'))::regclass) AS entry_id,
        CASE WHEN lot.remaining = lot.points THEN 0 ELSE (
            SELECT count(*) FROM points_lotdraw AS draw
            JOIN points_ledgerentry AS entry ON entry.id = draw.entry_id
            WHERE draw.lot_id = lot.id AND entry.kind = %(kind)s
        ) END AS round
    FROM (
        SELECT id, member_id, points, remaining, created_at, expires_on
        FROM points_ledgerentry
        WHERE member_id = ANY(%(members)s::bigint[]) AND remaining > 0 AND expires_on < %(as_of)s
        ORDER BY member_id, expires_on, id
        FOR UPDATE
    ) AS lot
),
entries AS (
    INSERT INTO points_ledgerentry
        (id, member_id, kind, points, created_at, idempotency_key, reason)
    SELECT
        entry_id, member_id, %(kind)s, -remaining, GREATEST(created_at, %(entry_time)s),
        'expiry:' || id || ':' || round,
        replace(
            replace(%(reason)s, '{day}', to_char(created_at AT TIME ZONE %(zone)s, 'YYYY-MM-DD')),
            '{expiry}', to_char(expires_on, 'YYYY-MM-DD')
        )
    FROM due
),
draws AS (
    INSERT INTO points_lotdraw (entry_id, lot_id, points) SELECT entry_id, id, remaining FROM due
),
emptied AS (
    UPDATE points_ledgerentry AS lot SET remaining = 0 FROM due WHERE lot.id = due.id
),
balances AS (
    UPDATE members_member AS member SET points_balance = member.points_balance - gone.points
    FROM (SELECT member_id, sum(remaining) AS points FROM due GROUP BY member_id) AS gone
    WHERE member.id = gone.member_id
)
SELECT coalesce(sum(remaining), 0) FROM due
"""


def _expire_locked_in_sql(member_ids, as_of) -> int:
    with connection.cursor() as cursor:
        # The planner guesses ~6 times the due lots and would JIT-compile the
        # statement: ~40 ms a chunk for a statement of ~100 ms.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            _EXPIRE_CHUNK_SQL,
            {
                "members": list(member_ids),
                "as_of": as_of,
                "kind": Kind.EXPIRY.value,
                "entry_time": _expiry_time(as_of),
                # Python fills the reason's placeholders with markers SQL replaces.
                "reason": _expiry_reason() % {"day": "{day}", "expiry": "{expiry}"},
                "zone": timezone.get_current_timezone_name(),
            },
        )
        return int(cursor.fetchone()[0])


def _take_from_balances(points_by_member):
    """Subtract {member id: points} from the cached balances in one UPDATE.

    The balance is the sum of the member's open lots (check_ledger), so it
    covers what expires; the DB CHECK refuses the chunk if the ledger were off.
    """
    Member.objects.filter(pk__in=points_by_member).update(
        points_balance=F("points_balance")
        - Case(
            *(When(pk=pk, then=Value(points)) for pk, points in points_by_member.items()),
            output_field=IntegerField(),
        )
    )


def expire_points(*, as_of, member_ids=None, workers=None) -> int:
    """Expire what is left of every lot whose last day is before `as_of` (a
    shop-local date); returns the points expired. One transaction per chunk of
    EXPIRY_CHUNK members, so it can run beside the counter; running it twice
    expires nothing more. `member_ids` limits it to those members.

    On PostgreSQL the chunks are shared by `workers` threads (default
    settings.EXPIRY_WORKERS), each with its own connection: a year-end night
    is the database's work, on one core per connection, as the Celery
    fan-out (points.tasks.expire_points_shared) shares it between workers.
    Inside a caller's transaction the chunks run here, in order, since
    another connection would not see what that transaction wrote.
    """
    if member_ids is None:
        chunks = expiry_chunks(as_of=as_of)
    else:
        ids = sorted({getattr(pk, "pk", pk) for pk in member_ids})
        chunks = [ids[i : i + EXPIRY_CHUNK] for i in range(0, len(ids), EXPIRY_CHUNK)]
    workers = settings.EXPIRY_WORKERS if workers is None else workers
    if (
        workers <= 1
        or len(chunks) <= 1
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return sum(expire_chunk(as_of=as_of, member_ids=chunk) for chunk in chunks)
    language = translation.get_language()  # the entries' reasons are written in it
    waiting, taking = iter(chunks), threading.Lock()

    def expire_in_thread():
        expired = 0
        try:
            with translation.override(language):
                while True:
                    with taking:
                        chunk = next(waiting, None)
                    if chunk is None:
                        return expired
                    expired += expire_chunk(as_of=as_of, member_ids=chunk)
        finally:
            connection.close()  # this thread's own, kept for all its chunks

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="expiry") as pool:
        running = [pool.submit(expire_in_thread) for _worker in range(workers)]
        return sum(worker.result() for worker in running)


# ---------------------------------------------------------------------------
# The owner's rules

# What the owner edits: everything a sale reads, plus the reminder lead time.
RULE_FIELDS = (*ProgrammeRules.SALE_FIELDS, "reminder_days")


def check_programme_rules(rules):
    """Refuse rules that cannot work (LoyaltyError naming the field)."""
    if rules.earn_per_amount is None or rules.earn_per_amount <= 0:
        raise LoyaltyError(
            _("Enter an amount above zero."), field="earn_per_amount", code="rate_not_positive"
        )
    for name in ("redeem_points", "redeem_value"):
        value = getattr(rules, name)
        if value is None or value <= 0:
            raise LoyaltyError(
                _("Both sides of the redemption rate must be above zero."),
                field=name,
                code="rate_not_positive",
            )
    if rules.max_bill_share is None or not 0 <= rules.max_bill_share <= 100:
        raise LoyaltyError(
            _("Enter a share between 0 and 100."), field="max_bill_share", code="share_range"
        )
    if rules.expiry_policy == ProgrammeRules.ExpiryPolicy.MONTHS and not rules.expiry_months:
        raise LoyaltyError(
            _("Enter after how many months points expire (1 or more)."),
            field="expiry_months",
            code="expiry_months",
        )


@transaction.atomic(durable=True)
def update_programme_rules(*, by, **changes) -> ProgrammeRules:
    """Change the earning, redemption and expiry rules. New rules apply to
    sales from now on; lots already earned keep their expiry dates."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"update_programme_rules cannot change {sorted(unknown)}")
    if not is_owner(by):
        raise LoyaltyError(_("Only an owner can change the points rules."), code="not_owner")
    ProgrammeRules.current()
    rules = ProgrammeRules.objects.select_for_update().get(pk=1)
    for name, value in changes.items():
        setattr(rules, name, value)
    check_programme_rules(rules)
    rules.updated_by = _user(by)
    rules.save()
    return rules
