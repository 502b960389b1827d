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
