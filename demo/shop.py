"""A demo shop for first runs and screenshots: tiers, two users, members,
points rules, a year of sales (demo.sales), the 18th's campaign, this
week's double-value redemption, redemptions in every state, member tags,
saved segments and a message to a segment with its results (demo.segments),
the welcome offer, today's tier review and follow-ups (demo.activity).

Each issue that adds data (sales, rewards, campaigns) extends load_demo_shop.
Loading twice changes nothing: everything is keyed by a natural key.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from config.clock import shop_today
from config.roles import OWNER, STAFF, sync_roles
from demo.activity import (
    ensure_demo_campaign,
    ensure_demo_redemptions,
    ensure_demo_value_campaign,
    run_demo_jobs,
)
from demo.rewards import ensure_demo_rewards, ensure_demo_welcome_offer
from demo.sales import record_demo_sales
from demo.segments import ensure_demo_message, ensure_demo_segments, ensure_demo_tags
from members.models import Member
from members.services import enrol_member
from points.models import BehaviourRule, ProgrammeRules
from tiers.models import Tier

DEMO_USERS = {
    "owner": ("owner-demo-pass", OWNER),
    "staff": ("staff-demo-pass", STAFF),
}
DEMO_TIERS = [
    # rank, name, 繁體, 简体, retail % off, wholesale % off, multiplier,
    # qualify: lifetime spend, spend in 12 months, referred buyers;
    # keep: spend in 12 months; upgrade bonus points
    (1, "Member", "一般會員", "普通会员", "0", "5", "1", None, None, None, None, 0),
    (2, "Silver", "銀卡", "银卡", "5", "10", "1.2", "12500", "11000", None, "4000", 100),
    (3, "Gold", "金卡", "金卡", "10", "15", "1.5", "17000", "15000", 3, "8000", 300),
    (4, "Black Gold", "黑金卡", "黑金卡", "20", "25", "2", "23000", "21000", None, "12000", 500),
]
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = [
    "美玲",
    "志明",
    "淑芬",
    "家豪",
    "怡君",
    "俊傑",
    "雅婷",
    "建宏",
    "佳穎",
    "宗翰",
    "欣怡",
    "冠宇",
]


def ensure_demo_users():
    sync_roles()
    User = get_user_model()
    for username, (password, group_name) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(password)
            user.first_name = username.capitalize()
            # Owners use the Django admin; counter staff do not.
            user.is_staff = group_name == OWNER
            user.save()
        user.groups.add(Group.objects.get(name=group_name))
    return DEMO_USERS


def ensure_demo_tiers():
    def money(value):
        return Decimal(value) if value else None

    for row in DEMO_TIERS:
        rank, name, hant, hans, retail, wholesale, multiplier = row[:7]
        lifetime, window, referred, keep, bonus = row[7:]
        Tier.objects.get_or_create(
            rank=rank,
            defaults={
                "name": name,
                "name_zh_hant": hant,
                "name_zh_hans": hans,
                "retail_discount": Decimal(retail),
                "wholesale_discount": Decimal(wholesale),
                "points_multiplier": Decimal(multiplier),
                "qualify_lifetime_spend": money(lifetime),
                "qualify_window_spend": money(window),
                "qualify_referred_buyers": referred,
                "retain_window_spend": money(keep),
                "upgrade_bonus_points": bonus,
            },
        )


def ensure_demo_members(*, count, seed=2026):
    """Enrol demo members until there are `count`, joined over the past year."""
    rng = random.Random(seed)
    today = shop_today()
    owner = get_user_model().objects.get(username="owner")
    created = 0
    index = 0
    while Member.objects.count() < count:
        index += 1
        phone = f"+8869{rng.randrange(10**7, 10**8):08d}"
        if Member.objects.filter(phone=phone).exists():
            continue
        birthday = today - timedelta(days=rng.randrange(18 * 365, 70 * 365))
        enrol_member(
            phone=phone,
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            birthday=birthday,
            email=f"member{index}@example.com" if rng.random() < 0.4 else "",
            joined_on=today - timedelta(days=rng.randrange(0, 400)),
            by=owner,
        )
        created += 1
    return created


DEMO_BEHAVIOUR_RULES = [
    # action, code, name, points, times per member
    # Named as a Taiwanese shop would (the names are the shop's own text, one
    # language): staff see them on the member page and in the ledger.
    ("join", "join", "入會禮", 50, 1),
    ("profile", "profile", "完成個人資料", 30, 1),
    ("birthday", "birthday", "生日點數", 100, None),
    ("referral", "referral", "推薦好友消費", 200, None),
]


def ensure_demo_points_rules():
    # 1 point per NT$10 and 100 points = NT$50: 5 % back, a common salon rate.
    ProgrammeRules.objects.get_or_create(pk=1, defaults={"earn_per_amount": Decimal("10")})
    for action, code, name, points, cap in DEMO_BEHAVIOUR_RULES:
        BehaviourRule.objects.get_or_create(
            code=code,
            defaults={"action": action, "name": name, "points": points, "per_member_cap": cap},
        )


def load_demo_shop(*, members=300):
    with transaction.atomic():
        users = ensure_demo_users()
        ensure_demo_tiers()
        ensure_demo_points_rules()
    created = ensure_demo_members(count=members)
    ensure_demo_rewards()
    # Before the sales, so the 18ths earn double and the results page has them.
    ensure_demo_campaign()
    ensure_demo_value_campaign()
    sales = record_demo_sales()
    redemptions = ensure_demo_redemptions()
    # Tags follow the tiers the sales reached; the message's segment uses them.
    tags = ensure_demo_tags()
    ensure_demo_segments()
    replies = ensure_demo_message()
    ensure_demo_welcome_offer()
    jobs = run_demo_jobs()
    return {
        "users": users,
        "members_created": created,
        "sales_created": sales,
        "redemptions_created": redemptions,
        "tags_given": tags,
        "segment_message_replies": replies,
        "follow_ups_added": jobs["follow_ups_added"],
    }
