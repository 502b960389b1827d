"""The ladder's rules in the database.

The figures a threshold is compared with (lifetime spend, spend, purchases
and points in the qualifying window, referred members who bought) and the
decisions (the highest tier a member qualifies for, whether they keep their
tier, where they would drop to) are computed by SQL: `standing_rows` for the
review and a sale's upgrade check, `qualified_distribution` for the preview,
both built by `_standing_sql`, so they cannot disagree. The ORM expressions
(`figure_expressions`, `qualified_rank`) serve the progress line and the
deactivation step, which read one member or one tier's holders.

The spend and purchase figures add what a member brought from an earlier
system (Member.opening_*): the lifetime spend always, the window figures
while the window includes their as-of day. `opening_figures` and
`highest_qualified` decide the same in Python for a member an import
creates, whose only figures are those.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from config.clock import add_months, shop_date, shop_day_start
from config.money import round_money
from members.models import Member
from points.models import LedgerEntry, Purchase, Refund
from tiers.models import QUALIFICATION_FIELDS, RETENTION_FIELDS, TierProgramme

EARNING_KINDS = ("purchase_earn", "behaviour_earn", "campaign_bonus")
MONEY = DecimalField(max_digits=14, decimal_places=2)
CRITERIA = (
    "lifetime_spend",
    "window_spend",
    "window_purchases",
    "referred_buyers",
    "window_points",
)


@dataclass(frozen=True)
class Window:
    """The figures' time span: purchases from `start` up to (not including) `end`."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime


def window_for(as_of, programme=None) -> Window:
    """The qualifying window ending with `as_of` (a shop day, or a moment).

    A day counts whole; a moment (a sale's time) counts up to and including it.
    """
    programme = programme or TierProgramme.current()
    if isinstance(as_of, datetime):
        last_day, end = shop_date(as_of), as_of + timedelta(microseconds=1)
    else:
        last_day, end = as_of, shop_day_start(as_of + timedelta(days=1))
    if programme.window == TierProgramme.Window.CALENDAR_YEAR:
        first_day = last_day.replace(month=1, day=1)
    else:
        first_day = add_months(last_day, -programme.window_months) + timedelta(days=1)
    return Window(first_day, last_day, shop_day_start(first_day), end)


def _sum(queryset, expression, output_field, by="member"):
    return Coalesce(
        Subquery(
            queryset.order_by().values(by).annotate(total=Sum(expression)).values("total"),
            output_field=output_field,
        ),
        Value(0, output_field=output_field),
        output_field=output_field,
    )


def _opening_in_window(window, field, output_field):
    """A member's opening window figure while `window` includes its as-of
    day, else 0 (see Member.opening_as_of)."""
    return Case(
        When(
            opening_as_of__gte=window.first_day,
            opening_as_of__lte=window.last_day,
            then=F(field),
        ),
        default=Value(0, output_field=output_field),
        output_field=output_field,
    )


def figure_expressions(window: Window, criteria=CRITERIA) -> dict:
    """{f_<criterion>: expression} for the criteria asked for: the sales
    recorded here plus the figures brought from an earlier system."""
    sales = Purchase.objects.filter(member=OuterRef("pk"), created_at__lt=window.end)
    in_window = sales.filter(created_at__gte=window.start)
    # Spend is net of refunds in the period of the refund, as accounting and
    # the dashboard count it: a refund made in the window lowers the window,
    # whenever its sale was made.
    refunds = Refund.objects.filter(purchase__member=OuterRef("pk"), created_at__lt=window.end)
    refunds_in_window = refunds.filter(created_at__gte=window.start)
    expressions = {}
    if "lifetime_spend" in criteria:
        expressions["f_lifetime_spend"] = ExpressionWrapper(
            _sum(sales, F("amount_paid"), MONEY)
            - _sum(refunds, F("amount"), MONEY, by="purchase__member")
            + F("opening_lifetime_spend"),
            output_field=MONEY,
        )
    if "window_spend" in criteria:
        expressions["f_window_spend"] = ExpressionWrapper(
            _sum(in_window, F("amount_paid"), MONEY)
            - _sum(refunds_in_window, F("amount"), MONEY, by="purchase__member")
            + _opening_in_window(window, "opening_window_spend", MONEY),
            output_field=MONEY,
        )
    if "window_purchases" in criteria:
        # A sale refunded in full is no purchase.
        counted = in_window.filter(refunded_amount__lt=F("amount_paid"))
        expressions["f_window_purchases"] = ExpressionWrapper(
            _sum(counted, Value(1), IntegerField())
            + _opening_in_window(window, "opening_window_purchases", IntegerField()),
            output_field=IntegerField(),
        )
    if "referred_buyers" in criteria:
        buyers = Member.objects.filter(referred_by=OuterRef("pk")).filter(
            Exists(Purchase.objects.filter(member=OuterRef("pk"), created_at__lt=window.end))
        )
        expressions["f_referred_buyers"] = Coalesce(
            Subquery(
                buyers.order_by().values("referred_by").annotate(total=Count("pk")).values("total"),
                output_field=IntegerField(),
            ),
            Value(0),
            output_field=IntegerField(),
        )
    if "window_points" in criteria:
        earned = LedgerEntry.objects.filter(
            member=OuterRef("pk"),
            kind__in=EARNING_KINDS,
            points__gt=0,
            created_at__gte=window.start,
            created_at__lt=window.end,
        )
        expressions["f_window_points"] = _sum(earned, F("points"), IntegerField())
    return expressions


