"""Whether a member may take a reward now: one function, asked by the redeem
service (under lock, to decide) and by the catalogue page (to show why not)."""

from django.utils.translation import gettext as _

from config.errors import LoyaltyError

# The order a member meets the refusals in: the first that applies is shown.
STATE_AVAILABLE = "available"
STATE_NEEDS_TIER = "tier_locked"
STATE_OUT_OF_STOCK = "out_of_stock"
STATE_OVER_LIMIT = "over_limit"
STATE_SHORT = "insufficient_points"


def redemption_refusal(*, member, reward, quantity, today, taken, balance=None, free=False):
    """The LoyaltyError saying why `member` cannot take `quantity` of `reward`
    on the shop day `today`, or None. `taken` is how many the member already
    took in the reward's limit period; `balance` the points they can spend
    (default: the cached balance). A free issue (birthday, upgrade gifts)
    skips the limit and the points; it still needs an active, current reward
    in stock and a member of its minimum tier or higher."""
    name = reward.display_name
    if quantity < 1:
        return LoyaltyError(
            _("Enter a quantity of 1 or more."), field="quantity", code="bad_quantity"
        )
    if member.is_blocked:
        return LoyaltyError(
            _("%(member)s is blocked: no rewards until an owner unblocks them.")
            % {"member": member.name},
            code="member_blocked",
        )
    if not reward.is_active:
        return LoyaltyError(
            _("“%(reward)s” is switched off in the catalogue and cannot be redeemed.")
            % {"reward": name},
            code="inactive",
        )
    if reward.valid_from and today < reward.valid_from:
        return LoyaltyError(
            _("“%(reward)s” can be redeemed from %(date)s.")
            % {"reward": name, "date": reward.valid_from.isoformat()},
            code="not_yet_valid",
        )
    if reward.valid_to and today > reward.valid_to:
        return LoyaltyError(
            _("“%(reward)s” could be redeemed until %(date)s; it has expired.")
            % {"reward": name, "date": reward.valid_to.isoformat()},
            code="expired",
        )
    if not reward.open_to(member.tier):
        return LoyaltyError(
            _("“%(reward)s” is for %(tier)s members and above; %(member)s is %(member_tier)s.")
            % {
                "reward": name,
                "tier": reward.min_tier.display_name,
                "member": member.name,
                "member_tier": member.tier.display_name,
            },
            code=STATE_NEEDS_TIER,
        )
    if reward.stock is not None and reward.stock < quantity:
        if reward.stock == 0:
            message = _("“%(reward)s” is out of stock.") % {"reward": name}
        else:
            message = _("Only %(stock)d of “%(reward)s” left: lower the quantity.") % {
                "stock": reward.stock,
                "reward": name,
            }
        return LoyaltyError(message, field="quantity", code=STATE_OUT_OF_STOCK)
    if not free and reward.limit_per_member and taken + quantity > reward.limit_per_member:
        return LoyaltyError(
            _(
                "“%(reward)s” is limited to %(limit)d per member %(period)s, "
                "and %(member)s has already taken %(taken)d."
            )
            % {
                "reward": name,
                "limit": reward.limit_per_member,
                "period": reward.get_limit_period_display(),
                "member": member.name,
                "taken": taken,
            },
            field="quantity",
            code=STATE_OVER_LIMIT,
        )
    cost = reward.points_cost * quantity
    balance = member.points_balance if balance is None else balance
    if not free and balance < cost:
        return LoyaltyError(
            _("“%(reward)s” costs %(cost)d points; %(member)s has %(balance)d.")
            % {
                "reward": name,
                "cost": cost,
                "member": member.name,
                "balance": balance,
            },
            code=STATE_SHORT,
        )
    return None


def store_stock_refusal(*, reward, shelf, quantity):
    """Why a store whose shelves hold `reward` cannot give `quantity` of it
    (`shelf`: what its own shelf holds, None for no shelf), or None."""
    if shelf is None:
        return LoyaltyError(
            _("“%(reward)s” is not stocked at this store.") % {"reward": reward.display_name},
            code=STATE_OUT_OF_STOCK,
        )
    if shelf < quantity:
        return LoyaltyError(
            _("Only %(stock)d of “%(reward)s” left at this store.")
            % {"stock": shelf, "reward": reward.display_name},
            field="quantity",
            code=STATE_OUT_OF_STOCK,
        )
    return None
