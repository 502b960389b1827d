"""The ledger's batch forms: many members' lots written at once.

points.ledger writes one member's entries; the nightly expiry of a whole
shop and the opening balances of an import would take a query per lot that
way. These do the same writes set-wise, with the same keys, reasons and
cached balances, for rows the caller's transaction already holds (the
member rows, locked in config.locks' order, or members it has just
inserted). Nothing else writes lots and entries besides points.ledger.
"""

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.utils import timezone

from config import locks
from config.clock import shop_date
from members.models import Member
from points.ledger import Kind, expiry_key, expiry_reason, expiry_time, lot_expiry
from points.models import LedgerEntry, LotDraw


def _expiry_rounds(lot_ids):
    """{lot id: expiry entries already drawn from it} (a lot expires again
    after points are returned to it, so its expiry keys are numbered)."""
    rows = (
        LotDraw.objects.filter(lot_id__in=lot_ids, entry__kind=Kind.EXPIRY)
        .values("lot_id")
        .annotate(n=Count("id"))
        .values_list("lot_id", "n")
    )
    return dict(rows)


def expire_locked(member_ids, as_of) -> int:
    """The set-based expiry of `member_ids`, whose rows this transaction holds."""
    if connection.vendor == "postgresql":
        return _expire_locked_in_sql(member_ids, as_of)
    return _expire_locked_in_python(member_ids, as_of)


def _expire_locked_in_python(member_ids, as_of) -> int:
    due = LedgerEntry.objects.filter(
        member_id__in=member_ids, remaining__gt=0, expires_on__lt=as_of
    )
    lots = list(
        locks.lock_lots_of_members(due).values_list(
            "pk", "member_id", "remaining", "created_at", "expires_on"
        )
    )
    if not lots:
        return 0
    rounds = _expiry_rounds([lot[0] for lot in lots])
    reason = expiry_reason()
    day_start = expiry_time(as_of)
    entries = [
        LedgerEntry(
            member_id=member_id,
            kind=Kind.EXPIRY,
            points=-remaining,
            created_at=max(day_start, created_at),
            idempotency_key=expiry_key(pk, rounds.get(pk, 0)),
            reason=reason
            % {"day": shop_date(created_at).isoformat(), "expiry": expires_on.isoformat()},
        )
        for pk, member_id, remaining, created_at, expires_on in lots
    ]
    LedgerEntry.objects.bulk_create(entries)
    LotDraw.objects.bulk_create(
        LotDraw(entry_id=entry.pk, lot_id=lot[0], points=lot[2])
        for entry, lot in zip(entries, lots, strict=True)
    )
    LedgerEntry.objects.filter(pk__in=[lot[0] for lot in lots]).update(remaining=0)
    per_member = {}
    for _pk, member_id, remaining, _created, _expires in lots:
        per_member[member_id] = per_member.get(member_id, 0) + remaining
    _take_from_balances(per_member)
    return sum(per_member.values())


# _expire_locked_in_python's work as one PostgreSQL statement, nothing read
# into Python (a year-end chunk is ~2,000 lots): the due lots, locked in the
# sale's order; their expiry entries, ids drawn first so each draw names its
# entry (the sequence looked up once, not once a lot); the draws; the lots
# emptied; the balances lowered. Key numbering: a lot an expiry ever drew
# from keeps remaining < points for good (returns give back only what spends
# drew), so only such lots count earlier expiries.
_EXPIRE_CHUNK_SQL = """
WITH due AS (
    SELECT
        lot.*,
        nextval((SELECT pg_get_serial_sequence('points_ledgerentry', 'id'))::regclass) AS entry_id,
        CASE WHEN lot.remaining = lot.points THEN 0 ELSE (
            SELECT count(*) FROM points_lotdraw AS draw
            JOIN points_ledgerentry AS entry ON entry.id = draw.entry_id
            WHERE draw.lot_id = lot.id AND entry.kind = %(kind)s
        ) END AS round
    FROM (
        SELECT id, member_id, points, remaining, created_at, expires_on
        FROM points_ledgerentry
        WHERE member_id = ANY(%(members)s::bigint[]) AND remaining > 0 AND expires_on < %(as_of)s
        ORDER BY member_id, expires_on, id
        FOR UPDATE
    ) AS lot
),
entries AS (
    INSERT INTO points_ledgerentry
        (id, member_id, kind, points, created_at, idempotency_key, reason)
    SELECT
        entry_id, member_id, %(kind)s, -remaining, GREATEST(created_at, %(entry_time)s),
        'expiry:' || id || ':' || round,
        replace(
            replace(%(reason)s, '{day}', to_char(created_at AT TIME ZONE %(zone)s, 'YYYY-MM-DD')),
            '{expiry}', to_char(expires_on, 'YYYY-MM-DD')
        )
    FROM due
),
draws AS (
    INSERT INTO points_lotdraw (entry_id, lot_id, points) SELECT entry_id, id, remaining FROM due
),
emptied AS (
    UPDATE points_ledgerentry AS lot SET remaining = 0 FROM due WHERE lot.id = due.id
),
balances AS (
    UPDATE members_member AS member SET points_balance = member.points_balance - gone.points
    FROM (SELECT member_id, sum(remaining) AS points FROM due GROUP BY member_id) AS gone
    WHERE member.id = gone.member_id
)
SELECT coalesce(sum(remaining), 0) FROM due
"""


