"""The demo shop's reward catalogue (see demo.shop.load_demo_shop)."""

from decimal import Decimal

from members.models import AutomationSettings
from rewards.models import Reward
from tiers.models import Tier

DEMO_REWARDS = [
    # name (Traditional), English name, kind, points, stock, minimum tier rank, extra fields
    ("護髮膜", "Hair mask", "goods", 300, 20, None, {"name_zh_hans": "护发膜"}),
    ("頭皮按摩", "Scalp massage", "service", 500, None, 2, {"name_zh_hans": "头皮按摩"}),
    (
        "NT$100 折價券",
        "NT$100 voucher",
        "coupon",
        800,
        None,
        None,
        {
            "name_zh_hans": "NT$100 折价券",
            "coupon_value": Decimal("100"),
            "coupon_valid_days": 60,
            "limit_per_member": 2,
            "limit_period": "month",
        },
    ),
    (
        "滿千折百券",
        "NT$100 off a bill of NT$1,000",
        "coupon",
        500,
        None,
        None,
        {
            "name_zh_hans": "满千减百券",
            "coupon_value": Decimal("100"),
            "coupon_min_spend": Decimal("1000"),
            "coupon_valid_days": 30,
        },
    ),
    (
        "VIP 造型體驗",
        "VIP styling session",
        "service",
        2000,
        5,
        3,
        {"name_zh_hans": "VIP 造型体验"},
    ),
    ("限量帆布袋", "Limited tote bag", "goods", 150, 0, None, {"name_zh_hans": "限量帆布袋"}),
]


def ensure_demo_rewards():
    tiers = {tier.rank: tier for tier in Tier.objects.all()}
    created = 0
    for order, (name, name_en, kind, points, stock, rank, extra) in enumerate(DEMO_REWARDS):
        _reward, made = Reward.objects.get_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "kind": kind,
                "points_cost": points,
                "stock": stock,
                "min_tier": tiers.get(rank),
                "sort_order": order,
                **extra,
            },
        )
        created += made
    return created


WELCOME_REWARD = "滿千折百券"


def ensure_demo_welcome_offer():
    """The spend-NT$1,000 coupon as the welcome offer of members who join
    from now on (set after the demo's own members are enrolled: they joined
    before the shop had one). Left alone once the owner has chosen one."""
    settings_row = AutomationSettings.current()
    if settings_row.welcome_reward_id is None:
        settings_row.welcome_reward = Reward.objects.get(name=WELCOME_REWARD)
        settings_row.save(update_fields=["welcome_reward"])
        return True
    return False
