from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

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


# --- points ------------------------------------------------------------------


def programme_rules(**changes):
    """The one ProgrammeRules row with `changes` applied (defaults: 1 point per 1,
    100 points = 50, at least 100 per redemption, at most 50 % of a bill)."""
    from points.models import ProgrammeRules

    rules = ProgrammeRules.current()
    for name, value in changes.items():
        setattr(rules, name, value)
    rules.save()
    return rules


def give_points(member, points, *, at=None, key=None, kind="opening_balance"):
    """Points for set-up, through the ledger (a lot dated `at`)."""
    import uuid

    from django.db import transaction

    from points.ledger import grant_points, lock_member

    with transaction.atomic():
        locked = lock_member(member)
        entry = grant_points(
            member=locked,
            points=points,
            kind=kind,
            idempotency_key=key or f"test-{uuid.uuid4()}",
            at=at,
        )
    member.points_balance = locked.points_balance
    return entry


class BehaviourRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "points.BehaviourRule"
        django_get_or_create = ("code",)

    action = "custom"
    code = factory.Sequence(lambda n: f"action-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    points = 50


class CampaignFactory(factory.django.DjangoModelFactory):
    """A running every-day ×2 campaign for all members (for reads and set-up)."""

    class Meta:
        model = "campaigns.Campaign"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Campaign {n}")
    starts_on = factory.LazyFunction(shop_today)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=30))
    multiplier = Decimal("2")

    @factory.post_generation
    def tiers(self, create, extracted, **kwargs):
        if create and extracted:
            self.tiers.set(extracted)


# --- rewards -----------------------------------------------------------------


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


def member_with_points(points, **kwargs):
    """A member (MemberFactory kwargs) holding `points` in one lot."""
    member = MemberFactory(**kwargs)
    give_points(member, points)
    return member


# --- dashboard (rows written directly, for reads) --------------------------------


class PurchaseFactory(factory.django.DjangoModelFactory):
    """A sale row as record_purchase would leave it (for reads: the dashboard)."""

    class Meta:
        model = "points.Purchase"

    member = factory.SubFactory(MemberFactory)
    idempotency_key = factory.Sequence(lambda n: f"test-sale-{n}")
    created_at = factory.LazyFunction(timezone.now)
    gross_amount = factory.LazyAttribute(lambda o: o.amount_paid or Decimal("1"))
    amount_paid = Decimal("100")
    tier = factory.LazyAttribute(lambda o: o.member.tier)


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """A ledger row written directly (for reads); earning rows are lots."""

    class Meta:
        model = "points.LedgerEntry"

    member = factory.SubFactory(MemberFactory)
    kind = "purchase_earn"
    points = 100
    remaining = factory.LazyAttribute(lambda o: o.points if o.points > 0 else None)
    created_at = factory.LazyFunction(timezone.now)
    idempotency_key = factory.Sequence(lambda n: f"test-entry-{n}")


# --- stores -------------------------------------------------------------------


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stores.Store"

    name = factory.Sequence(lambda n: f"Store {n}")


def only_store(**kwargs):
    """The shop's one active store (the migration's, or a new one): every
    other store closed, as a shop that never opened a second one."""
    from stores.models import Store

    store = Store.objects.order_by("id").first() or StoreFactory(**kwargs)
    Store.objects.exclude(pk=store.pk).update(is_active=False)
    Store.objects.filter(pk=store.pk).update(is_active=True)
    return store


def store_manager_user(*, stores=(), **kwargs):
    from config.roles import STORE_MANAGER

    user = UserFactory(role=STORE_MANAGER, **kwargs)
    for store in stores:
        store.staff.add(user)
    return user
