"""The import on PostgreSQL: chunks of batches, asked about and written in a
few set-based statements, while Python prepares the next chunk.

A chunk (CHUNK_BATCHES batches of the file) is one round of questions and
one round of writes:

- the questions, one statement each with one JSON array parameter: which
  of its phones are members already, which of its member numbers (and of
  the fresh ones drawn for it) are taken, who has its names and birthdays;
  plus its member ids, drawn from the table's identity sequence so the
  ledger rows and the near-duplicate offers know them without asking;
- the writes: one COPY of the new members, in phone order (the phone index,
  the largest one an import touches at random, is then written from left
  to right), already in the tier importing.placement chose, one COPY of
  their tier history lines, one INSERT … SELECT of the opening-balance
  lots, one UPDATE per set of changed fields.

Its batches are classified between the two by the same code as elsewhere
(engine._Job.classify), so the counts, the errors and their order are those
of a batch-at-a-time import.

The statements run on the import's connection in a thread of their own
(_InOrder), in the order they are handed in, and a chunk's questions are
handed in before the writes of the chunk before it. So PostgreSQL answers
chunk N+1 and goes straight on to write chunk N while Python classifies
chunk N+1 and formats its rows; on two cores the database and Python work
side by side instead of in turn. The price is that chunk N+1's questions
cannot see chunk N's rows: its fresh member numbers and its new members'
names and birthdays are kept (one chunk of them) and checked here. Its
phones need no check: a phone is in one chunk of the file only.

Meanwhile the reading thread (importing.rows) cleans the chunks
after: Python's two threads share one core, PostgreSQL has the other.
"""

from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connection, connections

from config.database import server_binding_cursor
from importing.database import (
    COPY_ESCAPES,
    IMPORTED_MEMBER_COLUMNS,
    copy_statement,
    insert_defaults,
    json_list,
    members_where_in_json,
)
from importing.engine import EXISTING_COLUMNS, TIER_CHANGE_FIELDS, fresh_member_number
from importing.results import MAX_ERRORS_KEPT
from importing.rows import name_key
from members.models import Member
from points import ledger_batch
from points.models import LedgerEntry
from tiers.models import TierChange

# 10 batches of 2,000 rows: big enough for the phone-ordered COPY to pay,
# small enough to hold three chunks in memory (written, classified, read).
# Measured at 1M members: 25 batches were no faster and took 70 MB more.
CHUNK_BATCHES = 10
MIN_CHUNK_BATCHES = 3
# When the import has added this many members, refresh the table statistics
# even if the table was empty (see _Chunks.keep_planner_informed).
ANALYZE_AT_LEAST = 20_000


def run_in_chunks(job, batches):
    db = _InOrder()
    try:
        chunks = _Chunks(job, db)
        chunk = []
        for parsed in batches:
            chunk.append(parsed)
            # A full chunk; or, when the reading thread has nothing ready, a
            # smaller one, rather than leave PostgreSQL idle (the file's first
            # rows, or a reader slower than the database).
            if len(chunk) >= CHUNK_BATCHES or (
                len(chunk) >= MIN_CHUNK_BATCHES and not batches.ready()
            ):
                chunks.run(chunk)
                chunk = []
            else:
                # The progress bar moves a batch at a time, as it does elsewhere.
                rows = sum(parsed.total for parsed in chunk)
                errors = sum(parsed.error_rows for parsed in chunk)
                job.report_progress(read_ahead=(rows, errors))
        if chunk:
            chunks.run(chunk)
        chunks.finish()
    finally:
        db.close()


