"""The tier engine: instant upgrades, the scheduled review, tiers by hand.

Every move writes a TierChange with the figures it was decided on. Upgrade
rewards are given at most once per member, tier and calendar year.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import (
    Max,
    Min,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from config import locks
from config.clock import shop_date, shop_day_start, shop_today
from config.errors import LoyaltyError
from members.models import Member
from points import ledger
from points.models import LedgerEntry, Purchase
from rewards.models import Reward
from rewards.services import issue_reward
from tiers import history_sql, rules
from tiers.models import Tier, TierChange, TierProgramme, UpgradeReward

CHUNK_SIZE = 20_000


def active_ladder():
    return list(Tier.objects.active().order_by("rank"))


def _moment(as_of):
    """When an upgrade after a sale happened: the sale's time if given, now for
    today, else the last second of that (back-dated) shop day."""
    if isinstance(as_of, datetime):
        return shop_date(as_of), as_of
    if as_of == shop_today():
        return as_of, timezone.now()
    return as_of, shop_day_start(as_of + timedelta(days=1)) - timedelta(seconds=1)


def _give_upgrade_reward(*, member, tier, change, at, by=None):
    """The tier's upgrade bonus points and reward, unless this member had them
    for this tier this calendar year already. Runs in the caller's transaction
    with the member locked. A reward that cannot be given (out of stock, ended)
    is noted on the UpgradeReward; it never undoes the upgrade or the sale."""
    if not tier.upgrade_bonus_points and not tier.upgrade_reward_id:
        return None
    year = shop_date(at).year
    if UpgradeReward.objects.filter(member=member, tier=tier, year=year).exists():
        return None
    reward = UpgradeReward.objects.create(
        member=member,
        tier=tier,
        year=year,
        points=tier.upgrade_bonus_points,
        change=change,
        created_at=at,
    )
    reason = _("Upgrade to %(tier)s") % {"tier": tier.display_name}
    if tier.upgrade_bonus_points:
        ledger.grant_points(
            member=member,
            points=tier.upgrade_bonus_points,
            kind=LedgerEntry.Kind.TIER_BONUS,
            idempotency_key=f"tier-bonus:{member.pk}:{tier.pk}:{year}",
            reason=reason,
            by=by,
            at=at,
        )
    if tier.upgrade_reward_id:
        try:
            reward.redemption = issue_reward(
                member=member,
                # Read here, not through `tier`: the tier may be the rulebook's
                # shared copy, which must not keep a reward row.
                reward=Reward.objects.get(pk=tier.upgrade_reward_id),
                reason=reason,
                by=by,
                idempotency_key=f"tier-reward:{member.pk}:{tier.pk}:{year}",
            )
        except LoyaltyError as refusal:
            reward.note = str(refusal.message)[:200]
        reward.save(update_fields=["redemption", "note"])
    return reward


def may_reach_higher_tier(*, member, ladder) -> bool:
    """False when `member` (their figures cached with this sale included)
    cannot qualify for a higher tier of `ladder` (the active tiers), nor make
    their referrer qualify, so evaluate_member may skip its queries.

    The member's cached lifetime spend (which includes what they brought
    from an earlier system) bounds their lifetime spend figure; their spend
    here plus the window spend brought in bounds the window spend, and their
    purchases here plus those brought in the window purchases. These are
    compared with the thresholds of the active tiers above theirs. No cached
    figure bounds points earned or referred buyers: a tier above that uses
    them always answers True, and so does a referred member while any tier
    counts referrals.
    """
    spend = member.lifetime_spend
    window_spend = member.spend_here + member.opening_window_spend
    purchases = member.purchase_count + member.opening_window_purchases

    def within(threshold, figure):
        return threshold is not None and threshold <= figure

    for tier in ladder:
        if tier.rank <= member.tier.rank:
            continue
        if (
            within(tier.qualify_lifetime_spend, spend)
            or within(tier.qualify_window_spend, window_spend)
            or within(tier.qualify_window_purchases, purchases)
            or tier.qualify_window_points is not None
            or tier.qualify_referred_buyers is not None
        ):
            return True
    counts_referrals = any(tier.qualify_referred_buyers is not None for tier in ladder)
    return member.referred_by_id is not None and counts_referrals


def evaluate_member(*, member, as_of, reason, by=None, may_move=True, rulebook=None):
    """Upgrade `member` at once if they now qualify for a higher tier.

    Runs inside the caller's transaction with the member row locked (it is
    called by record_purchase). `as_of` is the sale's shop day or moment; the
    figures count all of it. Also ends a grace period the member has earned
    their way out of, and, on a referred member's first purchase, upgrades the
    referrer if that makes them qualify. Returns the member's TierChange, or None.

    `may_move=False` (what `may_reach_higher_tier` said once the sale's
    figures were counted) skips every query unless a grace period may end.
    `rulebook`: the ladder and tier programme the sale has read already.
    """
    if not may_move and member.tier_grace_until is None:
        return None
    ladder = rulebook.ladder if rulebook else active_ladder()
    if not ladder:
        return None
    programme = rulebook.tier_programme if rulebook else TierProgramme.current()
    change = _evaluate_one(
        member=member, ladder=ladder, programme=programme, as_of=as_of, reason=reason, by=by
    )
    counts_referrals = any(t.qualify_referred_buyers for t in ladder)
    if (
        member.referred_by_id
        and counts_referrals
        and Purchase.objects.filter(member=member).count() == 1
    ):
        _evaluate_one(
            member=ledger.lock_member(member.referred_by_id),
            ladder=ladder,
            programme=programme,
            as_of=as_of,
            reason=_("%(name)s, whom they referred, made a first purchase") % {"name": member.name},
            by=by,
            upgrade_only=True,
        )
    return change


def _evaluate_one(*, member, ladder, programme, as_of, reason, by, upgrade_only=False):
    day, at = _moment(as_of)
    rows = rules.standing_rows(
        ladder=ladder,
        programme=programme,
        window=rules.window_for(day, programme),
        lo=member.pk,
        hi=member.pk + 1,
    )
    if not rows:
        return None  # holds an inactive tier: deactivation moves them
    row = rows[0]
    current = member.tier
    if row["q_rank"] > current.rank:
        target = next(tier for tier in ladder if tier.rank == row["q_rank"])
        change = TierChange.objects.create(
            member=member,
            kind=TierChange.Kind.UPGRADE,
            from_tier=current,
            to_tier=target,
            reason=reason,
            at=at,
            figures=rules.figures_of(row),
            by=by,
        )
        member.tier, member.tier_since, member.tier_grace_until = target, at, None
        member.save(update_fields=["tier", "tier_since", "tier_grace_until", "updated_at"])
        _give_upgrade_reward(member=member, tier=target, change=change, at=at, by=by)
        return change
    if member.tier_grace_until and row["keeps"] and not upgrade_only:
        member.tier_grace_until = None
        member.save(update_fields=["tier_grace_until", "updated_at"])
        return TierChange.objects.create(
            member=member,
            kind=TierChange.Kind.GRACE_CLEARED,
            from_tier=current,
            to_tier=current,
            reason=reason,
            at=at,
            figures=rules.figures_of(row),
            by=by,
        )
    return None


@dataclass
class ReviewSummary:
    """What a review did (or would do); plain JSON types, so the nightly job
    can store `asdict(summary)` as it is."""

    as_of: str
    dry_run: bool = False
    members: int = 0
    upgraded: int = 0
    grace_started: int = 0
    grace_cleared: int = 0
    downgraded: int = 0
    moves: dict = field(default_factory=dict)  # "Gold → Silver": n

    def count(self, kind, from_tier=None, to_tier=None):
        name = _SUMMARY_FIELDS[kind]
        setattr(self, name, getattr(self, name) + 1)
        if from_tier is not None and from_tier != to_tier:
            move = f"{from_tier} → {to_tier}"
            self.moves[move] = self.moves.get(move, 0) + 1

    def add(self, other):
        for name in ("members", *_SUMMARY_FIELDS.values()):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for move, n in other.moves.items():
            self.moves[move] = self.moves.get(move, 0) + n
        return self

    def as_dict(self):
        return asdict(self)


_SUMMARY_FIELDS = {
    TierChange.Kind.UPGRADE: "upgraded",
    TierChange.Kind.GRACE_STARTED: "grace_started",
    TierChange.Kind.GRACE_CLEARED: "grace_cleared",
    TierChange.Kind.DOWNGRADE: "downgraded",
}


def review_due(day, programme=None) -> bool:
    """Whether `day` starts a review period (month, quarter or year)."""
    programme = programme or TierProgramme.current()
    if day.day != 1:
        return False
    if programme.frequency == TierProgramme.Frequency.QUARTERLY:
        return day.month in (1, 4, 7, 10)
    if programme.frequency == TierProgramme.Frequency.YEARLY:
        return day.month == 1
    return True


def member_id_ranges(*, chunk_size=CHUNK_SIZE):
    """[(lo, hi), ...] half-open member id ranges covering every member."""
    bounds = Member.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    return [
        (lo, min(lo + chunk_size, bounds["hi"] + 1))
        for lo in range(bounds["lo"], bounds["hi"] + 1, chunk_size)
    ]


def evaluate_tiers(*, as_of, dry_run=False, chunk_size=CHUNK_SIZE) -> ReviewSummary:
    """The scheduled review of every member at the start of the shop day
    `as_of`, on the figures up to the end of the day before.

    Upgrades whoever qualifies higher, starts a grace period for whoever no
    longer keeps their tier, ends grace for whoever earned it back, and moves
    down whoever is still short when grace ends. Works chunk by chunk of member
    ids (the Celery task hands each chunk to a worker); running it twice for the
    same day changes nothing the second time.
    """
    summary = ReviewSummary(as_of=as_of.isoformat(), dry_run=dry_run)
    for lo, hi in member_id_ranges(chunk_size=chunk_size):
        summary.add(evaluate_chunk(as_of=as_of, lo=lo, hi=hi, dry_run=dry_run))
    return summary


def pinned_floors(member_ids, as_of):
    """{member id: rank of the tier set by hand} for members pinned on `as_of`."""
    if not member_ids:
        return {}
    # Few members are pinned: ask about the history only for those.
    pinned = list(
        Member.objects.filter(pk__in=member_ids, tier_pinned_until__gte=as_of).values_list(
            "pk", flat=True
        )
    )
    if not pinned:
        return {}
    floors = {}
    changes = (
        TierChange.objects.filter(member__in=pinned, kind=TierChange.Kind.MANUAL)
        .order_by("member_id", "-at", "-id")
        .values_list("member_id", "to_tier__rank")
    )
    for member_id, rank in changes:
        floors.setdefault(member_id, rank)
    return floors


def _decide(row, *, floor, as_of, grace_days):
    """(kind, target rank, grace end) for one candidate row, or None."""
    rank = row["tier__rank"]
    if row["q_rank"] > rank:
        return TierChange.Kind.UPGRADE, row["q_rank"], None
    if row["keeps"]:
        if row["tier_grace_until"] is not None:
            return TierChange.Kind.GRACE_CLEARED, rank, None
        return None
    target = max(row["drop_rank"], floor or 0)
    if target >= rank:
        return None  # pinned: this is the floor
    grace_until = row["tier_grace_until"]
    if grace_until is None and grace_days:
        return TierChange.Kind.GRACE_STARTED, rank, as_of + timedelta(days=grace_days)
    if grace_until is None or grace_until < as_of:
        return TierChange.Kind.DOWNGRADE, target, None
    return None


def _candidates(*, ladder, programme, as_of, lo, hi):
    """The rows of members lo <= id < hi the review may change, and how many
    members the chunk holds. Decided in one query (see rules.standing_rows):
    only rows where something may change leave the database."""
    rows = rules.standing_rows(
        ladder=ladder,
        programme=programme,
        window=rules.window_for(as_of - timedelta(days=1), programme),
        lo=lo,
        hi=hi,
        changing_since=shop_day_start(as_of),
        review_day=as_of,
    )
    members = Member.objects.filter(pk__gte=lo, pk__lt=hi, tier__is_active=True).count()
    return rows, members


def evaluate_chunk(*, as_of, lo, hi, dry_run=False, by=None) -> ReviewSummary:
    """Review the members with lo <= id < hi (one transaction per chunk)."""
    summary = ReviewSummary(as_of=as_of.isoformat(), dry_run=dry_run)
    ladder = active_ladder()
    if not ladder:
        return summary
    programme = TierProgramme.current()
    by_rank = {tier.rank: tier for tier in ladder}
    with transaction.atomic(durable=True):
        rows, summary.members = _candidates(
            ladder=ladder, programme=programme, as_of=as_of, lo=lo, hi=hi
        )
        floors = pinned_floors([row["pk"] for row in rows], as_of)
        decisions = {}
        for row in rows:
            decision = _decide(
                row, floor=floors.get(row["pk"]), as_of=as_of, grace_days=programme.grace_days
            )
            if decision:
                decisions[row["pk"]] = (row, *decision)
        for row, kind, target_rank, _grace in decisions.values():
            summary.count(kind, by_rank[row["tier__rank"]].name, by_rank[target_rank].name)
        if not dry_run and decisions:
            write_decisions(decisions, by_rank=by_rank, at=shop_day_start(as_of), by=by)
    return summary


def write_decisions(decisions, *, by_rank, at, by, reasons=None):
    """Write the decided moves {member id: (row, kind, target rank, grace
    end)}: a few UPDATEs per kind and target, and the history (`reasons`:
    {kind: reason}, the review's by default), with the upgrade rewards.
    Runs in the caller's transaction; returns the ids of the members moved
    (a member a sale moved since their row was read is left out)."""
    reasons = reasons or {kind: reason() for kind, reason in _REVIEW_REASONS.items()}
    # Lock the rows, then leave out any member a sale changed since we read them.
    locked = {
        pk: (tier_id, grace_until)
        for pk, tier_id, grace_until in locks.lock_members(
            Member.objects.filter(pk__in=list(decisions)).values_list(
                "pk", "tier_id", "tier_grace_until"
            )
        )
    }
    groups, history = {}, {}
    for pk, (row, kind, target_rank, grace_until) in decisions.items():
        if locked.get(pk) != (row["tier_id"], row["tier_grace_until"]):
            continue  # a sale moved them or ended their grace meanwhile
        target = by_rank[target_rank]
        groups.setdefault((kind, target.pk, grace_until), []).append(pk)
        history.setdefault((kind, target.pk, grace_until, reasons[kind]), []).append(
            (pk, row["tier_id"], rules.figures_of(row))
        )
    now = timezone.now()
    for (kind, target_pk, grace_until), pks in groups.items():
        members = Member.objects.filter(pk__in=pks)
        if kind == TierChange.Kind.GRACE_STARTED:
            members.update(tier_grace_until=grace_until, updated_at=now)
        elif kind == TierChange.Kind.GRACE_CLEARED:
            members.update(tier_grace_until=None, updated_at=now)
        else:
            members.update(tier_id=target_pk, tier_since=at, tier_grace_until=None, updated_at=now)
    history_sql.insert_changes(history, at=at, by_id=by.pk if by else None)
    rewarded = [
        pk
        for (kind, target_pk, _grace), pks in groups.items()
        if kind == TierChange.Kind.UPGRADE and _gives_reward(by_rank, target_pk)
        for pk in pks
    ]
    if rewarded:
        changes = TierChange.objects.filter(
            member_id__in=rewarded, kind=TierChange.Kind.UPGRADE, at=at
        ).select_related("to_tier")
        members = Member.objects.in_bulk(rewarded)
        for change in changes.order_by("member_id", "-id"):
            member = members.pop(change.member_id, None)
            if member is not None:  # the newest, should a member have two
                _give_upgrade_reward(
                    member=member, tier=change.to_tier, change=change, at=at, by=by
                )
    return [pk for pks in groups.values() for pk in pks]


def _gives_reward(by_rank, tier_pk):
    tier = next(tier for tier in by_rank.values() if tier.pk == tier_pk)
    return bool(tier.upgrade_bonus_points or tier.upgrade_reward_id)


_REVIEW_REASONS = {
    TierChange.Kind.UPGRADE: lambda: _("Qualified at the tier review"),
    TierChange.Kind.GRACE_STARTED: lambda: _("Short of the retention threshold at the tier review"),
    TierChange.Kind.GRACE_CLEARED: lambda: _("Back above the retention threshold"),
    TierChange.Kind.DOWNGRADE: lambda: _("Still short when the grace period ended"),
}


@transaction.atomic(durable=True)
def set_tier(*, member, tier, reason, pinned_until=None, by) -> TierChange:
    """Put a member in a tier by hand, optionally pinned as a floor until a date.

    While pinned the member can still move up, never below this tier.
    """
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise LoyaltyError(
            _("Say why the tier is set by hand; it shows in the member's history."),
            field="reason",
            code="reason_missing",
        )
    if not tier.is_active:
        raise LoyaltyError(
            _("%(tier)s is not active; choose an active tier.") % {"tier": tier},
            field="tier",
            code="tier_inactive",
        )
    today = shop_today()
    if pinned_until is not None and pinned_until < today:
        raise LoyaltyError(
            _("The pin date %(date)s has passed; choose a later date or none.")
            % {"date": pinned_until.isoformat()},
            field="pinned_until",
            code="pin_past",
        )
    member = ledger.lock_member(member)
    if member.tier_id == tier.pk and member.tier_pinned_until == pinned_until:
        raise LoyaltyError(
            _("%(name)s is already in %(tier)s.") % {"name": member.name, "tier": tier},
            field="tier",
            code="same_tier",
        )
    at = timezone.now()
    change = TierChange.objects.create(
        member=member,
        kind=TierChange.Kind.MANUAL,
        from_tier=member.tier,
        to_tier=tier,
        reason=reason,
        at=at,
        pinned_until=pinned_until,
        by=by,
    )
    upgraded = tier.rank > member.tier.rank
    member.tier, member.tier_grace_until, member.tier_pinned_until = tier, None, pinned_until
    fields = ["tier", "tier_grace_until", "tier_pinned_until", "updated_at"]
    if change.from_tier_id != tier.pk:
        member.tier_since = at
        fields.append("tier_since")
    member.save(update_fields=fields)
    if upgraded:
        _give_upgrade_reward(member=member, tier=tier, change=change, at=at, by=by)
    return change