def _expire_locked_in_sql(member_ids, as_of) -> int:
    with connection.cursor() as cursor:
        # The planner guesses ~6 times the due lots and would JIT-compile the
        # statement: ~40 ms a chunk for a statement of ~100 ms.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            _EXPIRE_CHUNK_SQL,
            {
                "members": list(member_ids),
                "as_of": as_of,
                "kind": Kind.EXPIRY.value,
                "entry_time": expiry_time(as_of),
                # Python fills the reason's placeholders with markers SQL replaces.
                "reason": expiry_reason() % {"day": "{day}", "expiry": "{expiry}"},
                "zone": timezone.get_current_timezone_name(),
            },
        )
        return int(cursor.fetchone()[0])


def _take_from_balances(points_by_member):
    """Subtract {member id: points} from the cached balances in one UPDATE.

    The balance is the sum of the member's open lots (check_ledger), so it
    covers what expires; the DB CHECK refuses the chunk if the ledger were off.
    """
    Member.objects.filter(pk__in=points_by_member).update(
        points_balance=F("points_balance")
        - Case(
            *(When(pk=pk, then=Value(points)) for pk, points in points_by_member.items()),
            output_field=IntegerField(),
        )
    )


# ---------------------------------------------------------------------------
# Opening balances: the points a member brings from an earlier system, as one
# lot each, written for many new members at once (the import, the demo shop).
# This is grant_points(kind=OPENING_BALANCE) for a batch: the members were
# inserted a moment before in the caller's transaction, so no one else holds
# them, and the caller writes their cached balance equal to the lot.

OPENING_BALANCE_FIELDS = ("member_id", "points", "remaining", "idempotency_key")


def opening_balance_key(member_id) -> str:
    return f"opening-balance:{member_id}"


def opening_balance_rows(member_points):
    """Rows of OPENING_BALANCE_FIELDS for [(member id, points > 0)]: a fresh
    lot holds all its points."""
    for member_id, points in member_points:
        yield (member_id, points, points, opening_balance_key(member_id))


def opening_balance_columns(*, rules, earned_on, at, reason, by_id) -> dict:
    """The other columns every opening-balance lot of a batch shares, adapted
    for the database: the kind, the expiry the programme's policy gives lots
    earned on `earned_on` (points.ledger.lot_expiry), the time, the reason
    and who imported them."""
    expires_on = lot_expiry(rules=rules, earned_on=earned_on)
    ops = connection.ops
    return {
        "kind": Kind.OPENING_BALANCE.value,
        "expires_on": ops.adapt_datefield_value(expires_on) if expires_on else None,
        "created_at": ops.adapt_datetimefield_value(at),
        "reason": reason[:200],
        "by_id": by_id,
    }


def opening_balances_statement(member_points, *, columns) -> tuple[str, list]:
    """PostgreSQL: one INSERT of the lots of [(member id, points)], the ids
    and points sent as two arrays. `columns`: opening_balance_columns plus
    the model's defaults for every other column."""
    quote = connection.ops.quote_name
    computed = {
        "member_id": "lot.member_id",
        "points": "lot.points",
        "remaining": "lot.points",
        "idempotency_key": f"'{opening_balance_key('')}' || lot.member_id",
    }
    names = [*computed, *(name for name in columns if name not in computed)]
    # Typed, since a value bound on the server may be a bare NULL.
    select = [computed.get(name) or f"%s::{_db_type(name)}" for name in names]
    sql = (
        f"INSERT INTO {quote(LedgerEntry._meta.db_table)} "
        f"({', '.join(quote(LedgerEntry._meta.get_field(name).column) for name in names)}) "
        f"SELECT {', '.join(select)} "
        # Two arrays, each read once (a JSON element is parsed again at every ->>).
        "FROM unnest(%s::bigint[], %s::integer[]) AS lot (member_id, points)"
    )
    params = [columns[name] for name in names if name not in computed]
    ids = "{" + ",".join(str(pk) for pk, _points in member_points) + "}"
    points = "{" + ",".join(str(p) for _pk, p in member_points) + "}"
    return sql, [*params, ids, points]


def _db_type(name):
    field = LedgerEntry._meta.get_field(name)
    return (field.target_field if field.is_relation else field).db_type(connection)
