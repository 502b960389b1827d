"""Reads of the catalogue and of redemptions shared by the reward pages,
the member page and the admin."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from config.clock import shop_day_start, shop_today
from points.ledger import spendable_balance
from rewards import rules
from rewards.models import Coupon, Reward, RewardRedemption, RewardStock


@dataclass
class CatalogueItem:
    reward: Reward
    state: str  # one of rules.STATE_*
    message: str  # why not, in the member's terms; empty when available
    points_short: int = 0

    @property
    def available(self):
        return self.state == rules.STATE_AVAILABLE

    @property
    def greyed(self):
        return self.state in (rules.STATE_OUT_OF_STOCK, rules.STATE_OVER_LIMIT)


def _taken_by_reward(member, rewards, today):
    """Units each reward's limit period already holds for `member`, from one
    query over the member's own redemptions."""
    limited = {r.pk: r for r in rewards if r.limit_per_member}
    if not limited:
        return {}
    rows = (
        RewardRedemption.objects.filter(
            member=member, reward_id__in=limited, source=RewardRedemption.Source.REDEEMED
        )
        .exclude(status=RewardRedemption.Status.CANCELLED)
        .values_list("reward_id", "created_at", "quantity")
    )
    taken = defaultdict(int)
    for reward_id, created_at, quantity in rows:
        start = limited[reward_id].period_start(today)
        if start is None or created_at >= shop_day_start(start):
            taken[reward_id] += quantity
    return taken


def _shelves(rewards, store_id):
    """{reward id: what the store's shelf holds, None for no shelf} of the
    rewards stocked per store (one query)."""
    found = {}
    rows = RewardStock.objects.filter(reward__in=rewards).values_list(
        "reward_id", "store_id", "quantity"
    )
    for reward_id, shelf_store, quantity in rows:
        found.setdefault(reward_id, None)
        if shelf_store == store_id:
            found[reward_id] = quantity
    return found


def catalogue_for_member(*, member, today=None, store_id=None) -> list[CatalogueItem]:
    """The active, current rewards as the counter shows them to `member`:
    what they can take now, what needs more points, what needs a higher
    tier, and what is out of stock or over their limit (at the store
    `store_id`, for rewards stocked per store)."""
    today = today or shop_today()
    rewards = list(
        Reward.objects.filter(is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("min_tier")
    )
    taken = _taken_by_reward(member, rewards, today)
    balance = spendable_balance(member, as_of=today)
    shelves = _shelves(rewards, store_id) if store_id is not None else {}
    items = []
    for reward in rewards:
        refusal = rules.redemption_refusal(
            member=member,
            reward=reward,
            quantity=1,
            today=today,
            taken=taken.get(reward.pk, 0),
            balance=balance,
        )
        if refusal is None and reward.pk in shelves:
            refusal = rules.store_stock_refusal(reward=reward, shelf=shelves[reward.pk], quantity=1)
        if refusal is None:
            items.append(CatalogueItem(reward, rules.STATE_AVAILABLE, ""))
        else:
            short = max(reward.points_cost - balance, 0)
            items.append(CatalogueItem(reward, refusal.code, refusal.message, short))
    return items


# The catalogue's groups, in the order the counter reads them.
GROUP_TITLES = {
    rules.STATE_AVAILABLE: _("Can redeem now"),
    rules.STATE_SHORT: _("Needs more points"),
    rules.STATE_NEEDS_TIER: _("Needs a higher tier"),
    rules.STATE_OVER_LIMIT: _("Limit reached"),
    rules.STATE_OUT_OF_STOCK: _("Out of stock"),
}


def group_catalogue(items):
    """[(title, items)] for the groups that have items."""
    groups = {state: [] for state in GROUP_TITLES}
    for item in items:
        groups.setdefault(item.state, []).append(item)
    return [
        (GROUP_TITLES.get(state, _("Not available")), members)
        for state, members in groups.items()
        if members
    ]


def owner_catalogue():
    """Every reward for the owner's list, with how many redemptions wait."""
    return Reward.objects.select_related("min_tier").annotate(
        pending=Count("redemptions", filter=Q(redemptions__status=RewardRedemption.Status.PENDING))
    )


def redemption_list(queryset=None, *, stores=None):
    """Redemptions with what the list shows; `stores` (ids) keeps those made
    at these stores, and those made from a member's phone (no store)."""
    queryset = RewardRedemption.objects.all() if queryset is None else queryset
    if stores is not None:
        queryset = queryset.filter(Q(store__in=stores) | Q(store__isnull=True))
    return queryset.select_related("member", "member__tier", "reward", "by", "store")


def member_redemptions(*, member, limit=10):
    return list(
        RewardRedemption.objects.filter(member=member)
        .select_related("reward")
        .prefetch_related("coupons")[:limit]
    )


def usable_coupons(*, member, today=None):
    """The member's coupons that can be used today, soonest expiring first."""
    today = today or shop_today()
    return list(
        Coupon.objects.filter(
            member=member,
            used_at__isnull=True,
            voided_at__isnull=True,
            valid_from__lte=today,
            expires_on__gte=today,
        ).order_by("expires_on", "id")
    )