def criteria_used(ladder) -> set:
    used = set()
    for tier in ladder:
        used |= set(tier.qualification()) | set(tier.retention())
    return used


def qualifies(tier) -> Q | None:
    """Q over the figure annotations: meets any qualification threshold.

    None when the tier has no threshold (only right for the entry tier).
    """
    condition = None
    for criterion, threshold in tier.qualification().items():
        part = Q(**{f"f_{criterion}__gte": threshold})
        condition = part if condition is None else condition | part
    return condition


def qualified_rank(ladder):
    """The rank of the highest active tier the member qualifies for."""
    ladder = sorted(ladder, key=lambda t: t.rank)
    whens = [
        When(qualifies(tier), then=Value(tier.rank))
        for tier in reversed(ladder[1:])
        if qualifies(tier) is not None
    ]
    return Case(*whens, default=Value(ladder[0].rank), output_field=IntegerField())


def figures_of(row) -> dict:
    """The figures of an annotated row, JSON-ready, for TierChange.figures."""
    figures = {}
    for criterion in CRITERIA:
        value = row.get(f"f_{criterion}") if isinstance(row, dict) else None
        if value is None and not isinstance(row, dict):
            value = getattr(row, f"f_{criterion}", None)
        if value is not None:
            money = criterion.endswith("spend")
            figures[criterion] = str(round_money(Decimal(value))) if money else int(value)
    return figures


# Re-exported for forms and validation.
THRESHOLD_FIELDS = {**QUALIFICATION_FIELDS, **RETENTION_FIELDS}


# The review's query --------------------------------------------------------
#
# Correlated subqueries repeated in every CASE branch cost minutes over a few
# hundred thousand members. The review instead aggregates each table once per
# chunk of member ids (GROUP BY member_id, joined to the member rows) and
# applies the ladder's CASEs to those columns: one query per chunk, on SQLite
# and PostgreSQL alike.


def _sql_condition(thresholds, params):
    parts = []
    for criterion, threshold in thresholds.items():
        parts.append(f"f.{criterion} >= CAST(%s AS NUMERIC)")
        params.append(str(threshold))
    return "(" + " OR ".join(parts) + ")" if parts else None


def _keeps_condition(tier, params):
    parts = [
        c
        for c in (
            _sql_condition(tier.qualification(), params),
            _sql_condition(tier.retention(), params),
        )
        if c
    ]
    return "(" + " OR ".join(parts) + ")" if parts else None


