"""The synthetic shop's programme: its tiers, points rules, behaviour rules,
reward catalogue and campaign, as constants the generator simulates and as
the rows it sets up before the members."""

from datetime import timedelta
from decimal import Decimal

from campaigns.models import Campaign
from points.models import BehaviourRule, ProgrammeRules
from rewards.models import Reward
from tiers.models import Tier

# rank, name, retail % off, wholesale % off, multiplier in tenths, lifetime
# spend (whole currency) that reaches it. The thresholds give roughly the
# pyramid owners expect (base ~65 %, top few per cent). To keep a tier a
# member must spend a quarter of its threshold in the review window.
TIERS = [
    (1, "Member", 0, 5, 10, 0),
    (2, "Silver", 5, 10, 12, 4_000),
    (3, "Gold", 10, 15, 15, 20_000),
    (4, "Black Gold", 20, 25, 20, 50_000),
]
# The shop's rules: 1 point per 10 spent, 100 points pay 50, year-end expiry.
EARN_PER_CENTS = 1000
REDEEM_POINTS, REDEEM_CENTS = 100, 5000
MIN_REDEEM, MAX_BILL_SHARE = 100, 50
JOIN_POINTS, BIRTHDAY_POINTS = 100, 200
CAMPAIGN_NAME, CAMPAIGN_DAY, CAMPAIGN_DAYS_BEFORE_END = "每月18日雙倍點數", 18, 182


def money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def set_up_programme():
    """Tiers, programme rules and behaviour rules of the synthetic shop."""
    tiers = []
    for row in TIERS:
        rank, name, retail, wholesale, multiplier, threshold = row
        tier, _created = Tier.objects.update_or_create(
            rank=rank,
            defaults={
                "name": name,
                "is_active": True,
                "retail_discount": Decimal(retail),
                "wholesale_discount": Decimal(wholesale),
                "points_multiplier": Decimal(multiplier) / 10,
                "qualify_lifetime_spend": Decimal(threshold) if threshold else None,
                "retain_window_spend": Decimal(threshold // 4) if threshold else None,
            },
        )
        tiers.append((tier, row))
    ProgrammeRules.objects.update_or_create(
        pk=1,
        defaults={
            "earn_points": 1,
            "earn_per_amount": money(EARN_PER_CENTS),
            "redeem_points": REDEEM_POINTS,
            "redeem_value": money(REDEEM_CENTS),
            "min_redeem_points": MIN_REDEEM,
            "max_bill_share": Decimal(MAX_BILL_SHARE),
            "expiry_policy": ProgrammeRules.ExpiryPolicy.YEAR_END,
        },
    )
    rules = {}
    for action, code, name, points, cap in [
        (BehaviourRule.Action.JOIN, "join", "Joining", JOIN_POINTS, 1),
        (BehaviourRule.Action.BIRTHDAY, "birthday", "Birthday", BIRTHDAY_POINTS, None),
        (BehaviourRule.Action.PROFILE, "profile", "Completing the profile", 50, 1),
    ]:
        rule, _created = BehaviourRule.objects.update_or_create(
            code=code,
            defaults={
                "action": action,
                "name": name,
                "points": points,
                "per_member_cap": cap,
                "is_active": True,
            },
        )
        rules[code] = (rule.pk, name)
    return tiers, rules


REWARDS = [
    # name, kind, points cost
    ("護手霜", Reward.Kind.GOODS, 300),
    ("旅行組洗髮精", Reward.Kind.GOODS, 600),
    ("頭皮護理一次", Reward.Kind.SERVICE, 1500),
    ("精油禮盒", Reward.Kind.GOODS, 3000),
]


def set_up_rewards():
    rewards = []
    for name, kind, cost in REWARDS:
        reward, _created = Reward.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "points_cost": cost, "stock": None, "is_active": True},
        )
        rewards.append((reward.pk, name, cost))
    return rewards


def set_up_campaign(end):
    """Double points on the 18th, for the last half-year and the year ahead."""
    campaign, _created = Campaign.objects.update_or_create(
        name=CAMPAIGN_NAME,
        defaults={
            "starts_on": end - timedelta(days=CAMPAIGN_DAYS_BEFORE_END),
            "ends_on": end + timedelta(days=365),
            "schedule": Campaign.Schedule.MONTH_DAYS,
            "month_days": [CAMPAIGN_DAY],
            "multiplier": Decimal(2),
            "is_active": True,
        },
    )
    return campaign
