"""The sale's own SQL, written once per process.

record_purchase runs on every till all day. Through the ORM each of its
statements costs a few hundred microseconds of Python just to compile, and
each is a round trip; this module holds the two statements that replace
them: the member lock (with what the sale needs besides the row) and, on
PostgreSQL, every write of the sale in one statement. Column lists come
from the models, values from the model instances (pre_save and
get_db_prep_save, as the ORM prepares them), so a new field needs no change
here. Nothing in this module decides anything: points.sale does.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections

from config import locks
from config.database import server_binding_cursor
from config.rules_version import version_subquery_sql
from members.models import Member
from points.models import LedgerEntry, LotDraw, Purchase


def _db():
    # The connection itself: every attribute read through the `connection`
    # proxy costs a lookup, and preparing a sale's values reads it ~100 times.
    return connections[DEFAULT_DB_ALIAS]


def draws_sale_ids() -> bool:
    """Whether the lock also draws the new sale's id from its sequence
    (PostgreSQL), so that every row of the sale can be written at once."""
    return _db().vendor == "postgresql"


def lock_member_for_sale(member_id, *, key, by_number=False):
    """Lock the member row; return (member, the id of the sale already under
    `key` or None, the rules version, the new sale's id or None).
    `by_number`: `member_id` is the member's number (a till's sale), found by
    this same statement rather than by a lookup's round trip of its own.

    A referred member's first sale also locks the referrer (who may earn
    the referral reward and move up a tier in the same transaction): both
    rows in primary-key order, in this one statement, as config.locks
    requires, so a referrer buying at the same moment cannot deadlock it."""
    rows = _fetch(_member_lock(by_number), [key, member_id, member_id, member_id])
    column = _attnames(Member).index("member_number" if by_number else "id")
    mine = [row for row in rows if row[column] == member_id]
    if not mine:
        raise Member.DoesNotExist(f"no member {member_id}")
    *values, replay_id, version, sale_id = mine[0]
    member = Member.from_db(DEFAULT_DB_ALIAS, _attnames(Member), values)
    return member, replay_id, version, sale_id


def lock_open_lots(member_id) -> list:
    """The member's lots with points left, locked, in spending order (earliest
    expiry first, then oldest), as points.ledger.lock_open_lots reads them."""
    names = _attnames(LedgerEntry)
    rows = _fetch(_open_lots_lock(), [member_id])
    return [LedgerEntry.from_db(DEFAULT_DB_ALIAS, names, row) for row in rows]


def _fetch(statement, params):
    sql, converters, compiler = statement
    # Bound on the server (config.database): psycopg prepares each of the
    # sale's statements after a few uses, and PostgreSQL plans it once
    # instead of at every sale, a third of its CPU per sale.
    with server_binding_cursor(_db()) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return list(compiler.apply_converters(rows, converters)) if converters else rows


@functools.cache
def _member_lock(by_number=False):
    name = _db().ops.quote_name
    purchases = Purchase._meta.db_table
    members = name(Member._meta.db_table)
    buyer = "%s"
    if by_number:
        number = name(Member._meta.get_field("member_number").column)
        buyer = f"(SELECT b.id FROM {members} b WHERE b.{number} = %s)"
    new_id = "NULL"
    if draws_sale_ids():
        # Drawn for the buyer's row only (CASE evaluates the branch it takes).
        new_id = (
            f"CASE WHEN m.id = {buyer} "
            f"THEN nextval(pg_get_serial_sequence('{purchases}', 'id')) END"
        )
    else:
        new_id = f"CASE WHEN m.id = {buyer} THEN NULL END"
    sql = (
        f"SELECT {_columns(Member, 'm')}, "
        f"(SELECT p.id FROM {name(purchases)} p WHERE p.idempotency_key = %s), "
        f"{version_subquery_sql()}, {new_id} "
        f"FROM {members} m WHERE m.id = {buyer} OR m.id = ("
        f"SELECT r.referred_by_id FROM {members} r WHERE r.id = {buyer} AND r.purchase_count = 0"
        f") ORDER BY m.id{_for_update()}"
    )
    return (sql, *_converters(Member))


@functools.cache
def _open_lots_lock():
    name = _db().ops.quote_name
    sql = (
        f"SELECT {_columns(LedgerEntry, 'l')} FROM {name(LedgerEntry._meta.db_table)} l "
        f"WHERE l.member_id = %s AND l.remaining > 0 "
        f"ORDER BY l.expires_on ASC NULLS LAST, l.id ASC{_for_update()}"
    )
    return (sql, *_converters(LedgerEntry))


def _columns(model, alias):
    name = _db().ops.quote_name
    return ", ".join(f"{alias}.{name(f.column)}" for f in model._meta.concrete_fields)


def _for_update():
    # Step 1 (the member) and step 2 (its lots) of config.locks' order.
    return locks.for_update_clause(_db())


def _converters(model):
    """The backend's converters for the model's columns (SQLite's decimals
    and times; none on PostgreSQL), and the compiler that applies them."""
    compiler = model.objects.none().query.get_compiler(connection=_db())
    columns = [f.get_col(model._meta.db_table) for f in model._meta.concrete_fields]
    return compiler.get_converters(columns), compiler


@functools.cache
def _attnames(model):
    return [f.attname for f in model._meta.concrete_fields]


def _insert(model, objs, fields, db):
    name = db.ops.quote_name
    columns = ", ".join(name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {name(model._meta.db_table)} ({columns}) VALUES " + ", ".join(
        [row] * len(objs)
    )
    values = [f.get_db_prep_save(f.pre_save(obj, True), db) for obj in objs for f in fields]
    return sql, values


def write_sale(*, purchase, entries, lots, draws, member, delta):
    """PostgreSQL: insert `purchase` (its id drawn already) and `entries`,
    set the `lots`' remainders, insert `draws` [(lot, points)] from the
    redeeming entry (entries[0]) and update the member's cached figures, in
    one statement. IntegrityError if a key is taken."""
    db = _db()
    name = db.ops.quote_name
    parts, params = [], []
    sql, values = _insert(Purchase, [purchase], Purchase._meta.concrete_fields, db)
    parts.append(f"sale AS ({sql})")
    params += values
    if entries:
        fields = [f for f in LedgerEntry._meta.concrete_fields if not f.primary_key]
        sql, values = _insert(LedgerEntry, entries, fields, db)
        parts.append(f"entries AS ({sql} RETURNING id, idempotency_key)")
        params += values
    if lots:
        ledger = name(LedgerEntry._meta.db_table)
        rows = ", ".join(["(%s, %s)"] * len(lots))
        parts.append(
            f"lots AS (UPDATE {ledger} AS l SET remaining = v.remaining "
            f"FROM (VALUES {rows}) AS v(id, remaining) WHERE l.id = v.id)"
        )
        params += [value for lot in lots for value in (lot.pk, lot.remaining)]
    if draws:
        rows = ", ".join(["(%s, %s)"] * len(draws))
        parts.append(
            f"draws AS (INSERT INTO {name(LotDraw._meta.db_table)} (entry_id, lot_id, points) "
            f"SELECT e.id, v.lot_id, v.points FROM entries e, (VALUES {rows}) AS v(lot_id, points) "
            f"WHERE e.idempotency_key = %s)"
        )
        params += [value for lot, points in draws for value in (lot.pk, points)]
        params.append(entries[0].idempotency_key)
    parts.append(
        f"figures AS (UPDATE {name(Member._meta.db_table)} SET "
        f"points_balance = points_balance + %s, lifetime_spend = %s, purchase_count = %s, "
        f"last_purchase_at = %s WHERE id = %s)"
    )
    params += [
        delta,
        member.lifetime_spend,
        member.purchase_count,
        member.last_purchase_at,
        member.pk,
    ]
    with server_binding_cursor(db) as cursor:
        cursor.execute("WITH " + ", ".join(parts) + " SELECT 1", params)
    purchase._state.adding, purchase._state.db = False, DEFAULT_DB_ALIAS