def _figures_cte(window, criteria, lo, hi, all_members=False, ids=None):
    """(sql, params) of `f`: one row per member in [lo, hi) with their figures
    (members in an inactive tier only with `all_members`); with `ids`, the
    members of that list instead of a range."""
    ops = connection.ops
    start = ops.adapt_datetimefield_value(window.start)
    end = ops.adapt_datetimefield_value(window.end)
    member_t, purchase_t = Member._meta.db_table, Purchase._meta.db_table
    refund_t = Refund._meta.db_table
    ledger_t, tier_t = LedgerEntry._meta.db_table, "tiers_tier"
    columns = [
        "m.id AS id",
        "m.tier_id AS tier_id",
        "t.rank AS rank",
        "m.tier_grace_until AS tier_grace_until",
        "m.tier_since AS tier_since",
    ]
    joins, params, column_params = [], [], []
    if ids is None:
        ranged = lambda column: f"{column} >= %s AND {column} < %s"  # noqa: E731
        bounds = [lo, hi]
    elif connection.vendor == "postgresql":
        # One array parameter, however many members.
        ranged = lambda column: f"{column} = ANY(%s)"  # noqa: E731
        bounds = [list(ids)]
    else:
        ranged = lambda column: f"{column} IN ({', '.join(['%s'] * len(ids))})"  # noqa: E731
        bounds = list(ids)
    if criteria & {"lifetime_spend", "window_spend", "window_purchases"}:
        # The figures brought from an earlier system count too: the lifetime
        # one always, the window ones while the window includes their day.
        first_day = ops.adapt_datefield_value(window.first_day)
        last_day = ops.adapt_datefield_value(window.last_day)
        opening = "m.opening_as_of >= %s AND m.opening_as_of <= %s"
        columns += [
            "COALESCE(p.lifetime_spend, 0) - COALESCE(rf.lifetime_refunds, 0)"
            " + m.opening_lifetime_spend AS lifetime_spend",
            "COALESCE(p.window_spend, 0) - COALESCE(rf.window_refunds, 0)"
            f" + CASE WHEN {opening} THEN m.opening_window_spend ELSE 0 END AS window_spend",
            "COALESCE(p.window_purchases, 0)"
            f" + CASE WHEN {opening} THEN m.opening_window_purchases ELSE 0 END"
            " AS window_purchases",
        ]
        column_params += [first_day, last_day, first_day, last_day]
        joins.append(
            "LEFT JOIN (SELECT member_id,"
            " SUM(amount_paid) AS lifetime_spend,"
            " SUM(CASE WHEN created_at >= %s THEN amount_paid ELSE 0 END)"
            " AS window_spend,"
            " SUM(CASE WHEN created_at >= %s AND refunded_amount < amount_paid THEN 1 ELSE 0 END)"
            " AS window_purchases"
            f" FROM {purchase_t} WHERE created_at < %s AND {ranged('member_id')}"
            " GROUP BY member_id) p ON p.member_id = m.id"
        )
        params += [start, start, end, *bounds]
        # Refunds count in their own period (see figure_expressions).
        joins.append(
            "LEFT JOIN (SELECT rp.member_id AS member_id,"
            " SUM(rf.amount) AS lifetime_refunds,"
            " SUM(CASE WHEN rf.created_at >= %s THEN rf.amount ELSE 0 END) AS window_refunds"
            f" FROM {refund_t} rf JOIN {purchase_t} rp ON rp.id = rf.purchase_id"
            f" WHERE rf.created_at < %s AND {ranged('rp.member_id')}"
            " GROUP BY rp.member_id) rf ON rf.member_id = m.id"
        )
        params += [start, end, *bounds]
    if "referred_buyers" in criteria:
        columns.append("COALESCE(r.referred_buyers, 0) AS referred_buyers")
        joins.append(
            "LEFT JOIN (SELECT b.referred_by_id AS member_id, COUNT(*) AS referred_buyers"
            f" FROM {member_t} b WHERE {ranged('b.referred_by_id')} AND EXISTS"
            f" (SELECT 1 FROM {purchase_t} bp WHERE bp.member_id = b.id AND bp.created_at < %s)"
            " GROUP BY b.referred_by_id) r ON r.member_id = m.id"
        )
        params += [*bounds, end]
    if "window_points" in criteria:
        columns.append("COALESCE(l.window_points, 0) AS window_points")
        kinds = ", ".join(["%s"] * len(EARNING_KINDS))
        joins.append(
            "LEFT JOIN (SELECT member_id, SUM(points) AS window_points"
            f" FROM {ledger_t} WHERE {ranged('member_id')} AND kind IN ({kinds})"
            " AND points > 0 AND created_at >= %s AND created_at < %s"
            " GROUP BY member_id) l ON l.member_id = m.id"
        )
        params += [*bounds, *EARNING_KINDS, start, end]
    sql = (
        f"SELECT {', '.join(columns)} FROM {member_t} m"
        f" INNER JOIN {tier_t} t ON t.id = m.tier_id {' '.join(joins)}"
        f" WHERE {'' if all_members else 't.is_active AND '}{ranged('m.id')}"
    )
    return sql, [*column_params, *params, *bounds]


