"""The synthetic shop's members and their history: `ShopGenerator`
simulates each member's timeline, and `generate_shop` sets up the
programme, runs the generator a chunk of members at a time and writes the rows.
"""

import math
import random
from array import array
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from math import gcd

from django.core.management.color import no_style
from django.db import connection, transaction

from config.clock import shop_day_start, shop_today
from demo.synthetic.ledger_rows import Kind, LedgerRows, MemberState
from demo.synthetic.programme import (
    BIRTHDAY_POINTS,
    CAMPAIGN_DAY,
    EARN_PER_CENTS,
    JOIN_POINTS,
    MAX_BILL_SHARE,
    MIN_REDEEM,
    REDEEM_CENTS,
    REDEEM_POINTS,
    money,
    set_up_campaign,
    set_up_programme,
    set_up_rewards,
)
from demo.synthetic.writer import TABLES, clear_shop, set_aside_indexes, write_chunk
from members.models import Member
from members.names import name_search_key
from members.services import luhn_check_digit
from points.models import ProgrammeRules

SURNAMES = (
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅"
    + "高潘簡朱鍾彭游詹胡施沈余盧梁趙顏柯翁魏孫戴"
)
SURNAME_WEIGHTS = [11, 8, 6, 5, 5, 4, 4, 3, 3, 3] + [2] * 10 + [1] * 30
GIVEN_FIRST = "怡雅家志俊建宗冠佳欣淑美承柏彥品詩思子宇宜婷偉明文育靜瑋翊昱嘉郁凱信哲安晨翔佩惠"
GIVEN_SECOND = "君婷豪明傑宏翰宇穎怡芬玲廷均瑄涵妤萱文軒霖庭華慧珊如瑜蓉恩平賢誠成儀琪雯婕綺蓁安"
LATIN_GIVEN = [
    "Amy",
    "Jason",
    "Kevin",
    "Vivian",
    "Grace",
    "Eric",
    "Sandy",
    "Tony",
    "Irene",
    "Allen",
    "Joyce",
    "Vincent",
    "Cindy",
    "Ray",
]
LATIN_SURNAMES = [
    "Chen",
    "Lin",
    "Huang",
    "Chang",
    "Lee",
    "Wang",
    "Wu",
    "Liu",
    "Tsai",
    "Yang",
    "Hsu",
    "Cheng",
]

ZERO = Decimal("0")