class _InOrder:
    """The import's database connection, worked by one thread of its own:
    each piece of work handed in runs after the ones before it, inside the
    caller's transaction, while the caller goes on. A failure is raised by
    every later piece of work, so the caller meets it at the next answer it
    waits for (or at finish) and its transaction rolls back."""

    def __init__(self):
        # The caller's own connection object (django.db.connection is a
        # per-thread proxy), lent to the thread for the import's duration.
        self._connection = connections[DEFAULT_DB_ALIAS]
        self._connection.inc_thread_sharing()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="member-import-db")
        self._failure = None

    def submit(self, work, *args):
        """Run work(cursor, *args) in turn; a Future of what it returns."""
        return self._executor.submit(self._run, work, args)

    def ask(self, work, *args):
        """Run work(cursor, *args) after everything handed in; wait for it."""
        return self.submit(work, *args).result()

    def _run(self, work, args):
        if self._failure is not None:
            raise self._failure
        try:
            # Bound on the server: the chunk's values (megabytes of JSON)
            # stay out of the statements' text (config.database).
            with server_binding_cursor(self._connection) as cursor:
                return work(cursor, *args)
        except BaseException as error:
            self._failure = error
            raise

    def close(self):
        """Drop the work not started yet, wait for the work under way."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._connection.dec_thread_sharing()


class _Answers:
    """What the database said about a chunk."""

    __slots__ = ("existing", "taken", "ids", "named")


class _Chunks:
    def __init__(self, job, db):
        self.job = job
        self.db = db
        self.sql = _Statements()
        self.estimated_members = self.db.ask(_estimated_members, self.sql) if job.apply else 0
        self.analyze_after = max(ANALYZE_AT_LEAST, self.estimated_members)
        self.created_since_analyze = 0
        # The chunk whose writes wait to go in after the next chunk's
        # questions, and what those questions cannot see of it.
        self.unsent = None
        self.unsent_numbers = frozenset()
        self.unsent_named = {}
        self.lots_columns = job.opening_balance_columns() if job.apply else None

    def run(self, chunk):
        job = self.job
        candidates = [c for parsed in chunk for c in parsed.candidates]
        writing = job.apply and not job.blocked
        needed = sum(1 for c in candidates if not c.member_number) if writing else 0
        fresh = _fresh_numbers(needed)
        pairs = []
        if len(job.result.near_duplicates) < MAX_ERRORS_KEPT:
            pairs = sorted({(c.name_key, c.birthday) for c in candidates if c.birthday})
        given = {c.member_number for c in candidates if c.member_number}
        question = self.db.submit(
            _ask,
            self.sql,
            json_list(sorted({c.phone for c in candidates})),
            json_list(sorted(given | set(fresh))),
            json_list(pairs),
            len(candidates) if writing else 0,
        )
        self.send_unsent()
        answers = question.result()

        existing = job.existing_from_rows(answers.existing)
        taken = answers.taken | self.unsent_numbers
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
        ids = dict(zip(map(id, creates), answers.ids, strict=False))
        numbers = {}
        if creates:
            pool = [n for n in fresh if n not in answers.taken]
            numbers = dict(zip(map(id, creates), self.member_numbers(creates, pool), strict=True))
        self.offer_merges(plans, answers.named, ids, numbers)
        self.unsent = self.prepare_writes(creates, updates, ids, numbers)
        self.unsent_numbers = frozenset(numbers.values())
        job.report_progress()

    def send_unsent(self):
        if self.unsent is not None:
            self.db.submit(_write, *self.unsent)
            self.unsent = None

    def finish(self):
        """Send the last chunk's writes and wait for all of them."""
        self.send_unsent()
        self.db.ask(_nothing)

    # -- member numbers ----------------------------------------------------

    def member_numbers(self, creates, pool):
        """The file's member numbers, and fresh ones where it has none: from
        the pool drawn and checked with the chunk's questions, never one the
        file gives, the chunk before took or this chunk already used."""
        given = self.job.cleaner.seen_numbers
        avoid = self.unsent_numbers
        used = set()
        numbers = []
        fresh = iter(pool)
        for c in creates:
            number = c.member_number
            while not number:
                number = next(fresh, None)
                if number is None:
                    # The pool ran dry: more numbers of this database are
                    # taken than the margin allowed for. Draw and check more.
                    fresh = iter(self.db.ask(_untaken, self.sql, _fresh_numbers(len(creates))))
                    continue
                if number in given or number in avoid or number in used:
                    number = ""
            used.add(number)
            numbers.append(number)
        return numbers

    # -- near-duplicates ---------------------------------------------------

    def offer_merges(self, plans, named, ids, numbers):
        """Near-duplicates, batch by batch as a batch-at-a-time import finds
        them: the members the database had (`named`, in id order), then those
        the chunk before creates, then those this chunk's earlier batches
        create. Remembers this chunk's for the next one."""
        job = self.job
        found = {}
        for pk, number, name, key, birthday in named:
            found.setdefault((key, birthday), []).append((pk, number, name))
        earlier, mine = self.unsent_named, {}
        for creates, _updates, keys, written in plans:
            if len(job.result.near_duplicates) < MAX_ERRORS_KEPT and (found or earlier or mine):
                for key, candidate in keys.items():
                    for member in (*found.get(key, ()), *earlier.get(key, ()), *mine.get(key, ())):
                        job.offer_merge(candidate, *member)
            if written:
                for c in creates:
                    if c.birthday:
                        member = (ids[id(c)], numbers[id(c)], c.name)
                        mine.setdefault((c.name_key, c.birthday), []).append(member)
        self.unsent_named = mine

    # -- writing -----------------------------------------------------------

    def prepare_writes(self, creates, updates, ids, numbers):
        """The chunk's writes as statements ready to run: (an ANALYZE to run
        first or None, the COPY statement and its data or None, the lots'
        statement and parameters or None, the updates' statements and
        parameters)."""
        analyze = self.keep_planner_informed(len(creates)) if creates else None
        copy = self.members_copy(creates, ids, numbers) if creates else None
        lots = [(ids[id(c)], c.points) for c in creates if c.points]
        placed = [c for c in creates if c.tier_change]
        return (
            analyze,
            copy,
            self.opening_balances(lots) if lots else None,
            self.member_updates(updates),
            self.tier_changes_copy(placed, ids) if placed else None,
        )

    def tier_changes_copy(self, placed, ids):
        """The tier history lines of the new members placed above the entry
        tier or by the file's tier column (importing.placement), as COPY text."""
        job = self.job
        sql, end = copy_statement(TierChange, TIER_CHANGE_FIELDS, job.tier_change_constants())
        row = job.placement.change_row
        # Two reasons in all, escaped once (str.translate costs microseconds a
        # row); the figures are digits and names, with nothing to escape.
        reasons = {}
        lines = []
        for c in placed:
            member_id, kind, from_tier, to_tier, reason, figures = row(c, ids[id(c)])
            escaped = reasons.get(reason)
            if escaped is None:
                escaped = reasons[reason] = reason.translate(COPY_ESCAPES)
            from_tier = "\\N" if from_tier is None else from_tier
            lines.append(f"{member_id}\t{kind}\t{from_tier}\t{to_tier}\t{escaped}\t{figures}{end}")
        return sql, "".join(lines).encode()

    def keep_planner_informed(self, created):
        """PostgreSQL plans the lookups from table statistics that a big
        import makes stale (a growing table still looks small, and a lookup
        becomes a full scan). Refresh them whenever the import has added as
        many members as the statistics count (at least ANALYZE_AT_LEAST):
        the ANALYZE statement to run before the chunk's writes, or None."""
        self.estimated_members += created
        self.created_since_analyze += created
        if self.created_since_analyze < self.analyze_after:
            return None
        # Counted as the ANALYZE will count them, this chunk's rows included.
        self.analyze_after = max(ANALYZE_AT_LEAST, self.estimated_members)
        self.created_since_analyze = 0
        return self.sql.analyze

    # The ids are drawn from the sequence first, so every row is known before COPY.
    MEMBER_COPY_COLUMNS = ("id", *IMPORTED_MEMBER_COLUMNS)

    def members_copy(self, creates, ids, numbers):
        """The new members as COPY text, in phone order. Their points balance
        is the opening-balance lot written next; the free text is escaped for
        COPY (phones, genders, dates and amounts are clean by now)."""
        job = self.job
        sql, end = copy_statement(Member, self.MEMBER_COPY_COLUMNS, job.member_constants())
        today = job.today.isoformat()
        escapes = COPY_ESCAPES
        entry = job.tier.pk
        lines = []
        for c in sorted(creates, key=lambda c: c.phone):
            key = id(c)
            birthday = c.birthday.isoformat() if c.birthday else "\\N"
            joined_on = c.joined_on.isoformat() if c.joined_on else today
            as_of = c.figures_as_of.isoformat() if c.figures_as_of else "\\N"
            last = c.last_purchase.isoformat() if c.last_purchase else "\\N"
            home_store = "\\N" if c.home_store_id is None else c.home_store_id
            lines.append(
                f"{ids[key]}\t{numbers[key].translate(escapes)}\t{c.phone}\t"
                f"{c.phone[-4:]}\t{c.name.translate(escapes)}\t"
                f"{c.name_key.translate(escapes)}\t{c.email.translate(escapes)}\t"
                f"{birthday}\t{c.gender}\t{joined_on}\t{c.notes.translate(escapes)}\t"
                f"{c.lifetime_spend}\t{c.points}\t{c.tier_id or entry}\t{c.lifetime_spend}\t"
                f"{c.window_spend}\t{c.window_purchases}\t{as_of}\t"
                f"{'t' if c.sms_opt_out else 'f'}\t{'t' if c.email_opt_out else 'f'}\t"
                f"{c.purchases}\t{last}\t{home_store}{end}"
            )
        # Encoded here, so the connection's thread hands the whole chunk to
        # the socket at once and never stops for Python while PostgreSQL waits.
        return sql, "".join(lines).encode()

    def opening_balances(self, lots):
        """The chunk's opening-balance lots [(member id, points)] as the
        ledger's batch statement (points.ledger_batch)."""
        columns = {**_defaults(LedgerEntry), **self.lots_columns}
        return ledger_batch.opening_balances_statement(lots, columns=columns)

    def member_updates(self, updates):
        """One UPDATE per set of changed fields, the new values as arrays."""
        job = self.job
        by_fields = {}
        for pk, changes in updates:
            by_fields.setdefault(tuple(sorted(changes)), []).append((pk, changes))
        table = quoted(Member._meta.db_table)
        statements = []
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
            statements.append((sql, [job.now, json_list(rows)]))
        return statements


