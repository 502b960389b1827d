"""The import's database work in bulk: plain SQL where the ORM's per-value
preparation would cost more than the work itself. Every value arriving
here has been cleaned by the member rules; the constraints still hold."""

from datetime import date
from decimal import Decimal

from django.db import connection

from members.models import Member


def roomy_sqlite_cache():
    """SQLite's default page cache (2 MB) is far smaller than the indexes a
    large import updates; with 64 MB the import writes about half as often.
    Per connection, and only on SQLite (PostgreSQL sizes its own buffers)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -65536")


def members_where_in(columns, field, values):
    """Rows (tuples of `columns`) of the members whose `field` is one of
    `values`: a plain query, since the ORM prepares every value of a long IN
    list one by one (a tenth of the import's time)."""
    if not values:
        return []
    quote = connection.ops.quote_name
    meta = Member._meta
    names = ", ".join(
        quote(meta.pk.column if name == "pk" else meta.get_field(name).column) for name in columns
    )
    column = quote(meta.get_field(field).column)
    if connection.vendor == "postgresql":
        # One array parameter: PostgreSQL parses and plans 2000 literals slowly.
        where, params = f"{column} = ANY(%s)", [list(values)]
    else:
        where, params = f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {quote(meta.db_table)} WHERE {where}", params)
        return cursor.fetchall()


def members_where_pairs(columns, fields, pairs):
    """Rows of the members whose two `fields` equal one of `pairs`: the pairs
    as a small table joined on a two-column index, which SQLite and
    PostgreSQL both answer with one index search per pair."""
    quote = connection.ops.quote_name
    meta = Member._meta
    names = ", ".join(
        "m." + quote(meta.pk.column if name == "pk" else meta.get_field(name).column)
        for name in columns
    )
    first, second = (quote(meta.get_field(name).column) for name in fields)
    values = ", ".join(["(%s, %s)"] * len(pairs))
    sql = (
        f"WITH wanted (first, second) AS (VALUES {values}) "
        f"SELECT {names} FROM wanted JOIN {quote(meta.db_table)} m "
        f"ON m.{first} = wanted.first AND m.{second} = wanted.second"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for pair in pairs for value in pair])
        return cursor.fetchall()


def as_date(value):
    # SQLite hands dates back as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _insert_columns(model):
    """Every column of a new row, with the model's defaults ("" for text
    fields, as Model() would set)."""
    columns = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        default = model_field.get_default()
        if isinstance(default, Decimal):
            default = str(default)
        columns[model_field.attname] = (model_field.column, default)
    return columns


def insert_rows(model, fields, rows, constants):
    """INSERT many rows in one executemany: `rows` are tuples of `fields`,
    `constants` the same for every row, the model's defaults fill the rest.

    The ORM's bulk_create spends most of its time preparing each value of
    each row (and SQLite caps it at a few dozen rows a statement). The values
    here are already clean and adapted, and the database constraints hold."""
    columns = _insert_columns(model)
    rest = {**{name: default for name, (_c, default) in columns.items()}, **constants}
    for name in fields:
        rest.pop(name)
    names = [*fields, *rest]
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(columns[name][0]) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({column_sql}) VALUES ({placeholders})"
    tail = tuple(rest.values())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: one stream instead of a statement per row.
            copy_sql = f"COPY {quote(model._meta.db_table)} ({column_sql}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
        else:
            cursor.executemany(sql, [row + tail for row in rows])