def _coprime(rng, modulus):
    while True:
        factor = rng.randrange(modulus // 3, modulus)
        if gcd(factor, modulus) == 1:
            return factor


@dataclass
class Counts:
    members: int = 0
    purchases: int = 0
    reward_redemptions: int = 0
    ledger_entries: int = 0
    lot_draws: int = 0


class ShopGenerator(LedgerRows):
    """Simulates members one after the other; see `generate_shop`."""

    def __init__(self, *, seed, years, end, tiers, programme, rules, rewards, campaign):
        self.rng = random.Random(seed)
        self.programme = programme  # ProgrammeRules: the lots' expiry policy
        self.end = end.toordinal()  # data covers the days before `end`
        self.start = self.end - round(years * 365)
        self.tiers = tiers  # [(Tier, TIERS row)] by rank
        self.rules = rules  # {BehaviourRule code: (id, name)}
        self.rewards = rewards  # [(Reward id, name, points cost)], cheapest first
        self.campaign_start = campaign.starts_on
        # As points.sale keeps campaign_terms' explanation lines.
        self.campaign_line = {
            "campaign": campaign.name,
            "campaign_id": str(campaign.pk),
            "why": f"Every month on day {CAMPAIGN_DAY}",
            "multiplier": "2",
            "bonus": "0",
        }
        # Member numbers and phones: an affine map of the member's index
        # modulo the number space, so they look random yet never collide.
        self.number_mul, self.number_add = _coprime(self.rng, 9 * 10**8), self.rng.randrange(10**8)
        self.phone_mul, self.phone_add = _coprime(self.rng, 10**8), self.rng.randrange(10**8)
        self.day_starts = {}
        self.joined = array("i")  # each member's joining day, by id - 1
        self.next_purchase_id = self.next_entry_id = self.next_draw_id = 1
        self.next_redemption_id = 1
        self.counts = Counts()

    # -- small helpers -------------------------------------------------------
    def moment(self, day, seconds):
        start = self.day_starts.get(day)
        if start is None:
            start = self.day_starts[day] = shop_day_start(date.fromordinal(day))
        return start + timedelta(seconds=seconds)

    def member_number(self, index):
        body = str(10**8 + (index * self.number_mul + self.number_add) % (9 * 10**8))
        return body + luhn_check_digit(body)

    def phone(self, index):
        return f"+8869{(index * self.phone_mul + self.phone_add) % 10**8:08d}"

    def name(self):
        rng = self.rng
        if rng.random() < 0.06:
            return f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_SURNAMES)}"
        surname = rng.choices(SURNAMES, cum_weights=self._surname_cum)[0]
        name = surname + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)
        # Some members from Hong Kong or the mainland write Simplified.
        return name_search_key(name) if rng.random() < 0.1 else name

    _surname_cum = [sum(SURNAME_WEIGHTS[: i + 1]) for i in range(len(SURNAME_WEIGHTS))]

    def tier_for(self, spend_cents):
        current = self.tiers[0]
        for tier in self.tiers:
            if spend_cents >= tier[1][5] * 100:
                current = tier
        return current

    # -- one member --------------------------------------------------------------
    def member(self, index, member_id, out):
        """Simulate one member and append their rows to `out` (dict of lists)."""
        rng = self.rng
        span = self.end - self.start
        joined = self.start + int(span * rng.random() ** 0.6)  # more join lately
        join_seconds = rng.randrange(10 * 3600, 21 * 3600)
        name = self.name()
        birthday = None
        if rng.random() < 0.85:
            birthday = date.fromordinal(joined) - timedelta(days=rng.randrange(18 * 365, 75 * 365))
        self.joined.append(joined)
        referred_by = None
        if member_id > 50 and rng.random() < 0.15:
            # Someone already enrolled brought them (a few tries, else nobody).
            for _try in range(3):
                candidate = rng.randrange(1, member_id)
                if self.joined[candidate - 1] < joined:
                    referred_by = candidate
                    break

        events = [(joined, join_seconds, "join")]
        # Skewed activity: a quarter never buy, the rest at a log-normal rate
        # until they drift away; spend per visit is log-normal around the
        # member's own level.
        if rng.random() >= 0.25:
            rate = min(rng.lognormvariate(math.log(6), 1.0), 100) / 365
            stays = joined + int(rng.expovariate(1 / 1000))
            level = rng.lognormvariate(math.log(900), 0.6)
            day = joined + rng.random() * 14
            while True:
                day += rng.expovariate(rate)
                if day >= min(stays, self.end):
                    break
                gross = max(50, round(rng.lognormvariate(math.log(level), 0.5)))
                seconds = rng.randrange(10 * 3600, 21 * 3600)
                if int(day) == joined:  # a first sale on the day they join comes after
                    seconds = max(seconds, join_seconds + 60)
                events.append((int(day), seconds, "sale", gross))
        if birthday:
            for year in range(date.fromordinal(joined).year, date.fromordinal(self.end).year + 1):
                try:
                    day = birthday.replace(year=year).toordinal()
                except ValueError:  # 29 February
                    day = date(year, 3, 1).toordinal()
                if joined < day < self.end:
                    events.append((day, 9 * 3600, "birthday"))
        for year in range(date.fromordinal(joined).year + 1, date.fromordinal(self.end).year + 1):
            day = date(year, 1, 1).toordinal()
            if day < self.end:
                events.append((day, 0, "expiry"))  # the nightly run, at midnight
        events.sort(key=lambda event: (event[0], event[1]))

        state = MemberState(member_id)
        tier = self.tiers[0]
        tier_since = self.moment(joined, join_seconds)
        for event in events:
            at = self.moment(event[0], event[1])
            kind = event[2]
            if kind == "join":
                self.behaviour(state, out, "join", JOIN_POINTS, at, f"join:{member_id}")
            elif kind == "birthday":
                key = f"birthday:{member_id}:{at.year}"
                self.behaviour(state, out, "birthday", BIRTHDAY_POINTS, at, key)
            elif kind == "expiry":
                self.expire(state, out, event[0], at)
            else:
                self.sale(state, out, event[3], at, tier)
                new_tier = self.tier_for(state.spend_cents)
                if new_tier is not tier:
                    tier, tier_since = new_tier, at

        balance = sum(lot[2] for lot in state.lots)
        assert balance == state.balance, (member_id, balance, state.balance)
        created = self.moment(joined, join_seconds)
        phone = self.phone(index)
        out["members"].append(
            [
                member_id,
                self.member_number(index),
                phone,
                phone[-4:],
                name,
                name_search_key(name),
                f"m{member_id}@example.com" if rng.random() < 0.4 else "",
                birthday,
                rng.choice("fmfmo") if rng.random() < 0.7 else "",
                date.fromordinal(joined),
                referred_by,
                "",
                Member.Status.ACTIVE if rng.random() > 0.002 else Member.Status.BLOCKED,
                tier[0].pk,
                tier_since,
                None,
                None,
                state.balance,
                money(state.spend_cents),
                state.purchases,
                state.last_purchase_at,
                rng.random() < 0.05,
                created,
                created,
                None,
            ]
        )
        self.counts.members += 1

    def sale(self, state, out, gross, at, tier):
        tier, (_rank, _name, percent, _wholesale, multiplier, _threshold) = tier
        rng = self.rng
        purchase_id = self.next_purchase_id
        self.next_purchase_id += 1
        gross_cents = gross * 100
        discount_cents = (gross_cents * percent + 50) // 100
        payable = gross_cents - discount_cents
        redeem = 0
        if state.balance >= MIN_REDEEM and rng.random() < 0.35:
            most = payable * MAX_BILL_SHARE // 100 * REDEEM_POINTS // REDEEM_CENTS
            redeem = min(state.balance, most) // REDEEM_POINTS * REDEEM_POINTS
            if redeem < MIN_REDEEM:
                redeem = 0
        redeemed_cents = redeem * REDEEM_CENTS // REDEEM_POINTS
        paid = payable - redeemed_cents
        # The shop's campaign: double points on the 18th, its last half-year.
        campaign = 2 if at.day == CAMPAIGN_DAY and at.date() >= self.campaign_start else 1
        earned = paid * multiplier * campaign // (EARN_PER_CENTS * 10)
        key = f"syn-sale-{purchase_id}"
        detail = {
            "eligible_amount": str(money(paid)),
            "earn_points": 1,
            "earn_per_amount": str(money(EARN_PER_CENTS)),
            "tier": tier.name,
            "tier_multiplier": str(tier.points_multiplier),
            "campaign_multiplier": str(campaign),
            "base_points": earned,
            "bonuses": [],
            "explanation": [self.campaign_line] if campaign > 1 else [],
        }
        out["purchases"].append(
            [
                purchase_id,
                state.member_id,
                key,
                at,
                money(gross_cents),
                False,
                tier.retail_discount,
                money(discount_cents),
                redeem,
                money(redeemed_cents),
                money(paid),
                earned,
                detail,
                tier.pk,
                ZERO,
                "",
                None,
            ]
        )
        self.counts.purchases += 1
        if redeem:
            self.redeem(state, out, redeem, at, f"{key}:redeem", purchase_id)
        if earned:
            reason = f"Sale #{purchase_id}"
            self.entry(
                state,
                out,
                Kind.PURCHASE_EARN,
                earned,
                at,
                f"{key}:earn",
                reason,
                purchase_id,
                lot=True,
            )
        state.spend_cents += paid
        state.purchases += 1
        state.last_purchase_at = at
        if state.balance >= self.rewards[0][2] and rng.random() < 0.08:
            affordable = [r for r in self.rewards if r[2] <= state.balance]
            self.take_reward(state, out, rng.choice(affordable), at + timedelta(minutes=1))


