"""The points ledger: the only code that writes lots and ledger entries.

Every change of a member's balance is one LedgerEntry: earned points form a
lot (an entry with `remaining` points and an expiry date); spending draws on
lots, earliest expiry first, each draw a LotDraw; a return gives points back
to the lots a spend drew from; expiry turns what is left of an expired lot
into an expiry entry. The member's cached balance moves with every entry, so
it equals the sum of the ledger and the sum of the open lots' remainders
(check_ledger verifies both).

The pieces here run inside a caller's durable service, after lock_member;
locks are taken in the order config.locks defines (the member, then the
member's lots). The sale (points.sale), refunds, behaviour points, rewards
and the tier engine all write through these functions; points.expiry runs
the nightly expiry through the batch forms at the end of this module, and
opening balances (the import, the demo shop) through the batch form there.
"""

from datetime import date
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config import inputs, locks
from config.clock import add_months, shop_date, shop_day_start
from config.errors import LoyaltyError
from config.money import round_money
from members.models import Member
from points import sale_sql
from points.models import LedgerEntry, LotDraw, ProgrammeRules

Kind = LedgerEntry.Kind

# Blocked members cannot earn or spend: these kinds are refused for them.
# Corrections (adjustments, refunds, cancellations, expiry) still go through.
EARNING_KINDS = {Kind.PURCHASE_EARN, Kind.BEHAVIOUR_EARN, Kind.CAMPAIGN_BONUS, Kind.TIER_BONUS}
SPENDING_KINDS = {Kind.REDEEM_CASH, Kind.REWARD_REDEEM}


# ---------------------------------------------------------------------------
# Small rules


def floor_points(value: Decimal) -> int:
    """The one place points are rounded: down, once, at the end."""
    return int(Decimal(value).to_integral_value(rounding=ROUND_FLOOR))


def lot_expiry(*, rules: ProgrammeRules, earned_on: date) -> date | None:
    """The last shop day on which points earned on `earned_on` can be spent."""
    policy = ProgrammeRules.ExpiryPolicy
    if rules.expiry_policy == policy.MONTHS:
        return add_months(earned_on, rules.expiry_months)
    if rules.expiry_policy == policy.YEAR_END:
        return date(earned_on.year + 1, 12, 31)
    return None


def points_value(*, rules: ProgrammeRules, points: int, multiplier=1) -> Decimal:
    """The cash value of `points` at the owner's redemption rate, `multiplier`
    times on a double-value redemption day."""
    value = Decimal(points) * rules.redeem_value * Decimal(multiplier) / rules.redeem_points
    return round_money(value)


def acting_user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def key_conflict(key):
    return LoyaltyError(
        _(
            "The request key %(key)s was already used for a different operation. "
            "Reload the page and try again."
        )
        % {"key": key},
        code="idempotency_conflict",
    )


def refuse_blocked(member):
    if member.is_blocked:
        raise LoyaltyError(
            _("%(name)s is blocked: no earning or spending until an owner unblocks them.")
            % {"name": member.name},
            code="blocked",
        )


# ---------------------------------------------------------------------------
# Composable pieces: call inside a durable service, after lock_member.


def lock_member(member) -> Member:
    """Lock the member row for the rest of the transaction (step 1 of
    config.locks); return it fresh, with its tier. `member`: a Member or its id."""
    pk = member.pk if isinstance(member, Member) else member
    return locks.lock_member(Member.objects.select_related("tier"), pk)


def lock_open_lots(member):
    """The member's lots with points left, locked, in spending order (step 2)."""
    return locks.lock_lots(LedgerEntry.objects.filter(member=member, remaining__gt=0))


def change_balance(member, delta: int):
    Member.objects.filter(pk=member.pk).update(points_balance=F("points_balance") + delta)
    member.points_balance += delta


def _replay(key, *, member, kind, points):
    """The entry already written under `key`, or None; refuse a different use of it."""
    existing = LedgerEntry.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.member_id != member.pk or existing.kind != kind or existing.points != points:
        raise key_conflict(key)
    return existing


def _insert_entry(**fields) -> LedgerEntry:
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(**fields)
    except IntegrityError:
        # Another transaction used the same key for another member meanwhile.
        raise key_conflict(fields["idempotency_key"]) from None


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
        refuse_blocked(member)
    check_points_room(balance=max(member.points_balance, 0), points=points)
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
        by=acting_user(by),
        **links,
    )
    change_balance(member, points)
    return entry


def check_points_room(*, balance, points, field="points"):
    """Refuse points that would not fit the ledger's columns (config.inputs.MAX_POINTS)."""
    if points > inputs.MAX_POINTS or balance + points > inputs.MAX_POINTS:
        raise LoyaltyError(
            _(
                "%(points)s points would take the balance past the most it can hold "
                "(%(max)s): check the figures."
            )
            % {"points": f"{points:,}", "max": f"{inputs.MAX_POINTS:,}"},
            field=field,
            code="points_overflow",
        )


