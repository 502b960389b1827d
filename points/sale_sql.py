"""The sale's own SQL, written once per process.

record_purchase runs on every till all day. Through the ORM each of its
statements costs a few hundred microseconds of Python just to compile, and
each is a round trip; this module holds the two statements that replace
them: the member lock (with what the sale needs besides the row) and, on
PostgreSQL, every write of the sale in one statement. Column lists come
from the models, values from the model instances (pre_save and
get_db_prep_save, as the ORM prepares them), so a new field needs no change
here. Nothing in this module decides anything: points.services does.
"""

import functools

from django.db import connection

from config.rulebook import version_subquery_sql
from members.models import Member
from points.models import LedgerEntry, LotDraw, Purchase


def draws_sale_ids() -> bool:
    """Whether the lock also draws the new sale's id from its sequence
    (PostgreSQL), so that every row of the sale can be written at once."""
    return connection.vendor == "postgresql"


def lock_member_for_sale(member_id, *, key):
    """Lock the member row; return (member, the id of the sale already under
    `key` or None, the rules version, the new sale's id or None)."""
    sql, converters, compiler = _lock_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, member_id])
        rows = cursor.fetchall()
    if not rows:
        raise Member.DoesNotExist(f"no member {member_id}")
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    *values, replay_id, version, sale_id = rows[0]
    member = Member.from_db(connection.alias, _attnames(Member), values)
    return member, replay_id, version, sale_id


@functools.cache
def _lock_statement():
    name = connection.ops.quote_name
    fields = Member._meta.concrete_fields
    columns = ", ".join(f"m.{name(f.column)}" for f in fields)
    purchases = Purchase._meta.db_table
    new_id = f"nextval(pg_get_serial_sequence('{purchases}', 'id'))" if draws_sale_ids() else "NULL"
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {columns}, "
        f"(SELECT p.id FROM {name(purchases)} p WHERE p.idempotency_key = %s), "
        f"{version_subquery_sql()}, {new_id} "
        f"FROM {name(Member._meta.db_table)} m WHERE m.id = %s{lock}"
    )
    # The backend's converters (SQLite's decimals and times; none on PostgreSQL).
    compiler = Member.objects.none().query.get_compiler(connection=connection)
    converters = compiler.get_converters([f.get_col(Member._meta.db_table) for f in fields])
    return sql, converters, compiler


@functools.cache
def _attnames(model):
    return [f.attname for f in model._meta.concrete_fields]


def _values(obj, fields):
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _insert(model, objs, fields):
    name = connection.ops.quote_name
    columns = ", ".join(name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {name(model._meta.db_table)} ({columns}) VALUES " + ", ".join(
        [row] * len(objs)
    )
    return sql, [value for obj in objs for value in _values(obj, fields)]


def write_sale(*, purchase, entries, lots, draws, member, delta):
    """PostgreSQL: insert `purchase` (its id drawn already) and `entries`,
    set the `lots`' remainders, insert `draws` [(lot, points)] from the
    redeeming entry (entries[0]) and update the member's cached figures, in
    one statement. IntegrityError if a key is taken."""
    name = connection.ops.quote_name
    parts, params = [], []
    sql, values = _insert(Purchase, [purchase], Purchase._meta.concrete_fields)
    parts.append(f"sale AS ({sql})")
    params += values
    if entries:
        fields = [f for f in LedgerEntry._meta.concrete_fields if not f.primary_key]
        sql, values = _insert(LedgerEntry, entries, fields)
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
    with connection.cursor() as cursor:
        cursor.execute("WITH " + ", ".join(parts) + " SELECT 1", params)
    purchase._state.adding, purchase._state.db = False, connection.alias
