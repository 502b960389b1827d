"""A synthetic shop for benchmarks: tiers, programme rules, a campaign,
members, sales and a points ledger that adds up, written fast enough for a
million members.

Deterministic: the same seed, size, years and end day give the same rows
(ids included). Every member is simulated on their own timeline (join bonus,
sales with points used as cash, catalogue rewards, birthday points, the
year-end expiry run), so the cached Member figures equal the ledger exactly.

PostgreSQL gets the rows through COPY, a chunk of members at a time, with
the indexes built once at the end; any other database (SQLite for tests)
through bulk_create. The whole load is one transaction.
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
from psycopg.types.json import Jsonb

from campaigns.models import Campaign
from config.clock import shop_day_start, shop_today
from members.models import Member
from members.names import name_search_key
from members.services import luhn_check_digit
from points.models import BehaviourRule, LedgerEntry, LotDraw, ProgrammeRules, Purchase, Refund
from rewards.models import Coupon, Reward, RewardRedemption
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

MEMBER_COLUMNS = [
    "id",
    "member_number",
    "phone",
    "phone_tail",
    "name",
    "name_key",
    "email",
    "birthday",
    "gender",
    "joined_on",
    "referred_by_id",
    "notes",
    "status",
    "tier_id",
    "tier_since",
    "tier_grace_until",
    "tier_pinned_until",
    "points_balance",
    "lifetime_spend",
    "purchase_count",
    "last_purchase_at",
    "messages_opt_out",
    "created_at",
    "updated_at",
    "created_by_id",
]
PURCHASE_COLUMNS = [
    "id",
    "member_id",
    "idempotency_key",
    "created_at",
    "gross_amount",
    "wholesale",
    "discount_percent",
    "discount_amount",
    "points_redeemed",
    "redeemed_value",
    "amount_paid",
    "points_earned",
    "earning_detail",
    "tier_id",
    "refunded_amount",
    "note",
    "by_id",
]
LEDGER_COLUMNS = [
    "behaviour_rule_id",
    "reverses_id",
    "id",
    "member_id",
    "kind",
    "points",
    "remaining",
    "expires_on",
    "created_at",
    "idempotency_key",
    "reason",
    "purchase_id",
    "refund_id",
    "by_id",
    "reward_redemption_id",
]
REDEMPTION_COLUMNS = [
    "id",
    "member_id",
    "reward_id",
    "quantity",
    "points_spent",
    "source",
    "status",
    "reason",
    "idempotency_key",
    "created_at",
    "by_id",
    "fulfilled_at",
    "fulfilled_by_id",
    "cancelled_at",
    "cancelled_by_id",
    "cancel_reason",
]
DRAW_COLUMNS = ["id", "entry_id", "lot_id", "points"]
# In the order they are written; the key names the list of rows in a chunk.
TABLES = [
    ("members", Member, MEMBER_COLUMNS),
    ("purchases", Purchase, PURCHASE_COLUMNS),
    ("redemptions", RewardRedemption, REDEMPTION_COLUMNS),
    ("entries", LedgerEntry, LEDGER_COLUMNS),
    ("draws", LotDraw, DRAW_COLUMNS),
]
Kind = LedgerEntry.Kind
ZERO = Decimal("0")


def money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


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


class ShopGenerator:
    """Simulates members one after the other; see `generate_shop`."""

    def __init__(self, *, seed, years, end, tiers, rules, rewards, campaign):
        self.rng = random.Random(seed)
        self.end = end.toordinal()  # data covers the days before `end`
        self.start = self.end - round(years * 365)
        self.tiers = tiers  # [(Tier, TIERS row)] by rank
        self.rules = rules  # {BehaviourRule code: (id, name)}
        self.rewards = rewards  # [(Reward id, name, points cost)], cheapest first
        self.campaign_start = campaign.starts_on
        # As points.services keeps campaign_terms' explanation lines.
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

        state = _MemberState(member_id)
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

    # -- ledger operations, as the points services do them -------------------
    def entry(self, state, out, kind, points, at, key, reason="", purchase_id=None, **more):
        entry_id = self.next_entry_id
        self.next_entry_id += 1
        lot = more.get("lot", False)
        # Year-end policy: the end of the year after the one it was earned in
        # (`at` is in the shop's time zone).
        expires_on = date(at.year + 1, 12, 31) if lot else None
        row = [
            more.get("rule_id"),
            None,
            entry_id,
            state.member_id,
            kind,
            points,
            points if lot else None,
            expires_on,
            at,
            key,
            reason,
            purchase_id,
            None,
            None,
            more.get("redemption_id"),
        ]
        out["entries"].append(row)
        self.counts.ledger_entries += 1
        state.balance += points
        if lot:
            state.lots.append([entry_id, expires_on.toordinal(), points, row, at])
        return entry_id

    def behaviour(self, state, out, code, points, at, key):
        rule_id, name = self.rules[code]
        self.entry(
            state, out, Kind.BEHAVIOUR_EARN, points, at, key, name, rule_id=rule_id, lot=True
        )

    def spend(self, state, out, kind, draws, at, key, reason="", purchase_id=None, **more):
        """One negative entry for `draws` [(lot, points)], one LotDraw each."""
        total = sum(take for _lot, take in draws)
        entry_id = self.entry(state, out, kind, -total, at, key, reason, purchase_id, **more)
        for lot, take in draws:
            lot[2] -= take
            lot[3][6] = lot[2]  # the lot row's `remaining`
            out["draws"].append([self.next_draw_id, entry_id, lot[0], take])
            self.next_draw_id += 1
            self.counts.lot_draws += 1
        state.lots = [lot for lot in state.lots if lot[2] > 0]

    @staticmethod
    def first_lots(state, points):
        """Lots are kept in creation order, which is expiry order under the
        year-end policy: the first lots are the ones that expire first."""
        draws, left = [], points
        for lot in state.lots:
            if not left:
                break
            take = min(lot[2], left)
            draws.append((lot, take))
            left -= take
        return draws

    def redeem(self, state, out, points, at, key, purchase_id):
        draws = self.first_lots(state, points)
        reason = f"Sale #{purchase_id}"
        self.spend(state, out, Kind.REDEEM_CASH, draws, at, key, reason, purchase_id)

    def take_reward(self, state, out, reward, at):
        """A catalogue reward handed over at the counter, as redeem_reward
        and fulfil_redemption record it."""
        reward_id, name, cost = reward
        redemption_id = self.next_redemption_id
        self.next_redemption_id += 1
        self.counts.reward_redemptions += 1
        out["redemptions"].append(
            [
                redemption_id,
                state.member_id,
                reward_id,
                1,
                cost,
                RewardRedemption.Source.REDEEMED,
                RewardRedemption.Status.FULFILLED,
                "",
                f"syn-reward-{redemption_id}",
                at,
                None,
                at,
                None,
                None,
                None,
                "",
            ]
        )
        draws = self.first_lots(state, cost)
        key = f"reward-redeem:{redemption_id}"
        self.spend(
            state, out, Kind.REWARD_REDEEM, draws, at, key, name, redemption_id=redemption_id
        )

    def expire(self, state, out, day, at):
        """The nightly run on `day`, as expire_points does it: one entry per
        lot whose last day has passed."""
        for lot in [lot for lot in state.lots if lot[1] < day]:
            expires_on = date.fromordinal(lot[1])
            reason = f"Points earned {lot[4].date()} expired after {expires_on}."
            moment = max(at, lot[4])
            self.spend(
                state, out, Kind.EXPIRY, [(lot, lot[2])], moment, f"expiry:{lot[0]}:0", reason
            )

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


class _MemberState:
    __slots__ = ("member_id", "balance", "lots", "spend_cents", "purchases", "last_purchase_at")

    def __init__(self, member_id):
        self.member_id = member_id
        self.balance = 0
        self.lots = []  # [entry id, expires_on ordinal, remaining, ledger row]
        self.spend_cents = 0
        self.purchases = 0
        self.last_purchase_at = None


# -- writing -------------------------------------------------------------------
def _copy_rows(model, columns, rows, *, freeze=False):
    # Fields added to the model since this module was written get their
    # defaults, as bulk_create would give them.
    others = [
        f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key
    ]
    defaults = [field.get_default() for field in others]
    q = connection.ops.quote_name
    names = ", ".join(q(model._meta.get_field(c).column) for c in columns)
    names += "".join(f", {q(field.column)}" for field in others)
    json_at = columns.index("earning_detail") if "earning_detail" in columns else None
    sql = f"COPY {q(model._meta.db_table)} ({names}) FROM STDIN"
    if freeze:
        sql += " WITH (FREEZE)"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            if json_at is not None:
                row[json_at] = Jsonb(row[json_at])
            copy.write_row(row + defaults if defaults else row)


def _bulk_rows(model, columns, rows):
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500
    )


def _write_chunk(out, *, freeze=False):
    for key, model, columns in TABLES:
        if not out[key]:
            continue
        if connection.vendor == "postgresql":
            _copy_rows(model, columns, out[key], freeze=freeze)
        else:
            _bulk_rows(model, columns, out[key])


def _set_aside_indexes(cursor):
    """Drop the foreign keys, unique constraints and secondary indexes of the
    tables we fill, and return the statements that build them again.

    Building an index once over ten million rows is far cheaper than keeping
    it up to date row by row; deferred foreign-key checks would also queue one
    event per row until commit. Runs inside the load's transaction, so a
    failed load leaves the schema as it was.
    """
    tables = [model._meta.db_table for _key, model, _columns in TABLES]
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint
        WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')
        ORDER BY contype, conname
        """,
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c
            WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')
          )
        ORDER BY 1
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    q = connection.ops.quote_name
    for table, name, _type, _definition in constraints:  # 'f' sorts before 'u'
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    rebuild = [definition for _name, definition in indexes]
    rebuild += [
        f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {definition}"
        for table, name, _type, definition in sorted(constraints, key=lambda c: c[2], reverse=True)
    ]
    return rebuild