def _fresh_numbers(needed):
    """Fresh member numbers for `needed` new members, and a margin for those
    the database or the file already has (about 0.1 % of them at a million
    members), all checked with the chunk's questions."""
    if not needed:
        return []
    return [fresh_member_number() for _ in range(needed + 64 + needed // 50)]


# -- the work the connection's thread runs (cursor first) -----------------------


class _Statements:
    """The SQL of a chunk's questions, written once in the calling thread."""

    def __init__(self):
        meta = Member._meta
        table = quoted(meta.db_table)
        self.existing = members_where_in_json(EXISTING_COLUMNS, "phone")
        self.taken = members_where_in_json(("member_number",), "member_number")
        # One search of the (name_key, birthday) index per pair, in index order.
        columns = ", ".join(
            f"m.{quoted(_column(Member, name))}"
            for name in ("id", "member_number", "name", "name_key", "birthday")
        )
        key, birthday = (quoted(_column(Member, name)) for name in ("name_key", "birthday"))
        self.named = (
            f"SELECT {columns} FROM json_array_elements(%s::json) AS wanted "
            f"JOIN {table} m ON m.{key} = wanted->>0 AND m.{birthday} = (wanted->>1)::date "
            f"ORDER BY m.{quoted(meta.pk.column)}"
        )
        # The sequence looked up once, not once a row (4 times faster). The
        # answer is the range the ids fill when no one else drew from the
        # sequence meanwhile (the usual case: two numbers, not a row per id),
        # else the ids themselves.
        self.ids = (
            "WITH drawn AS (SELECT nextval((SELECT pg_get_serial_sequence(%s, %s))::regclass) "
            "AS id FROM generate_series(1, %s)) "
            "SELECT min(id), max(id), CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL "
            "ELSE array_agg(id ORDER BY id) END FROM drawn"
        )
        self.ids_params = [meta.db_table, meta.pk.column]
        self.estimate = "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass"
        self.analyze = f"ANALYZE {table}"


def _ask(cursor, sql, phones, numbers, pairs, id_count):
    """A chunk's questions: its members already registered, its member
    numbers taken, the members with its names and birthdays, its new ids."""
    answers = _Answers()
    cursor.execute(sql.existing, [phones])
    answers.existing = cursor.fetchall()
    cursor.execute(sql.taken, [numbers])
    answers.taken = {row[0] for row in cursor.fetchall()}
    answers.named = []
    if pairs != "[]":
        cursor.execute(sql.named, [pairs])
        answers.named = cursor.fetchall()
    answers.ids = range(0)
    if id_count:
        cursor.execute(sql.ids, [*sql.ids_params, id_count])
        low, high, ids = cursor.fetchone()
        answers.ids = ids if ids is not None else range(low, high + 1)
    return answers


def _untaken(cursor, sql, numbers):
    cursor.execute(sql.taken, [json_list(numbers)])
    taken = {row[0] for row in cursor.fetchall()}
    return [n for n in numbers if n not in taken]


def _estimated_members(cursor, sql):
    cursor.execute(sql.estimate, [Member._meta.db_table])
    row = cursor.fetchone()
    return max(0, row[0]) if row else 0


def _write(cursor, analyze, copy, lots, updates, changes):
    if analyze:
        cursor.execute(analyze)
    for statement in (copy, changes):
        if statement is not None:
            sql, data = statement
            # As Django's own statements fail: IntegrityError, not psycopg's.
            with cursor.db.wrap_database_errors, cursor.cursor.copy(sql) as stream:
                stream.write(data)
    if lots is not None:
        cursor.execute(*lots)
    for statement in updates:
        cursor.execute(*statement)


def _nothing(cursor):
    return None


def quoted(name):
    return connection.ops.quote_name(name)


def _column(model, name):
    return model._meta.get_field(name).column


def _defaults(model):
    return insert_defaults(model)