def insufficient(balance, points):
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
        refuse_blocked(member)
    at = at or timezone.now()
    lots = lock_open_lots(member)
    lots = expire_lots(member, lots, as_of=shop_date(at))
    available = sum(lot.remaining for lot in lots)
    if points > available:
        raise insufficient(available, points)
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
        by=acting_user(by),
        **links,
    )
    _draw_lots(entry, ordered, points)
    change_balance(member, -points)
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
            raise key_conflict(idempotency_key)
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
        by=acting_user(by),
        reverses=entry,
        **links,
    )
    # Net points still out per lot: drawn by the entry minus earlier returns.
    out = {}
    for draw in LotDraw.objects.filter(entry=entry):
        out[draw.lot_id] = out.get(draw.lot_id, 0) + draw.points
    for draw in LotDraw.objects.filter(entry__reverses=entry).exclude(entry=new):
        out[draw.lot_id] -= draw.points
    lots = locks.lock_lots(
        LedgerEntry.objects.filter(pk__in=[pk for pk, n in out.items() if n > 0])
    )
    draws = []
    for lot in reversed(lots):
        give = min(out[lot.pk], left)
        if give <= 0:
            continue
        lot.remaining += give
        lot.save(update_fields=["remaining"])
        draws.append(LotDraw(entry=new, lot=lot, points=give))
        left -= give
    LotDraw.objects.bulk_create(draws)
    change_balance(member, new.points)
    return new


def expire_lots(member, lots, *, as_of):
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
            created_at=max(expiry_time(as_of), lot.created_at),
            idempotency_key=expiry_key(lot.pk, round_no),
            reason=expiry_reason()
            % {"day": shop_date(lot.created_at).isoformat(), "expiry": lot.expires_on.isoformat()},
        )
        LotDraw.objects.create(entry=entry, lot=lot, points=lot.remaining)
        expired += lot.remaining
        lot.remaining = 0
        lot.save(update_fields=["remaining"])
    if expired:
        change_balance(member, -expired)
    return keep


def expiry_key(lot_id, round_no) -> str:
    """The key of a lot's expiry entry: a lot can expire again after points
    are returned to it, so its expiries are numbered (0, 1, ...)."""
    return f"expiry:{lot_id}:{round_no}"


def expiry_reason():
    return _("Points earned %(day)s expired after %(expiry)s.")


def expiry_time(as_of):
    """The time of an expiry entry: the start of the shop day `as_of`, or
    now for a run ahead of that day (and never before the lot's own time)."""
    return min(timezone.now(), shop_day_start(as_of))


def spendable_balance(member, *, as_of) -> int:
    """The balance less lots past their last day that expiry has not swept yet."""
    due = LedgerEntry.objects.filter(
        member=member, remaining__gt=0, expires_on__lt=as_of
    ).aggregate(total=Sum("remaining"))["total"]
    return member.points_balance - (due or 0)


# ---------------------------------------------------------------------------
# The sale's entries (points.sale decides the figures; these write them)


def _campaign_link(campaign):
    """Link a bonus entry to its campaign (terms may name none, e.g. in tests)."""
    return {"campaign": campaign} if hasattr(campaign, "_meta") else {}


class KeyTaken(Exception):
    """The sale's key was committed by a transaction this one could not see
    when it read the member row: leave the transaction, then replay."""


def lots_total(lots) -> int:
    """The points `lots` hold."""
    return sum(lot.remaining for lot in lots)


def take_from_lots(lots, points):
    """[(lot, points)] taking `points` from `lots` in order, each lot's
    `remaining` lowered in memory (write_sale saves them with the sale)."""
    draws, left = [], points
    for lot in lots:
        take = min(lot.remaining, left)
        if take > 0:
            lot.remaining -= take
            draws.append((lot, take))
            left -= take
    return draws


def sale_entries(*, member, purchase, quote, key, by, at, rules) -> list:
    """The sale's ledger entries, unsaved: the points redeemed (first, when
    any), earned, and each campaign's bonus. Their keys derive from the
    sale's new, unique key, so none can exist yet: no look-up, and a clash is
    refused as a key conflict."""
    reason = _("Sale #%(id)s") % {"id": purchase.pk}
    common = {"member": member, "created_at": at, "reason": reason, "by": acting_user(by)}
    common.update(purchase=purchase, store_id=purchase.store_id)
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


def write_sale(*, purchase, entries, draws, member, delta, key):
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
            raise KeyTaken from None
        return
    if entries:
        try:
            LedgerEntry.objects.bulk_create(entries)
        except IntegrityError:
            raise key_conflict(key) from None
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
