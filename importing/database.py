"""The import's database work in bulk: plain SQL where the ORM's per-value
preparation would cost more than the work itself. Every value arriving
here has been cleaned by the member rules; the constraints still hold."""

import json
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
    if connection.vendor == "postgresql":
        sql, params = members_where_in_json(columns, field), [json_list(values)]
    else:
        quote = connection.ops.quote_name
        meta = Member._meta
        column = quote(meta.get_field(field).column)
        where = f"{column} IN ({', '.join(['%s'] * len(values))})"
        sql, params = f"SELECT {_names(columns)} FROM {quote(meta.db_table)} WHERE {where}", values
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def members_where_in_json(columns, field) -> str:
    """members_where_in's query on PostgreSQL, its one parameter the values
    as a JSON array: PostgreSQL parses and plans thousands of literals
    slowly, and psycopg spells a long list out value by value."""
    quote = connection.ops.quote_name
    meta = Member._meta
    column = quote(meta.get_field(field).column)
    return (
        f"SELECT {_names(columns)} FROM {quote(meta.db_table)} "
        f"WHERE {column} = ANY(ARRAY(SELECT json_array_elements_text(%s::json)))"
    )


def _names(columns) -> str:
    quote = connection.ops.quote_name
    meta = Member._meta
    return ", ".join(
        quote(meta.pk.column if name == "pk" else meta.get_field(name).column) for name in columns
    )


def json_list(values) -> str:
    """A list of values as one JSON text: the cheapest way to hand PostgreSQL
    a long array (json.dumps is C; the server reads it with
    json_array_elements). Dates go as ISO text."""
    return json.dumps(list(values), default=_iso, ensure_ascii=False)


def _iso(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not for a JSON list")


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


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value):
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, date):  # datetimes too: ISO 8601 with the offset
        return value.isoformat()
    return str(value)


def as_date(value):
    # SQLite hands dates back as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _insert_columns(model, *, with_pk=False):
    """Every column of a new row, with the model's defaults ("" for text
    fields, as Model() would set); the primary key only when asked for."""
    columns = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key and not with_pk:
            continue
        default = model_field.get_default()
        if isinstance(default, Decimal):
            default = str(default)
        columns[model_field.attname] = (model_field.column, default)
    return columns


def insert_defaults(model) -> dict:
    """{field attname: default} for every column of a new row but the key."""
    return {name: default for name, (_column, default) in _insert_columns(model).items()}


def insert_rows(model, fields, rows, constants):
    """INSERT many rows in one executemany: `rows` are tuples of `fields`,
    `constants` the same for every row, the model's defaults fill the rest.

    The ORM's bulk_create spends most of its time preparing each value of
    each row (and SQLite caps it at a few dozen rows a statement). The values
    here are already clean and adapted, and the database constraints hold."""
    if connection.vendor == "postgresql":
        lines = ("\t".join(map(copy_value, row)) for row in rows)
        copy_lines(model, fields, lines, constants)
        return
    columns = _insert_columns(model, with_pk=model._meta.pk.attname in fields)
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
        cursor.executemany(sql, [row + tail for row in rows])


def copy_lines(model, fields, lines, constants, lines_per_write=1000):
    """COPY rows into `model`'s table (PostgreSQL's bulk path: one stream
    instead of a statement per row). `lines` are the values of `fields` in
    COPY's text format (copy_value), tab-separated, without the line end;
    `constants` and the model's defaults fill the other columns.

    Formatting here is a few times faster than psycopg's write_row, which
    adapts each value through its type registry."""
    sql, end = copy_statement(model, fields, constants)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        chunk = []
        for line in lines:
            chunk.append(line + end)
            if len(chunk) >= lines_per_write:
                copy.write("".join(chunk))
                chunk = []
        if chunk:
            copy.write("".join(chunk))


def copy_statement(model, fields, constants):
    """The COPY statement for rows of `fields` into `model`'s table, and the
    text that ends each line: `constants` and the model's defaults for the
    other columns, then the line end."""
    columns = _insert_columns(model, with_pk=model._meta.pk.attname in fields)
    rest = {**{name: default for name, (_c, default) in columns.items()}, **constants}
    for name in fields:
        rest.pop(name)
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(columns[name][0]) for name in [*fields, *rest])
    end = "".join("\t" + copy_value(value) for value in rest.values()) + "\n"
    return f"COPY {quote(model._meta.db_table)} ({column_sql}) FROM STDIN", end


# The member columns an import fills (the rest take their defaults).
IMPORTED_MEMBER_COLUMNS = (
    "member_number",
    "phone",
    "phone_tail",
    "name",
    "name_key",
    "email",
    "birthday",
    "gender",
    "joined_on",
    "notes",
    "lifetime_spend",
    "points_balance",
    "tier_id",
    "opening_lifetime_spend",
    "opening_window_spend",
    "opening_window_purchases",
    "opening_as_of",
    "sms_opt_out",
    "email_opt_out",
    "opening_purchases",
    "opening_last_purchase_on",
    "home_store_id",
)