def _standing_sql(*, ladder, programme, window, lo, hi, all_members=False):
    """(sql, params) selecting, per member in [lo, hi) holding an active tier:
    pk, tier_id, tier__rank, tier_grace_until, tier_since, q_rank (highest tier
    qualified for), keeps (1 if they keep their tier), drop_rank (where they
    would drop to) and their figures as f_<criterion>."""
    ladder = sorted(ladder, key=lambda t: t.rank)
    criteria = criteria_used(ladder)
    if all_members:
        criteria |= {"window_spend"}
    cte, params = _figures_cte(window, criteria, lo, hi, all_members=all_members)
    case_params = []
    q_whens = []
    for tier in reversed(ladder[1:]):
        condition = _sql_condition(tier.qualification(), case_params)
        if condition:
            q_whens.append(f"WHEN {condition} THEN {int(tier.rank)}")
    lowest = int(ladder[0].rank)
    q_rank = f"CASE {' '.join(q_whens)} ELSE {lowest} END" if q_whens else str(lowest)
    keep_whens = [f"WHEN f.tier_id = {int(ladder[0].pk)} THEN 1"]
    for tier in ladder[1:]:
        condition = _keeps_condition(tier, case_params)
        if condition:
            keep_whens.append(f"WHEN f.tier_id = {int(tier.pk)} AND {condition} THEN 1")
    keeps = f"CASE {' '.join(keep_whens)} ELSE 0 END"
    drop_whens = []
    for index, tier in enumerate(ladder[1:], start=1):
        lower = ladder[:index]
        if programme.downgrade == TierProgramme.Downgrade.ONE_STEP:
            drop_whens.append(f"WHEN f.tier_id = {int(tier.pk)} THEN {int(lower[-1].rank)}")
            continue
        for candidate in reversed(lower[1:]):
            condition = _keeps_condition(candidate, case_params)
            if condition:
                drop_whens.append(
                    f"WHEN f.tier_id = {int(tier.pk)} AND {condition} THEN {int(candidate.rank)}"
                )
        drop_whens.append(f"WHEN f.tier_id = {int(tier.pk)} THEN {int(lower[0].rank)}")
    drop_rank = f"CASE {' '.join(drop_whens)} ELSE f.rank END" if drop_whens else "f.rank"
    figure_columns = "".join(f", f.{c} AS f_{c}" for c in sorted(criteria))
    sql = (
        f"WITH f AS ({cte}) SELECT * FROM (SELECT f.id AS pk, f.tier_id, f.rank AS tier__rank,"
        f" f.tier_grace_until, f.tier_since, {q_rank} AS q_rank, {keeps} AS keeps,"
        f" {drop_rank} AS drop_rank{figure_columns} FROM f) s"
    )
    return sql, [*params, *case_params]


