"""Random sequences of sales, redemptions, refunds, adjustments and expiries
keep the ledger's promises after every step."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db.models import F, Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from config.clock import shop_date
from config.errors import LoyaltyError
from config.money import round_money
from config.roles import OWNER
from loyalty.sale import quote_purchase, record_purchase
from members.models import Member
from points.behaviour import adjust_points
from points.expiry import expire_points
from points.models import LedgerEntry, LotDraw, ProgrammeRules, Purchase
from points.refund import refund_purchase
from points.selectors import ledger_mismatches, lot_mismatches
from tests.factories import MemberFactory, TierFactory, UserFactory, programme_rules

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
percent = st.integers(1, 100)
# A sale redeems no points or a percentage of the most it may.
sales = st.tuples(st.just("sale"), amounts, st.just(0) | percent)
steps = st.lists(
    st.one_of(
        sales,
        sales,  # sales are most of a shop's day, and what the other steps act on
        sales,
        # Which sale, and the percentage of what is left to refund (None: all of it).
        st.tuples(st.just("refund"), st.integers(0, 20), st.none() | st.integers(1, 100)),
        st.tuples(st.just("adjust"), st.integers(-2000, 2000)),
        # The owner takes a percentage of the balance away (spending earned points).
        st.tuples(st.just("spend"), percent),
        st.tuples(st.just("wait"), st.integers(1, 400)),
        st.tuples(st.just("expire")),
    ),
    min_size=1,
    max_size=25,
)


class LedgerInvariants(TestCase):
    def setUp(self):
        programme_rules(expiry_policy=ProgrammeRules.ExpiryPolicy.MONTHS, expiry_months=6)
        tier = TierFactory(rank=1, retail_discount=Decimal("7"), points_multiplier=Decimal("1.3"))
        self.member = MemberFactory(tier=tier)
        self.owner = UserFactory(username="owner")
        self.owner.groups.add(Group.objects.get_or_create(name=OWNER)[0])
        self.keys = 0

    def key(self):
        self.keys += 1
        return f"p{self.keys}"

    def apply(self, step):
        name, *args = step
        if name == "sale":
            amount, share = args
            points = 0
            if share:
                quote = quote_purchase(member=self.member, amount=amount, at=self.clock)
                points = quote.max_redeemable_points * share // 100
            record_purchase(
                member=self.member,
                amount=amount,
                points_to_redeem=points,
                idempotency_key=self.key(),
                at=self.clock,
            )
        elif name == "refund":
            index, percent = args
            sales = list(Purchase.objects.order_by("id"))
            if not sales:
                return
            sale = sales[index % len(sales)]
            amount = None
            if percent is not None:
                left = sale.amount_paid - sale.refunded_amount
                amount = max(round_money(left * percent / 100), Decimal("0.01"))
            refund = refund_purchase(purchase=sale, amount=amount, idempotency_key=self.key())
            if refund.points_shortfall:
                event("refund with a shortfall")
        elif name == "adjust":
            adjust_points(
                member=self.member,
                points=args[0],
                reason="property test",
                idempotency_key=self.key(),
                by=self.owner,
            )
        elif name == "spend":
            balance = Member.objects.get(pk=self.member.pk).points_balance
            adjust_points(
                member=self.member,
                points=-max(balance * args[0] // 100, 1),
                reason="property test",
                idempotency_key=self.key(),
                by=self.owner,
            )
        elif name == "wait":
            self.clock = min(self.clock + timedelta(days=args[0]), timezone.now())
        elif expire_points(as_of=shop_date(self.clock)):
            event("points expired")

    def check_invariants(self):
        member = Member.objects.get(pk=self.member.pk)
        assert member.points_balance >= 0
        assert not ledger_mismatches().exists()
        assert not lot_mismatches().exists()
        lots = LedgerEntry.objects.filter(remaining__isnull=False)
        assert not lots.filter(remaining__gt=F("points")).exists()
        # Every spend drew exactly its points from lots; every return gave exactly its points.
        for entry in LedgerEntry.objects.filter(remaining__isnull=True).prefetch_related("draws"):
            assert sum(d.points for d in entry.draws.all()) == abs(entry.points), entry
        # Returns never give back more than their spend took.
        for spend in LedgerEntry.objects.filter(points__lt=0).annotate(
            back=Sum("reversals__points")
        ):
            assert (spend.back or 0) <= -spend.points
        assert not LotDraw.objects.filter(points__lte=0).exists()
        # Cached spend figures follow the sales and refunds.
        sales = Purchase.objects.all()
        assert member.purchase_count == sales.count()
        net = sum((p.amount_paid - p.refunded_amount for p in sales), Decimal("0"))
        assert member.lifetime_spend == net
        for sale in sales.prefetch_related("refunds"):
            refunds = sale.refunds.all()
            assert sale.refunded_amount == sum((r.amount for r in refunds), Decimal("0"))
            owed = sum(r.points_reversed + r.points_shortfall for r in refunds)
            assert owed <= sale.points_earned
            assert sum(r.points_returned for r in refunds) <= sale.points_redeemed
            if sale.refunded_amount == sale.amount_paid and refunds:
                assert owed == sale.points_earned
                assert sum(r.points_returned for r in refunds) == sale.points_redeemed

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(steps=steps)
    def test_ledger_adds_up_after_every_step(self, steps):
        # setUp runs once per test, each example in its own rolled-back transaction.
        self.clock = timezone.now() - timedelta(days=900)
        for step in steps:
            balance_before = Member.objects.get(pk=self.member.pk).points_balance
            try:
                self.apply(step)
            except LoyaltyError as error:
                event(f"{step[0]} refused: {error.code}")
                # A refusal changes nothing.
                assert Member.objects.get(pk=self.member.pk).points_balance == balance_before
            else:
                event(f"{step[0]} done")
            self.check_invariants()
        if LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRY).exists():
            event("some points expired")
