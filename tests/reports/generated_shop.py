"""A small shop generated through the real services, for checking the
dashboard against plain, slow recomputations (test_figures_agree).

Fourteen months up to today, replayed in time order with the clock set to
each moment: members joining (one whose joined date comes after their
first sale, as an import may leave it), sales with points used as cash,
upgrades earned by spend, tiers set by hand up and down, refunds on the
day, a few weeks or months later (across the month and the period
boundaries, some in full), campaigns (every Saturday for all, the 18th for
Gold with a bonus, one across the period's start), rewards redeemed and
one cancelled, an adjustment, and the points expiry on every 1st.
"""

import heapq
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from campaigns.models import Campaign
from config.clock import add_months, shop_day_start, shop_today
from loyalty.sale import quote_purchase, record_purchase
from members.models import Member
from points.behaviour import adjust_points
from points.expiry import expire_points
from points.models import ProgrammeRules
from points.refund import refund_purchase
from reports.periods import Period
from rewards.models import RewardRedemption
from rewards.services import cancel_redemption, redeem_reward
from tests.clock import clock_at
from tests.factories import CampaignFactory, MemberFactory, RewardFactory, programme_rules
from tiers.services import set_tier


def moment(day: date, hour=12, minute=0) -> datetime:
    return shop_day_start(day) + timedelta(hours=hour, minutes=minute)


def periods(today=None):
    """The ranges the checks look at: the default (last 12 months), the
    third month back alone, and this month so far."""
    today = today or shop_today()
    month = add_months(today.replace(day=1), -3)
    return [
        Period.default(today),
        Period(month, add_months(month, 1) - timedelta(days=1)),
        Period(today.replace(day=1), today),
    ]


