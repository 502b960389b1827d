"""Graces end on their day: every night the graces that ended before the
shop day are settled, whatever the review schedule (the review, on its days,
is what starts them).

A member whose grace has ended moves up if they now qualify higher, keeps
the tier (grace cleared) if they meet it or a pin set by hand holds them,
and otherwise drops as the programme's downgrade setting says, each with a
TierChange, counted on their figures up to the end of the day before.
"""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from config.clock import add_months, shop_day_start
from members.models import Member
from tiers import rules, services
from tiers.models import TierChange, TierProgramme
from tiers.services import CHUNK_SIZE, ReviewSummary


def next_review_day(day, programme=None):
    """The first day on or after `day` that starts a review period."""
    programme = programme or TierProgramme.current()
    candidate = day if day.day == 1 else add_months(day.replace(day=1), 1)
    while not services.review_due(candidate, programme):
        candidate = add_months(candidate, 1)
    return candidate


def _settle(row, *, floor):
    """(kind, target rank, None) for a member whose grace has ended: up if
    they now qualify higher, grace cleared if they keep their tier (or a pin
    set by hand holds them there), else down as the programme says."""
    rank = row["tier__rank"]
    if row["q_rank"] > rank:
        return TierChange.Kind.UPGRADE, row["q_rank"], None
    target = max(row["drop_rank"], floor or 0)
    if row["keeps"] or target >= rank:
        return TierChange.Kind.GRACE_CLEARED, rank, None
    return TierChange.Kind.DOWNGRADE, target, None


def settle_chunk(*, as_of, lo, hi, dry_run=False, by=None) -> ReviewSummary:
    """Settle the graces of members lo <= id < hi that ended before the shop
    day `as_of`, on their figures up to the end of the day before (one
    transaction). A chunk where no grace ended costs one look at its rows."""
    summary = ReviewSummary(as_of=as_of.isoformat(), dry_run=dry_run)
    ended = Member.objects.filter(
        pk__gte=lo, pk__lt=hi, tier_grace_until__lt=as_of, tier__is_active=True
    )
    ladder = services.active_ladder()
    if not ladder or not ended.exists():
        return summary
    programme = TierProgramme.current()
    by_rank = {tier.rank: tier for tier in ladder}
    with transaction.atomic(durable=True):
        rows = rules.standing_rows(
            ladder=ladder,
            programme=programme,
            window=rules.window_for(as_of - timedelta(days=1), programme),
            lo=lo,
            hi=hi,
            grace_ended_before=as_of,
        )
        floors = services.pinned_floors([row["pk"] for row in rows], as_of)
        decisions = {row["pk"]: (row, *_settle(row, floor=floors.get(row["pk"]))) for row in rows}
        settled = set(decisions)
        if not dry_run and decisions:
            reasons = {kind: reason() for kind, reason in _SETTLE_REASONS.items()}
            settled = set(
                services.write_decisions(
                    decisions, by_rank=by_rank, at=shop_day_start(as_of), by=by, reasons=reasons
                )
            )
    for pk in settled:
        row, kind, target_rank, _none = decisions[pk]
        summary.members += 1
        summary.count(kind, by_rank[row["tier__rank"]].name, by_rank[target_rank].name)
    return summary


def settle_graces(*, as_of, dry_run=False, chunk_size=CHUNK_SIZE) -> ReviewSummary:
    """Every night: settle each grace that ended before `as_of`, whatever the
    review schedule (the review itself only starts graces, on its days).
    `members` counts the graces settled. Running it twice for a day changes
    nothing the second time: a settled member is no longer in grace."""
    summary = ReviewSummary(as_of=as_of.isoformat(), dry_run=dry_run)
    for lo, hi in services.member_id_ranges(chunk_size=chunk_size):
        summary.add(settle_chunk(as_of=as_of, lo=lo, hi=hi, dry_run=dry_run))
    return summary


_SETTLE_REASONS = {
    TierChange.Kind.UPGRADE: lambda: _("Qualified for a higher tier when the grace period ended"),
    TierChange.Kind.GRACE_CLEARED: lambda: _("Kept the tier by the end of the grace period"),
    TierChange.Kind.DOWNGRADE: lambda: _("Still short when the grace period ended"),
}
