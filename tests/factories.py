from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from config.clock import shop_today
from config.roles import OWNER, STAFF
from members.models import Member
from members.names import name_search_key
from members.services import new_member_number
from tiers.models import Tier


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("rank",)

    rank = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Tier {o.rank}")
    retail_discount = Decimal("0")
    wholesale_discount = Decimal("0")
    points_multiplier = Decimal("1")


class MemberFactory(factory.django.DjangoModelFactory):
    """A member row as enrol_member would write it (for reads and set-up)."""

    class Meta:
        model = Member

    phone = factory.Sequence(lambda n: f"+8869{10000000 + n:08d}")
    phone_tail = factory.LazyAttribute(lambda o: o.phone[-4:])
    name = factory.Sequence(lambda n: f"Member {n}")
    name_key = factory.LazyAttribute(lambda o: name_search_key(o.name))
    member_number = factory.LazyFunction(new_member_number)
    joined_on = factory.LazyFunction(shop_today)
    tier = factory.LazyFunction(lambda: Tier.objects.lowest_active() or TierFactory(rank=1))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-for-tests")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
            self.is_staff = extracted == OWNER
        self.save()


def owner_user(**kwargs):
    return UserFactory(role=OWNER, **kwargs)


def staff_user(**kwargs):
    return UserFactory(role=STAFF, **kwargs)


class RewardFactory(factory.django.DjangoModelFactory):
    """An active goods reward anyone can redeem, 100 points, 10 in stock."""

    class Meta:
        model = "rewards.Reward"

    name = factory.Sequence(lambda n: f"Reward {n}")
    kind = "goods"
    points_cost = 100
    stock = 10


def coupon_reward(**kwargs):
    """A coupon reward: NT$50 off, valid 30 days, unless told otherwise."""
    terms = {"coupon_value": Decimal("50"), "coupon_valid_days": 30}
    if "coupon_percent" in kwargs:
        terms.pop("coupon_value")
    return RewardFactory(kind="coupon", **{**terms, **kwargs})
