"""A demo shop for first runs and screenshots: tiers, two users, members.

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
from members.models import Member
from members.services import enrol_member
from rewards.demo import ensure_demo_rewards
from tiers.models import Tier

DEMO_USERS = {
    "owner": ("owner-demo-pass", OWNER),
    "staff": ("staff-demo-pass", STAFF),
}
DEMO_TIERS = [
    # rank, name, retail % off, wholesale % off, multiplier
    (1, "Member", "0", "5", "1"),
    (2, "Silver", "5", "10", "1.2"),
    (3, "Gold", "10", "15", "1.5"),
    (4, "Black Gold", "20", "25", "2"),
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
    for rank, name, retail, wholesale, multiplier in DEMO_TIERS:
        Tier.objects.get_or_create(
            rank=rank,
            defaults={
                "name": name,
                "retail_discount": Decimal(retail),
                "wholesale_discount": Decimal(wholesale),
                "points_multiplier": Decimal(multiplier),
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


def load_demo_shop(*, members=300):
    with transaction.atomic():
        users = ensure_demo_users()
        ensure_demo_tiers()
    created = ensure_demo_members(count=members)
    ensure_demo_rewards()
    return {"users": users, "members_created": created}
