"""RFM: members who bought, scored 1-5 on recency (last purchase), frequency
(purchases) and money (lifetime spend) by quintile, counted in the database.

The quintile cuts are the values 20 %, 40 %, 60 % and 80 % of the way
through the members in each order (four indexed look-ups per figure); a
member's score is 1 + the number of cuts they reach. Every cell is therefore
a range of each figure, which the member list's filters (last purchase
from/to, visits from/to, lifetime spend from/to) show exactly.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, IntegerField, Sum, Value, When
from django.http import QueryDict

from config.clock import shop_date
from members.models import Member

SCORES = (1, 2, 3, 4, 5)
CENT = Decimal("0.01")


@dataclass
class Cell:
    recency: int
    frequency: int
    count: int = 0
    money: Decimal = Decimal(0)
    query: str = ""

    @property
    def average(self):
        return (self.money / self.count).quantize(CENT) if self.count else Decimal(0)


@dataclass
class Grid:
    buyers: int = 0
    # rows: recency 5 (most recent) to 1; each row's cells by frequency 1 to 5
    rows: list = field(default_factory=list)
    recency_cuts: list = field(default_factory=list)
    frequency_cuts: list = field(default_factory=list)
    money_cuts: list = field(default_factory=list)


def buyers():
    """Members who bought here at least once: the ones RFM can score."""
    return Member.objects.filter(last_purchase_at__isnull=False)


def _cuts(queryset, column, count):
    """The values at 20/40/60/80 % of `queryset` ordered by `column`: the
    values at positions count × k // 5. PostgreSQL finds the four in one
    sort (percentile_disc, each fraction half a row past the position, so
    the same rows as the look-ups elsewhere)."""
    if not count:
        return []
    offsets = [count * k // 5 for k in range(1, 5)]
    if connection.vendor != "postgresql":
        ordered = queryset.order_by(column, "pk").values_list(column, flat=True)
        return [ordered[offset] for offset in offsets]
    sql, params = queryset.order_by().values_list(column).query.sql_with_params()
    fractions = [(offset + 0.5) / count for offset in offsets]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY t.v) "
            f"FROM ({sql}) AS t(v)",
            [fractions, *params],
        )
        return list(cursor.fetchone()[0])


def _score(lookup, cuts):
    """1 + the number of `cuts` the member reaches, as a database expression."""
    whens = [
        When(**{f"{lookup}__gte": cut}, then=Value(score))
        for score, cut in reversed(list(zip(SCORES[1:], cuts, strict=True)))
    ]
    return Case(*whens, default=Value(1), output_field=IntegerField())


def _bounds(cuts, score):
    """(low, high) cuts around `score`: low inclusive, high exclusive; None open."""
    low = cuts[score - 2] if score > 1 else None
    high = cuts[score - 1] if score < 5 else None
    return low, high


def _range(query, names, cuts, score, step):
    low, high = _bounds(cuts, score)
    if low is not None and high is not None and low >= high:
        return False  # two cuts fell on one value: this score holds nobody
    if low is not None:
        query[names[0]] = str(low)
    if high is not None:
        query[names[1]] = str(high - step)
    return True


def rfm_grid(*, money_score=None) -> Grid:
    """The R × F grid of counts and money; only money quintile `money_score`
    (1-5) when given."""
    members = buyers()
    count = members.count()
    grid = Grid(buyers=count)
    if not count:
        return grid
    recency = [shop_date(moment) for moment in _cuts(members, "last_purchase_at", count)]
    frequency = _cuts(members, "purchase_count", count)
    money = _cuts(members, "lifetime_spend", count)
    grid.recency_cuts, grid.frequency_cuts, grid.money_cuts = recency, frequency, money
    scored = members.annotate(
        r=_score("last_purchase_at__date", recency),
        f=_score("purchase_count", frequency),
    )
    if money_score:
        scored = scored.annotate(m=_score("lifetime_spend", money)).filter(m=money_score)
    found = {
        (row["r"], row["f"]): row
        for row in scored.values("r", "f").annotate(n=Count("pk"), money=Sum("lifetime_spend"))
    }
    for r in reversed(SCORES):
        row = []
        for f in SCORES:
            figures = found.get((r, f), {})
            cell = Cell(r, f, figures.get("n", 0), figures.get("money") or Decimal(0))
            cell.query = _cell_query(grid, r, f, money_score)
            row.append(cell)
        grid.rows.append((r, row))
    return grid


def _cell_query(grid, r, f, money_score) -> str:
    """The member list's filters that show exactly this cell's members."""
    query = QueryDict(mutable=True)
    ok = _range(
        query,
        ("last_purchase_from", "last_purchase_to"),
        grid.recency_cuts,
        r,
        timedelta(days=1),
    )
    ok = ok and _range(query, ("visits_min", "visits_max"), grid.frequency_cuts, f, 1)
    if money_score:
        ok = ok and _range(query, ("spend_min", "spend_max"), grid.money_cuts, money_score, CENT)
    if not ok:
        return ""
    if "last_purchase_from" not in query and "last_purchase_to" not in query:
        query["last_purchase_to"] = "2200-12-31"  # buyers only: never-bought members have none
    return query.urlencode()
