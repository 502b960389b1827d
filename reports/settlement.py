"""The stores' settlement for a date range: points issued and redeemed per
store, their cash value at the programme's rate, and what each store owes
the others or is owed for points earned in one store and spent in another.

Spending draws points from lots (points.models.LotDraw), and each lot keeps
the store where it was earned: a redemption at B drawing from a lot earned
at A moves that many points from A to B. B honoured A's points, so A owes B
their cash value. A redemption given back (a refunded sale's points, a
cancelled reward) moves them back, counted on the day it is given back at
the store of the redemption it reverses. Each flow between two stores is
valued once (rounded once) and added to one side and taken from the other,
so the nets sum to exactly zero.

Points earned at no store (birthday gifts, owner's adjustments, balances
brought from an earlier system) are the programme's own: the programme's
row shows what it owes the stores where they were spent.

Each shop day's figures are stored once it is over (members.SettlementDay,
by the nightly dashboard job), so a year sums 365 stored days and reads
only today, and any day not stored yet, from the ledger.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config import heartbeat
from config.clock import shop_day_bounds, shop_today
from members.models import SettlementDay
from points.ledger import EARNING_KINDS, SPENDING_KINDS, points_value
from points.models import LedgerEntry, LotDraw, ProgrammeRules
from stores.models import Store

Kind = LedgerEntry.Kind
# The nightly job stores each shop day once it is over, going back this far
# the first time, and stores the last few days again (see store_settlement_days).
REACH_DAYS = 400
RECOMPUTE_DAYS = 3


@dataclass
class StoreRow:
    store: Store | None  # None: the programme's own points
    issued: int = 0
    redeemed: int = 0
    issued_value: Decimal = Decimal("0")
    redeemed_value: Decimal = Decimal("0")
    honoured: int = 0  # other stores' points redeemed here
    honoured_value: Decimal = Decimal("0")
    spent_elsewhere: int = 0  # this store's points redeemed at other stores
    spent_elsewhere_value: Decimal = Decimal("0")

    @property
    def net(self) -> Decimal:
        """Positive: the store is owed this much; negative: it owes it."""
        return self.honoured_value - self.spent_elsewhere_value

    @property
    def net_abs(self) -> Decimal:
        return abs(self.net)


@dataclass
class Settlement:
    start: object
    end: object
    rows: list = field(default_factory=list)
    flows: list = field(default_factory=list)  # [(from_row, to_row, points, value)]

    @property
    def total_net(self) -> Decimal:
        return sum((row.net for row in self.rows), Decimal("0"))


def _sums(queryset, *keys, sign=1):
    """{keys: points} of `queryset` grouped by `keys`."""
    found = defaultdict(int)
    for row in queryset.values(*keys).annotate(total=Sum("points")).order_by():
        found[tuple(row[key] for key in keys)] += sign * (row["total"] or 0)
    return found


def _in_range(start, end, prefix=""):
    begin, finish = shop_day_bounds(start)[0], shop_day_bounds(end)[1]
    return {f"{prefix}created_at__gte": begin, f"{prefix}created_at__lt": finish}


def _live(start, end):
    """(issued, redeemed, flows) of the shop days `start` to `end`, read from
    the ledger and its lot draws: {(store id,): points} twice and
    {(earned at, spent at): points}."""
    entries = LedgerEntry.objects.filter(**_in_range(start, end))
    issued = _sums(entries.filter(kind__in=EARNING_KINDS), "store")
    # Earned points a refund took back count against the sale's store.
    taken_back = entries.filter(kind=Kind.REFUND_REVERSAL, reverses__isnull=True)
    for key, points in _sums(taken_back, "purchase__store").items():
        issued[key] += points
    redeemed = _sums(entries.filter(kind__in=SPENDING_KINDS), "store", sign=-1)
    given_back = entries.filter(reverses__kind__in=SPENDING_KINDS)
    for key, points in _sums(given_back, "reverses__store", sign=-1).items():
        redeemed[key] += points

    draws = LotDraw.objects.filter(**_in_range(start, end, "entry__"))
    flows = _sums(draws.filter(entry__kind__in=SPENDING_KINDS), "lot__store", "entry__store")
    returns = draws.filter(entry__reverses__kind__in=SPENDING_KINDS)
    for key, points in _sums(returns, "lot__store", "entry__reverses__store", sign=-1).items():
        flows[key] += points
    return issued, redeemed, flows


def _as_text(key) -> str:
    return ":".join("" if pk is None else str(pk) for pk in key)


def _as_key(text) -> tuple:
    return tuple(int(part) if part else None for part in text.split(":"))


def store_settlement_days(*, day, recompute_days=RECOMPUTE_DAYS, reach_days=REACH_DAYS) -> int:
    """Store the settlement of each shop day before `day` that is not stored
    yet (as far back as `reach_days`), and again of the last
    `recompute_days` (an entry back-dated into them: the demo's history, a
    late import). The nightly job calls it; returns the days stored."""
    first = day - timedelta(days=reach_days)
    stored = set(
        SettlementDay.objects.filter(day__gte=first, day__lt=day).values_list("day", flat=True)
    )
    recent = day - timedelta(days=recompute_days)
    wanted = [
        first + timedelta(days=n)
        for n in range(reach_days)
        if first + timedelta(days=n) not in stored or first + timedelta(days=n) >= recent
    ]
    for one in wanted:
        heartbeat.beat()
        issued, redeemed, flows = _live(one, one)
        with transaction.atomic():
            SettlementDay.objects.update_or_create(
                day=one,
                defaults={
                    "issued": {_as_text(k): v for k, v in issued.items() if v},
                    "redeemed": {_as_text(k): v for k, v in redeemed.items() if v},
                    "flows": {_as_text(k): v for k, v in flows.items() if v},
                    "computed_at": timezone.now(),
                },
            )
    return len(wanted)


def _figures(start, end):
    """The range's (issued, redeemed, flows): the stored days summed, and
    the days not stored (today, or before the nightly job first ran) read
    live, each unbroken run of them in one reading."""
    issued, redeemed, flows = defaultdict(int), defaultdict(int), defaultdict(int)
    stored = SettlementDay.objects.filter(day__gte=start, day__lte=end, day__lt=shop_today())
    seen = set()
    for row in stored:
        seen.add(row.day)
        for target, values in ((issued, row.issued), (redeemed, row.redeemed), (flows, row.flows)):
            for text, points in values.items():
                target[_as_key(text)] += points
    for first, last in _runs_of_days_not_in(seen, start, end):
        for target, found in zip((issued, redeemed, flows), _live(first, last), strict=True):
            for key, points in found.items():
                target[key] += points
    return issued, redeemed, flows


def _runs_of_days_not_in(seen, start, end):
    """(first, last) of each unbroken run of days from `start` to `end` not in `seen`."""
    first = None
    day = start
    while day <= end:
        if day in seen:
            if first is not None:
                yield first, day - timedelta(days=1)
                first = None
        elif first is None:
            first = day
        day += timedelta(days=1)
    if first is not None:
        yield first, end


def settlement(*, start, end, rules=None) -> Settlement:
    """The settlement between stores for the shop days `start` to `end`."""
    rules = rules or ProgrammeRules.current()
    issued, redeemed, flows = _figures(start, end)

    store_ids = {key[0] for key in issued} | {key[0] for key in redeemed}
    store_ids |= {store for pair in flows for store in pair}
    stores = Store.objects.in_bulk([pk for pk in store_ids if pk is not None])
    # Every active store has a row, with nothing if nothing happened there.
    stores.update({store.pk: store for store in Store.objects.filter(is_active=True)})
    rows = {pk: StoreRow(store=store) for pk, store in stores.items()}
    if None in store_ids:
        rows[None] = StoreRow(store=None)
    for (pk,), points in issued.items():
        rows[pk].issued = points
        rows[pk].issued_value = points_value(rules=rules, points=points)
    for (pk,), points in redeemed.items():
        rows[pk].redeemed = points
        rows[pk].redeemed_value = points_value(rules=rules, points=points)
    found = Settlement(start=start, end=end)
    for (earned_at, spent_at), points in sorted(flows.items(), key=_flow_order):
        if earned_at == spent_at or not points:
            continue
        value = points_value(rules=rules, points=points)
        rows[spent_at].honoured += points
        rows[spent_at].honoured_value += value
        rows[earned_at].spent_elsewhere += points
        rows[earned_at].spent_elsewhere_value += value
        found.flows.append((rows[earned_at], rows[spent_at], points, value))
    found.rows = sorted(rows.values(), key=_row_order)
    return found


def _flow_order(item):
    (earned_at, spent_at), _points = item
    return (earned_at is None, earned_at or 0, spent_at is None, spent_at or 0)


def _row_order(row):
    if row.store is None:
        return (1, "", 0)
    return (0, row.store.name.lower(), row.store.pk)


def csv_rows(found: Settlement):
    """(header, rows) of the settlement for config.spreadsheets."""
    header = [
        _("Store"),
        _("Points issued"),
        _("Value issued"),
        _("Points redeemed"),
        _("Value redeemed"),
        _("Other stores' points redeemed here"),
        _("Their value"),
        _("Points of this store redeemed elsewhere"),
        _("Their value"),
        _("Net (owed to the store + / owed by it −)"),
    ]
    rows = [
        [
            row.store.display_name if row.store else _("Programme (no store)"),
            row.issued,
            row.issued_value,
            row.redeemed,
            row.redeemed_value,
            row.honoured,
            row.honoured_value,
            row.spent_elsewhere,
            row.spent_elsewhere_value,
            row.net,
        ]
        for row in found.rows
    ]
    return header, rows