def _set_up_programme():
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


def _set_up_rewards():
    rewards = []
    for name, kind, cost in REWARDS:
        reward, _created = Reward.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "points_cost": cost, "stock": None, "is_active": True},
        )
        rewards.append((reward.pk, name, cost))
    return rewards


def _set_up_campaign(end):
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


def clear_shop():
    """Delete every member, sale, reward redemption and ledger row."""
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for _k, m, _c in TABLES)
        with connection.cursor() as cursor:
            # Run deferred foreign-key checks now: TRUNCATE refuses to run
            # with them pending (a load earlier in the same transaction).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                f"TRUNCATE {tables}, points_refund, rewards_coupon RESTART IDENTITY CASCADE"
            )
        return
    for model in (LotDraw, LedgerEntry, Refund, Coupon, RewardRedemption, Purchase):
        model.objects.all().delete()
    Member.objects.update(referred_by=None)
    Member.objects.all().delete()


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
        tiers, rules = _set_up_programme()
        campaign = _set_up_campaign(end)
        rewards = _set_up_rewards()
    generator = ShopGenerator(
        seed=seed,
        years=years,
        end=end,
        tiers=tiers,
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
            rebuild = _set_aside_indexes(cursor)
        for first in range(0, members, chunk):
            out = {key: [] for key, _model, _columns in TABLES}
            for index in range(first, min(first + chunk, members)):
                generator.member(index, index + 1, out)
            _write_chunk(out, freeze=freeze)
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