class Shop:
    def __init__(self, tiers, owner, seed=19):
        self.tiers, self.owner = tiers, owner
        self.rng = random.Random(seed)
        self.today = shop_today()
        self.first_day = add_months(self.today.replace(day=1), -14)
        self.events = []  # a heap of (moment, order, action)
        self.order = 0

    def at(self, when, action):
        """Do `action` at `when` (an action may plan later ones)."""
        self.order += 1
        heapq.heappush(self.events, (when, self.order, action))

    def build(self):
        silver, gold = self.tiers["silver"], self.tiers["gold"]
        silver.qualify_lifetime_spend = Decimal("4000")
        silver.save()
        gold.qualify_lifetime_spend = Decimal("11000")
        gold.save()
        programme_rules(expiry_policy=ProgrammeRules.ExpiryPolicy.MONTHS, expiry_months=4)
        self._campaigns()
        members = [self._member(index) for index in range(14)]
        for index, person in enumerate(members):
            self._sales(index, person)
        self._fixed(members)
        self._by_hand(members)
        self._rewards(members)
        self.at(moment(add_months(self.today, -2)), lambda: self._adjust(members[3], 30))
        day = add_months(self.first_day, 1)
        while day <= self.today:
            self.at(moment(day, 0, 30), lambda day=day: expire_points(as_of=day))
            day = add_months(day, 1)
        while self.events:
            when, _order, action = heapq.heappop(self.events)
            with clock_at(when):
                action()
        return self

    # ------------------------------------------------------------ set-up

    def _campaigns(self):
        saturdays = add_months(self.today.replace(day=1), -5)
        self.saturday = CampaignFactory(
            name="Saturday ×2",
            starts_on=saturdays,
            ends_on=saturdays + timedelta(days=40),
            schedule=Campaign.Schedule.WEEKDAYS,
            weekdays=[5],
        )
        eighteenth = add_months(self.today.replace(day=1), -5)
        self.gold_18th = CampaignFactory(
            name="Gold 18th",
            starts_on=eighteenth,
            ends_on=add_months(eighteenth, 3),
            schedule=Campaign.Schedule.MONTH_DAYS,
            month_days=[18],
            multiplier=Decimal("1.5"),
            bonus_points=50,
            tiers=[self.tiers["gold"]],
        )
        start = Period.default(self.today).start
        self.across = CampaignFactory(
            name="Across the period's start",
            starts_on=start - timedelta(days=10),
            ends_on=start + timedelta(days=10),
            multiplier=Decimal("3"),
        )

    def _fixed(self, members):
        """What the checks need whatever the dice say: a sale with points
        used just before the default period, lifted by the campaign across
        its start and refunded after that campaign ended, inside the period;
        a Saturday ×2 sale refunded during that campaign; a Gold sale on a
        Gold 18th."""
        first, gold = members[0], members[4]
        self.at(moment(self.first_day + timedelta(days=1)), lambda: self._adjust(first, 500))
        start = Period.default(self.today).start
        before = moment(start - timedelta(days=5), 14)
        self.at(
            before,
            lambda: self._sale(
                first,
                Decimal("1000"),
                "gen-fixed-1",
                before,
                (before + timedelta(days=30), Decimal("0.5")),
                points=200,
            ),
        )
        saturday = self.saturday.starts_on
        while saturday.weekday() != 5:
            saturday += timedelta(days=1)
        on_saturday = moment(saturday, 16)
        self.at(
            on_saturday,
            lambda: self._sale(
                first,
                Decimal("800"),
                "gen-fixed-2",
                on_saturday,
                (on_saturday + timedelta(days=2), Decimal("0.25")),
            ),
        )
        on_18th = moment(add_months(self.gold_18th.starts_on, 1).replace(day=18), 13)
        self.at(on_18th, lambda: self._sale(gold, Decimal("2000"), "gen-fixed-3", on_18th, None))
        imported = moment(periods(self.today)[1].start + timedelta(days=9), 11)
        self.at(
            imported,
            lambda: self._sale(members[2], Decimal("600"), "gen-fixed-4", imported, None),
        )

    def _member(self, index):
        # The first nine early enough for the tiers by hand and the rewards.
        joined = self.first_day + timedelta(days=self.rng.randrange(0, 200 if index < 9 else 380))
        if index == 0:
            joined = self.first_day  # the longest-standing member
        if index == 1:
            joined = self.today - timedelta(days=5)  # new, no sale in the periods' past
        person = MemberFactory(tier=self.tiers["member"], joined_on=joined)
        if index == 2:
            # Imported with a joined date later than their first sale here.
            Member.objects.filter(pk=person.pk).update(joined_on=self.today)
            person.joined_on = joined
        return person

    def _sales(self, index, person):
        first = max(person.joined_on, self.first_day)
        span = (self.today - first).days
        if span <= 1:
            return
        count = 12 if index == 0 else self.rng.randrange(2, 10)
        for number in range(count):
            day = first + timedelta(days=self.rng.randrange(0, span))
            when = moment(day, self.rng.randrange(9, 22), self.rng.randrange(0, 60))
            amount = Decimal(self.rng.randrange(200, 3000, 10))
            key = f"gen-sale-{person.pk}-{number}"
            refund = self._refund_plan(when)
            self.at(
                when, lambda p=person, a=amount, k=key, w=when, r=refund: self._sale(p, a, k, w, r)
            )

    def _refund_plan(self, when):
        """None, or (when, share) of a refund of this sale: the same day, weeks
        later or months later; some in full."""
        roll = self.rng.random()
        if roll > 0.3:
            return None
        later = self.rng.choice([timedelta(hours=2), timedelta(days=20), timedelta(days=75)])
        share = self.rng.choice([Decimal("1"), Decimal("0.5"), Decimal("0.25")])
        refund_at = when + later
        if refund_at >= moment(self.today, 0, 1):
            return None
        return refund_at, share

    def _sale(self, person, amount, key, when, refund, points=0):
        person.refresh_from_db()
        if not points and person.points_balance >= 200 and self.rng.random() < 0.4:
            most = quote_purchase(member=person, amount=amount, at=when).max_redeemable_points
            points = most // 100 * 100 if most >= 100 else 0
        sale = record_purchase(
            member=person, amount=amount, points_to_redeem=points, idempotency_key=key, at=when
        )
        if refund:
            refund_at, share = refund
            self.at(refund_at, lambda: self._refund(sale, share))

    def _refund(self, sale, share):
        sale.refresh_from_db()
        amount = (sale.amount_paid * share).quantize(Decimal("0.01"))
        if amount <= 0:
            return
        refund_purchase(purchase=sale, amount=amount, idempotency_key=f"gen-refund-{sale.pk}")

    def _by_hand(self, members):
        gold, member = self.tiers["gold"], self.tiers["member"]
        up, down = members[4], members[5]
        self.at(
            moment(add_months(self.today, -6), 10),
            lambda: set_tier(member=up, tier=gold, reason="VIP guest", by=self.owner),
        )
        self.at(
            moment(add_months(self.today, -2), 10),
            lambda: self._set_down(down, member),
        )

    def _set_down(self, person, tier):
        person.refresh_from_db()
        if person.tier_id != tier.pk:
            set_tier(member=person, tier=tier, reason="Asked to leave the tier", by=self.owner)

    def _rewards(self, members):
        reward = RewardFactory(points_cost=100, stock=50)
        for index, person in enumerate(members[6:9]):
            when = moment(add_months(self.today, -4) + timedelta(days=index), 15)
            self.at(when, lambda p=person, i=index: self._redeem(p, reward, i))

    def _redeem(self, person, reward, index):
        person.refresh_from_db()
        if person.points_balance < reward.points_cost:
            return
        redemption = redeem_reward(
            member=person, reward=reward, idempotency_key=f"gen-reward-{person.pk}"
        )
        if index == 0:
            cancel_at = moment(add_months(self.today, -3), 11)
            self.at(cancel_at, lambda: self._cancel(redemption))

    def _cancel(self, redemption):
        redemption = RewardRedemption.objects.get(pk=redemption.pk)
        cancel_redemption(redemption=redemption, reason="Changed their mind")

    def _adjust(self, person, points):
        adjust_points(
            member=person,
            points=points,
            reason="Goodwill",
            idempotency_key=f"gen-adjust-{person.pk}-{points}",
            by=self.owner,
        )


def build_generated_shop(tiers, owner):
    return Shop(tiers, owner).build()
