"""Reads of the members' own pages: what one member sees of their programme."""

from dataclasses import dataclass
from decimal import Decimal

from campaigns.rulebook import current_rulebook
from campaigns.selectors import campaigns_for_member
from config.clock import shop_today
from points.ledger import points_value
from points.models import Purchase
from points.selectors import expiring_soon, member_ledger
from rewards.models import RewardRedemption
from rewards.selectors import usable_coupons
from tiers.progress import member_figures, tier_progress

EXPIRING_DAYS = 90
CAMPAIGN_DAYS = 14


@dataclass
class Standing:
    """The top of every member page: tier, progress, balance."""

    member: object
    progress: object  # tiers.progress.Progress
    percent: int  # of the way to the next tier (or to keeping this one)
    balance_value: Decimal
    expiring: list
    expiring_total: int


def _percent(progress, figures) -> int:
    """How far along the nearest option to the next tier (or to keeping the
    tier in grace) the member is, 0-100."""
    if progress.keeping:
        thresholds = {**progress.tier.qualification(), **progress.tier.retention()}
    elif progress.next_tier is not None:
        thresholds = progress.next_tier.qualification()
    else:
        return 100
    if not progress.options:
        return 100
    best = Decimal(0)
    for criterion, threshold in thresholds.items():
        if threshold:
            best = max(best, Decimal(figures.get(criterion) or 0) / Decimal(threshold))
    return max(0, min(99, int(best * 100)))


def standing(member, *, today=None) -> Standing:
    today = today or shop_today()
    rulebook = current_rulebook()
    progress = tier_progress(member, rulebook=rulebook)
    figures = {}
    if progress.options:
        figures, _window = member_figures(
            member, ladder=rulebook.ladder, programme=rulebook.tier_programme
        )
    expiring = list(expiring_soon(member, days=EXPIRING_DAYS, today=today))
    return Standing(
        member=member,
        progress=progress,
        percent=_percent(progress, figures),
        balance_value=points_value(rules=rulebook.programme, points=member.points_balance),
        expiring=expiring,
        expiring_total=sum(lot.remaining for lot in expiring),
    )


def member_campaigns(member, *, today=None):
    """[(day, [campaign])] for today and the next two weeks, as they apply to the member."""
    return campaigns_for_member(member, today=today, days=CAMPAIGN_DAYS)


def recent_sales(member, *, limit=50):
    return list(
        Purchase.objects.filter(member=member)
        .only(
            "created_at",
            "gross_amount",
            "amount_paid",
            "points_earned",
            "points_redeemed",
            "refunded_amount",
            "coupon_code",
        )
        .order_by("-created_at", "-id")[:limit]
    )


def points_history(member):
    return member_ledger(member)


def redemptions(member, *, limit=50):
    return list(
        RewardRedemption.objects.filter(member=member)
        .select_related("reward")
        .order_by("-created_at", "-id")[:limit]
    )


def waiting_for_hand_over(member):
    """Goods and services redeemed and not yet collected at the counter."""
    return list(
        RewardRedemption.objects.filter(member=member, status=RewardRedemption.Status.PENDING)
        .select_related("reward")
        .order_by("created_at", "id")
    )


def coupons(member, *, today=None):
    return usable_coupons(member=member, today=today)


def coupon_of(member, code):
    """One of the member's usable coupons by its code, or None (another
    member's code is None too)."""
    return next((c for c in usable_coupons(member=member) if c.code == code), None)


def ladder():
    """The active tiers, lowest first, as the member reads them."""
    return current_rulebook().ladder


def signed_in_phones(member):
    """The member's sessions still open, newest first."""
    from django.utils import timezone

    from portal.models import MemberSession

    return list(
        MemberSession.objects.filter(
            member=member, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-last_seen_at")[:20]
    )
