"""The import on PostgreSQL: chunks of batches, each in a few set-based statements.

A chunk (CHUNK_BATCHES batches of the file) is checked against the members
with one query per question (who has these phones, whose are these member
numbers, who has these names and birthdays), each asked with one array
parameter; its batches are then classified one after the other by the same
code as elsewhere (engine._Job.classify), so the counts, the errors and
their order are those of a batch-at-a-time import. Writing a chunk is:

- member ids taken from the table's identity sequence up front, so the
  ledger rows and the near-duplicate offers know them without asking;
- one COPY of the new members, in phone order: the phone index, the largest
  one an import touches at random, is then written from left to right
  instead of page by random page (a third less work for PostgreSQL);
- one INSERT … SELECT FROM unnest(…) of the opening-balance lots;
- one UPDATE … FROM unnest(…) per set of changed fields.

Meanwhile the reading thread (members.importing.rows) cleans the next chunk:
on two cores Python and PostgreSQL work at the same time.
"""

from django.db import connection

from members.importing.database import (
    COPY_ESCAPES,
    IMPORTED_MEMBER_COLUMNS,
    copy_lines,
    json_list,
)
from members.importing.results import MAX_ERRORS_KEPT
from members.importing.rows import name_key
from members.models import Member

# 25 batches of 2,000 rows: big enough for the phone-ordered COPY to pay,
# small enough to hold two chunks in memory.
CHUNK_BATCHES = 25
MIN_CHUNK_BATCHES = 3
# When the import has added this many members, refresh the table statistics
# even if the table was empty (see _Chunks.keep_planner_informed).
ANALYZE_AT_LEAST = 20_000


def run_in_chunks(job, batches):
    chunks = _Chunks(job)
    chunk = []
    for parsed in batches:
        chunk.append(parsed)
        # A full chunk; or, when the reading thread has nothing ready, a
        # smaller one, rather than leave PostgreSQL idle (the file's first
        # rows, or a reader slower than the database).
        if len(chunk) >= CHUNK_BATCHES or (len(chunk) >= MIN_CHUNK_BATCHES and not batches.ready()):
            chunks.run(chunk)
            chunk = []
        else:
            # The progress bar moves a batch at a time, as it does elsewhere.
            rows = sum(parsed.total for parsed in chunk)
            errors = sum(parsed.error_rows for parsed in chunk)
            job.report_progress(read_ahead=(rows, errors))
    if chunk:
        chunks.run(chunk)


