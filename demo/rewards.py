"""The demo shop's reward catalogue (see demo.shop.load_demo_shop)."""

from decimal import Decimal

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