def generate_shop(
    *, members, years, seed=1, end=None, replace=False, chunk=10_000, progress=None
) -> Counts:
    """Write a synthetic shop of `members` members with `years` of history
    ending the day before `end` (default: the shop's today) into an empty
    database, or in place of its members, sales and ledger with `replace`
    (in the same transaction: a failed load keeps the old shop). Returns the
    row counts."""
    if not replace and Member.objects.exists():
        raise ValueError("the database already has members: clear them first (--replace)")
    end = end or shop_today()
    with transaction.atomic():
        tiers, rules = set_up_programme()
        campaign = set_up_campaign(end)
        rewards = set_up_rewards()
    generator = ShopGenerator(
        seed=seed,
        years=years,
        end=end,
        tiers=tiers,
        programme=ProgrammeRules.current(),
        rules=rules,
        rewards=rewards,
        campaign=campaign,
    )
    on_postgres = connection.vendor == "postgresql"
    # One transaction: a failed load leaves nothing behind, not even the
    # indexes set aside on PostgreSQL.
    with transaction.atomic(), connection.cursor() as cursor:
        if replace:
            clear_shop()
        # Tables truncated in this transaction take COPY FREEZE: rows written
        # frozen and all-visible, so no vacuum or hint-bit writes follow the load.
        freeze = replace and on_postgres
        rebuild = []
        if on_postgres and members >= 10_000:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            rebuild = set_aside_indexes(cursor)
        for first in range(0, members, chunk):
            out = {key: [] for key, _model, _columns in TABLES}
            for index in range(first, min(first + chunk, members)):
                generator.member(index, index + 1, out)
            write_chunk(out, freeze=freeze)
            if progress:
                progress(generator.counts)
        if rebuild and progress:
            progress(generator.counts, "building indexes")
        for statement in rebuild:
            cursor.execute(statement)
        for statement in connection.ops.sequence_reset_sql(no_style(), [m for _k, m, _c in TABLES]):
            cursor.execute(statement)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for _key, model, _columns in TABLES:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return generator.counts