class _Chunks:
    def __init__(self, job):
        self.job = job
        self.analyze_after = None
        self.created_since_analyze = 0

    def run(self, chunk):
        job = self.job
        candidates = [c for parsed in chunk for c in parsed.candidates]
        existing = job.existing_members(sorted({c.phone for c in candidates}))
        taken = job.numbers_taken(sorted({c.member_number for c in candidates if c.member_number}))
        plans = []
        for parsed in chunk:
            job.take(parsed)
            creates, updates = job.classify(parsed.candidates, existing, taken)
            keys = {(c.name_key, c.birthday): c for c in creates if c.birthday}
            job.note_errors()
            plans.append((creates, updates, keys, job.apply and not job.blocked))
        del existing, candidates
        creates = [c for plan in plans if plan[3] for c in plan[0]]
        updates = [u for plan in plans if plan[3] for u in plan[1]]
        ids, numbers = {}, {}
        if creates:
            self.keep_planner_informed(len(creates))
            ids = dict(zip(map(id, creates), _allocate_ids(len(creates)), strict=True))
            numbers = dict(zip(map(id, creates), job.member_numbers(creates), strict=True))
        self.offer_merges(plans, ids, numbers)
        if creates:
            self.insert_members(creates, ids, numbers)
            self.opening_balances([(ids[id(c)], c.points) for c in creates if c.points])
        if updates:
            self.update_members(updates)
        job.report_progress()

    # -- near-duplicates ---------------------------------------------------

    def offer_merges(self, plans, ids, numbers):
        """Near-duplicates, batch by batch as a batch-at-a-time import finds
        them: the members before this chunk (one query), then the members
        the chunk's earlier batches create."""
        job = self.job
        if len(job.result.near_duplicates) >= MAX_ERRORS_KEPT:
            return
        wanted = sorted({key for plan in plans for key in plan[2]})
        if not wanted:
            return
        found = {}
        for pk, number, name, key, birthday in _members_with_names_and_birthdays(wanted):
            found.setdefault((key, birthday), []).append((pk, number, name))
        created = {}
        for creates, _updates, keys, written in plans:
            if found or created:
                for key, candidate in keys.items():
                    for member in (*found.get(key, ()), *created.get(key, ())):
                        job.offer_merge(candidate, *member)
            if written:
                for c in creates:
                    if c.birthday:
                        member = (ids[id(c)], numbers[id(c)], c.name)
                        created.setdefault((c.name_key, c.birthday), []).append(member)

    # -- writing -----------------------------------------------------------

    def keep_planner_informed(self, created):
        """PostgreSQL plans the lookups from table statistics that a big
        import makes stale (a growing table still looks small, and a lookup
        becomes a full scan). Refresh them whenever the import has added as
        many members as the statistics count (at least ANALYZE_AT_LEAST)."""
        if self.analyze_after is None:
            self.analyze_after = max(ANALYZE_AT_LEAST, _estimated_members())
        self.created_since_analyze += created
        if self.created_since_analyze < self.analyze_after:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {quoted(Member._meta.db_table)}")
        self.analyze_after = max(ANALYZE_AT_LEAST, _estimated_members())
        self.created_since_analyze = 0

    # The ids are drawn from the sequence first, so every row is known before COPY.
    MEMBER_COPY_COLUMNS = ("id", *IMPORTED_MEMBER_COLUMNS)

    def insert_members(self, creates, ids, numbers):
        """COPY the new members in phone order. Their points balance is the
        opening-balance lot written next; the free text is escaped for COPY
        (phones, genders, dates and amounts are clean by now)."""
        job = self.job
        today = job.today.isoformat()
        escapes = COPY_ESCAPES

        def lines():
            for c in sorted(creates, key=lambda c: c.phone):
                key = id(c)
                birthday = c.birthday.isoformat() if c.birthday else "\\N"
                joined_on = c.joined_on.isoformat() if c.joined_on else today
                yield (
                    f"{ids[key]}\t{numbers[key].translate(escapes)}\t{c.phone}\t"
                    f"{c.phone[-4:]}\t{c.name.translate(escapes)}\t"
                    f"{c.name_key.translate(escapes)}\t{c.email.translate(escapes)}\t"
                    f"{birthday}\t{c.gender}\t{joined_on}\t{c.notes.translate(escapes)}\t"
                    f"{c.lifetime_spend}\t{c.points}"
                )

        copy_lines(Member, self.MEMBER_COPY_COLUMNS, lines(), job.member_constants())

    def opening_balances(self, lots):
        """Each new member's points from the file as one opening-balance lot:
        points.services.grant_points(kind=OPENING_BALANCE) for a chunk at
        once. The members were inserted a moment ago in this transaction, so
        no one else can hold them, and their cached balance was written equal
        to the lot (engine._Job.member_rows)."""
        if not lots:
            return
        from points.models import LedgerEntry

        constants = {**_defaults(LedgerEntry), **self.job.opening_balance_constants()}
        computed = {
            "member_id": "(lot->>0)::bigint",
            "points": "(lot->>1)::integer",
            "remaining": "(lot->>1)::integer",
            "idempotency_key": "'opening-balance:' || (lot->>0)",
        }
        columns = [*computed, *(name for name in constants if name not in computed)]
        select = [computed.get(name, "%s") for name in columns]
        sql = (
            f"INSERT INTO {quoted(LedgerEntry._meta.db_table)} "
            f"({', '.join(quoted(_column(LedgerEntry, name)) for name in columns)}) "
            f"SELECT {', '.join(select)} "
            "FROM json_array_elements(%s::json) AS lot"
        )
        params = [constants[name] for name in columns if name not in computed]
        _execute(sql, [*params, json_list(lots)])

    def update_members(self, updates):
        """One UPDATE per set of changed fields, the new values as arrays."""
        job = self.job
        by_fields = {}
        for pk, changes in updates:
            by_fields.setdefault(tuple(sorted(changes)), []).append((pk, changes))
        table = quoted(Member._meta.db_table)
        for fields, group in by_fields.items():
            names = [*fields, *(["name_key"] if "name" in fields else [])]
            rows = [
                [pk, *(name_key(changes["name"]) if n == "name_key" else changes[n] for n in names)]
                for pk, changes in group
            ]
            columns = [quoted(_column(Member, name)) for name in names]
            values = [
                f"(new->>{index})::{Member._meta.get_field(name).db_type(connection)}"
                for index, name in enumerate(names, start=1)
            ]
            sql = (
                f"UPDATE {table} AS m SET "
                + ", ".join(f"{c} = {v}" for c, v in zip(columns, values, strict=True))
                + f", {quoted(_column(Member, 'updated_at'))} = %s "
                + "FROM json_array_elements(%s::json) AS new "
                + f"WHERE m.{quoted(Member._meta.pk.column)} = (new->>0)::bigint"
            )
            _execute(sql, [job.now, json_list(rows)])


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _allocate_ids(count):
    table = Member._meta.db_table
    rows = _execute(
        # The sequence looked up once, not once a row: 4 times faster.
        "SELECT nextval((SELECT pg_get_serial_sequence(%s, %s))::regclass) "
        "FROM generate_series(1, %s)",
        [table, Member._meta.pk.column, count],
    )
    return [row[0] for row in rows]


def _estimated_members():
    rows = _execute(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
        [Member._meta.db_table],
    )
    return max(0, rows[0][0]) if rows else 0


def _members_with_names_and_birthdays(pairs):
    """(id, member number, name, name key, birthday) of the members whose name
    key and birthday are one of `pairs`: one search of the (name_key,
    birthday) index per pair, in index order."""
    meta = Member._meta
    columns = ", ".join(
        f"m.{quoted(_column(Member, name))}"
        for name in ("id", "member_number", "name", "name_key", "birthday")
    )
    key, birthday = (quoted(_column(Member, name)) for name in ("name_key", "birthday"))
    sql = (
        f"SELECT {columns} FROM json_array_elements(%s::json) AS wanted "
        f"JOIN {quoted(meta.db_table)} m "
        f"ON m.{key} = wanted->>0 AND m.{birthday} = (wanted->>1)::date "
        f"ORDER BY m.{quoted(meta.pk.column)}"
    )
    return _execute(sql, [json_list(pairs)])


def quoted(name):
    return connection.ops.quote_name(name)


def _column(model, name):
    return model._meta.get_field(name).column


def _defaults(model):
    from members.importing.database import insert_defaults

    return insert_defaults(model)