def _fetch(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def standing_rows(
    *,
    ladder,
    programme,
    window,
    lo,
    hi,
    changing_since=None,
    review_day=None,
    grace_ended_before=None,
):
    """Members lo <= id < hi with their figures, q_rank, keeps and drop_rank.

    With `review_day` only the rows the review (or applying the rules now)
    may change: qualifying higher, keeping a tier in grace, or short of their
    tier and not in a running grace; with `changing_since` too (the start of
    the review day), only those short of a tier held since before it.
    With `grace_ended_before` only members whose grace ended before that day.
    """
    sql, params = _standing_sql(ladder=ladder, programme=programme, window=window, lo=lo, hi=hi)
    ops = connection.ops
    if review_day is not None:
        held = ""
        if changing_since is not None:
            held = " AND (s.tier_since IS NULL OR s.tier_since < %s)"
            params.append(ops.adapt_datetimefield_value(changing_since))
        sql += (
            " WHERE s.q_rank > s.tier__rank"
            " OR (s.keeps = 1 AND s.tier_grace_until IS NOT NULL)"
            f" OR (s.keeps = 0{held}"
            " AND (s.tier_grace_until IS NULL OR s.tier_grace_until < %s))"
        )
        params.append(ops.adapt_datefield_value(review_day))
    elif grace_ended_before is not None:
        sql += " WHERE s.tier_grace_until < %s"
        params.append(ops.adapt_datefield_value(grace_ended_before))
    rows = _fetch(sql, params)
    for row in rows:
        row["keeps"] = bool(row["keeps"])
        row["tier_grace_until"] = _as_date(row["tier_grace_until"])
    return rows


def figures_of_member(*, member_id, window, criteria) -> dict:
    """{criterion: value} of one member over `window`, from the query the
    engine itself decides on (`_figures_cte`), as Decimal or int."""
    criteria = set(criteria)
    if not criteria:
        return {}
    cte, params = _figures_cte(window, criteria, member_id, member_id + 1, all_members=True)
    rows = _fetch(cte, params)
    return _member_figures(rows[0] if rows else {}, criteria)


def figures_of_members(*, member_ids, window, criteria) -> dict:
    """{member id: figures_of_member} for many members in one query (the
    same `_figures_cte`, over a list of ids rather than a range)."""
    criteria, member_ids = set(criteria), sorted(set(member_ids))
    if not criteria or not member_ids:
        return {member_id: {} for member_id in member_ids}
    cte, params = _figures_cte(window, criteria, None, None, all_members=True, ids=member_ids)
    rows = {row["id"]: row for row in _fetch(cte, params)}
    return {
        member_id: _member_figures(rows.get(member_id, {}), criteria) for member_id in member_ids
    }


def _member_figures(row, criteria) -> dict:
    figures = {}
    for criterion in CRITERIA:
        if criterion in criteria:
            value = row.get(criterion) or 0
            # SQLite sums money as a float: back to whole cents.
            money = criterion.endswith("spend")
            figures[criterion] = round_money(Decimal(str(value))) if money else int(value)
    return figures


def opening_figures(window, lifetime_spend, window_spend, window_purchases, as_of) -> dict:
    """{criterion: value} of a member whose only figures are those brought
    from an earlier system (a member an import creates), counted as the
    queries above count them; the criteria left out (referred buyers,
    points earned) are 0: no sales, referrals or points here yet."""
    if as_of is not None and window.first_day <= as_of <= window.last_day:
        return {
            "lifetime_spend": lifetime_spend,
            "window_spend": window_spend,
            "window_purchases": window_purchases,
        }
    return {"lifetime_spend": lifetime_spend}


class Qualifier:
    """The highest tier of `ladder` (the active tiers) that figures
    ({criterion: value}) qualify for, decided as q_rank decides it in SQL;
    the lowest tier when none.

    For an import that places many members the thresholds are read once,
    into a table per criterion: the thresholds in rising order and the
    highest rank each one reaches, so a figure needs one bisection."""

    def __init__(self, ladder):
        ladder = sorted(ladder, key=lambda t: t.rank)
        self.lowest = ladder[0]
        self.by_rank = {tier.rank: tier for tier in ladder}
        pairs = {}
        for tier in ladder[1:]:
            for criterion, threshold in tier.qualification().items():
                pairs.setdefault(criterion, []).append((threshold, tier.rank))
        self.tables = []
        for criterion, steps in pairs.items():
            steps.sort()
            thresholds, reached, top = [], [], 0
            for threshold, rank in steps:
                top = max(top, rank)
                thresholds.append(threshold)
                reached.append(top)
            self.tables.append((criterion, thresholds, reached))
        self.criteria = sorted(criteria_used(ladder), key=CRITERIA.index)

    def __call__(self, figures):
        return self.by_rank[self.rank(figures)]

    def rank(self, figures) -> int:
        """The rank of the tier (see the class)."""
        rank = self.lowest.rank
        for criterion, thresholds, reached in self.tables:
            met = bisect_right(thresholds, figures.get(criterion) or 0)
            if met and reached[met - 1] > rank:
                rank = reached[met - 1]
        return rank


def highest_qualified(ladder, figures):
    """The highest tier of `ladder` that `figures` qualify for (see Qualifier)."""
    return Qualifier(ladder)(figures)


def _member_bounds():
    bounds = Member.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    return (None, None) if bounds["lo"] is None else (bounds["lo"], bounds["hi"] + 1)


def member_spread(*, ladder, programme, window):
    """[(tier id held, rank qualified for under `ladder`, members, window
    spend)] over every member: one query, for the preview's columns."""
    ladder = [t for t in ladder if t.is_active]
    lo, hi = _member_bounds()
    if not ladder or lo is None:
        return []
    sql, params = _standing_sql(
        ladder=ladder, programme=programme, window=window, lo=lo, hi=hi, all_members=True
    )
    rows = _fetch(
        "SELECT tier_id, q_rank, COUNT(*) AS n, SUM(f_window_spend) AS spend"
        f" FROM ({sql}) q GROUP BY tier_id, q_rank",
        params,
    )
    return [
        (row["tier_id"], row["q_rank"], row["n"], Decimal(str(row["spend"] or 0))) for row in rows
    ]


def window_spend_ranked(*, window, positions):
    """{position: window spend of the member at that place, highest first}."""
    lo, hi = _member_bounds()
    if lo is None:
        return {}
    cte, params = _figures_cte(window, {"window_spend"}, lo, hi, all_members=True)
    values = {}
    for position in positions:
        rows = _fetch(
            f"SELECT f.window_spend AS spend FROM ({cte}) f"
            " ORDER BY f.window_spend DESC, f.id LIMIT 1 OFFSET %s",
            [*params, int(position)],
        )
        values[position] = Decimal(str(rows[0]["spend"] or 0)) if rows else Decimal(0)
    return values


def _as_date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
