"""The import itself: rows are read, cleaned by the member rules, checked
against the file and the database in batches, and (when applying) written
with bulk inserts and updates. The same code makes the preview, so the
preview's figures are the import's figures.

Reading and cleaning (importing.rows) runs in a thread of its own
while this module talks to the database: on PostgreSQL in chunks of batches
with set-based statements (importing.postgres), elsewhere a batch at
a time. Memory stays flat: rows stream from the file and only a few batches
are held, plus 24 to 48 bytes per phone seen (to find duplicates inside
the file: importing.seen).
"""

import random
from dataclasses import replace
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.clock import shop_today
from config.shop import shop_settings
from importing import database
from importing.limits import FileProblem
from importing.mapping import chooser
from importing.placement import Placement
from importing.reader import encoding_label, open_table
from importing.results import (
    CANNOT,
    MAX_ERRORS_KEPT,
    NO_ENTRY_TIER,
    ImportOptions,
    ImportResult,
    verdict_of,
)
from importing.rows import RowCleaner, StoreNames, name_key, read_ahead
from importing.tuning import tuned_for_import
from members.columns import column_fields, column_label, match_headers
from members.models import Member
from members.selectors import entry_tier
from members.tags import give_tags, tag_names_in, tags_named
from points import ledger_batch
from points.models import LedgerEntry, ProgrammeRules
from stores.selectors import all_stores
from tiers.models import TierChange

# Member numbers need to be unpredictable, not secret: a seeded generator is
# fast enough for a million of them.
_random = random.Random()
BATCH_SIZE = 2000
# Batches the reading thread may have ready before the database half takes them.
READ_AHEAD = 12
# Fields an import may change on a member already in the database.
UPDATABLE = ("name", "email", "birthday", "gender", "notes", "sms_opt_out", "email_opt_out")
# The file's columns that fill each of them, where their names differ.
UPDATED_FROM = {
    "name": ("name", "last_name", "first_name"),
    "sms_opt_out": ("sms_consent",),
    "email_opt_out": ("email_consent",),
}
# What the import reads of a member already registered with a file's phone.
EXISTING_COLUMNS = ("pk", "phone", "member_number", *UPDATABLE)
# A new member's tier history line (importing.placement.Placement.change_row).
TIER_CHANGE_FIELDS = ("member_id", "kind", "from_tier_id", "to_tier_id", "reason", "figures")


def _luhn_sums(doubled_first):
    """Luhn sum of each three-digit group, by whether its last digit is doubled."""
    sums = []
    for group in range(1000):
        total, doubled = 0, doubled_first
        for digit in reversed(f"{group:03d}"):
            value = int(digit) * (2 if doubled else 1)
            total += value - 9 if value > 9 else value
            doubled = not doubled
        sums.append(total)
    return sums


_LUHN_DOUBLED, _LUHN_PLAIN = _luhn_sums(True), _luhn_sums(False)


def fresh_member_number() -> str:
    """A new member number as members.services.new_member_number makes them
    (nine random digits and a Luhn check digit), without asking the database:
    the import checks a whole batch of them at once. The check digit from
    three table look-ups: a million of them in a fraction of a second."""
    body = _random.randrange(10**8, 10**9)
    high, rest = divmod(body, 10**6)
    middle, low = divmod(rest, 1000)
    total = _LUHN_DOUBLED[low] + _LUHN_PLAIN[middle] + _LUHN_DOUBLED[high]
    return f"{body}{(10 - total % 10) % 10}"


class _RollBack(Exception):
    pass


def run_import(
    fileobj, *, options=None, apply=False, by=None, progress=None, name=""
) -> ImportResult:
    """Read `fileobj` (binary, seekable) and say what importing it does.

    With apply=False nothing is written (the preview). With apply=True the
    rows are written in one transaction: all of them, or, when any row is
    wrong, none, unless options.valid_rows_only asks for the valid ones; and
    none at all when the verdict (importing.results.verdict_of) is that the
    file cannot be imported, as the preview said.
    `progress(rows_done, total_estimate, errors)` is called after each batch.

    A phone repeated with different details makes every row with it wrong,
    the first one too; the first is met before the repeat, so a file with
    such phones is read a second time knowing them (only such files).
    """
    options = options or ImportOptions()
    if options.region is None or options.date_order is None:
        # The shop settings' phone regions and date order, read once per file.
        shop = shop_settings()
        if options.region is None:
            options = replace(options, region=shop.phone_region, also_regions=shop.also_regions)
        if options.date_order is None:
            options = replace(options, date_order=shop.date_order)
    conflicts = None
    choose = chooser(options.columns)  # asked once per header row, however often read
    while True:
        fileobj.seek(0)
        result, conflicts_found, file_order = _run_once(
            fileobj,
            choose=choose,
            options=options,
            apply=apply,
            by=by,
            progress=progress,
            name=name,
            conflicts=conflicts,
        )
        if file_order and file_order != options.date_order:
            # Dates that read either way, and the file's other dates show
            # how it writes them: read it again that way.
            options = replace(options, date_order=file_order)
            continue
        if not conflicts_found or conflicts is not None:
            return result
        conflicts = conflicts_found


def _run_once(fileobj, *, choose, options, apply, by, progress, name, conflicts):
    """One reading of the file: (the result, the phones found repeated
    with different details that `conflicts` did not announce)."""
    result = ImportResult()
    region = options.region
    try:
        table = open_table(
            fileobj, encoding=options.encoding, region=region, name=name, choose=choose
        )
    except FileProblem as problem:
        result.file_error = problem.message
        result.headers = problem.headers
        result.sample = getattr(problem, "sample", [])
        if problem.headers:
            # A header without the columns needed: the owner may say which they are.
            chosen = choose(problem.headers)
            mapping, result.ignored = match_headers(problem.headers, chosen)
            result.column_fields = column_fields(problem.headers, mapping)
            result.columns_chosen = bool(chosen)
        return result, None, None
    result.format = table.format
    result.encoding = table.encoding or ""
    result.encoding_label = encoding_label(table.encoding) if table.encoding else ""
    result.headers = table.headers
    result.columns = {
        column_label(name): table.headers[index] for name, index in table.mapping.items()
    }
    result.ignored = table.ignored
    result.column_fields = column_fields(table.headers, table.mapping)
    result.columns_chosen = table.chosen
    result.sample = table.sample
    job = _Job(
        table,
        options,
        region,
        result,
        apply=apply,
        by=by,
        progress=progress,
        name=name,
        conflicts=conflicts,
    )
    if not apply:
        with tuned_for_import():
            job.run()
        return result, job.late_conflicts(), job.cleaner.file_date_order()
    database.roomy_sqlite_cache()
    try:
        with transaction.atomic(durable=True), tuned_for_import():
            job.run()
            job.give_tags()
            if job.late_conflicts() or job.cleaner.file_date_order() not in (
                None,
                options.date_order,
            ):
                raise _RollBack  # read again, knowing them
            wrong = result.error_rows and not options.valid_rows_only
            if wrong or verdict_of(result.as_dict())[0] == CANNOT:
                raise _RollBack
    except _RollBack:
        result.applied = False
    else:
        result.applied = True
    return result, job.late_conflicts(), job.cleaner.file_date_order()


def chunked() -> bool:
    """Whether this database takes the set-based path of
    importing.postgres (the tests compare both paths on PostgreSQL)."""
    return connection.vendor == "postgresql"


class _Job:
    def __init__(self, table, options, region, result, *, apply, by, progress, name, conflicts):
        self.table = table
        self.mapping = table.mapping
        self.options = options
        self.region = region
        self.result = result
        self.apply = apply
        self.by = by if by is not None and by.is_authenticated else None
        self.progress = progress
        self.today = shop_today()
        self.now = timezone.now()
        self.cleaner = RowCleaner(
            mapping=table.mapping,
            width=len(table.headers),
            options=options,
            region=region,
            today=self.today,
            conflicts=conflicts,
            # Read once, and only for a file with a store column.
            stores=StoreNames(list(all_stores())) if "store" in table.mapping else None,
        )
        self.tier = None
        self.placement = None  # where new members go on the ladder (importing.placement)
        self.tier_counts = {}  # new members per tier id
        self.tagged = {}  # phone -> the file's tags cell, for the rows written
        self.blocked = False  # all-or-nothing and a row is wrong: stop writing
        self.rules = None  # the programme's rules, read once for the lots' expiry
        self.created_since_analyze = 0
        self.analyze_after = None  # see _keep_planner_informed
        self.file_name = name or _("a file")

    def late_conflicts(self):
        """The phones repeated with different details that were found after
        their first row was taken (see RowCleaner), or None."""
        if self.result.file_error:
            return None  # the file cannot be read: the reading stops there
        return self.cleaner.late_conflicts or None

    def run(self):
        # The preview asks as the import does: without an entry tier, new
        # members have nowhere to go, so neither counts any.
        self.tier = entry_tier()
        if self.tier is None:
            self.result.setup_error = NO_ENTRY_TIER
            return
        self.placement = self.cleaner.placement = Placement.for_import(
            mapping=self.mapping, today=self.today, file_name=self.file_name
        )
        try:
            self._run()
        finally:
            self.count_tiers()

    def _run(self):
        result = self.result
        # The file is read and cleaned in a thread while this one talks to the
        # database; a chunk of batches ahead at most, so memory stays flat.
        batches = read_ahead(self._read, ahead=READ_AHEAD)
        try:
            if chunked():
                from importing.postgres import run_in_chunks

                run_in_chunks(self, batches)
            else:
                for parsed in batches:
                    self._batch(parsed)
                    self.report_progress()
        except FileProblem as problem:
            result.file_error = problem.message
        finally:
            batches.close()

    @staticmethod
    def tags_of(pks) -> dict:
        """{member id: their tags' names in every script, case folded}."""
        named = {}
        rows = Member.tags.through.objects.filter(member_id__in=pks).values_list(
            "member_id", "tag__name", "tag__name_zh_hant", "tag__name_zh_hans"
        )
        for member_id, *names in rows:
            named.setdefault(member_id, set()).update(n.casefold() for n in names if n)
        return named

    def give_tags(self):
        """The tags the file's tag column names, found or created by name, on
        the members its rows wrote (new ones, and those it updated), in the
        import's transaction. Tags are added, never taken away."""
        if not self.tagged:
            return
        names = {phone: tag_names_in(text) for phone, text in self.tagged.items()}
        # Written as the file first writes them.
        tags = tags_named(list(dict.fromkeys(n for listed in names.values() for n in listed)))
        phones = list(names)
        pks = {}
        for start in range(0, len(phones), BATCH_SIZE):
            chunk = phones[start : start + BATCH_SIZE]
            pks.update(database.members_where_in(("phone", "pk"), "phone", chunk))
        give_tags(
            member_tags={
                pks[phone]: [tags[name] for name in listed]
                for phone, listed in names.items()
                if phone in pks and listed
            }
        )

    def count_tiers(self):
        """The new members per tier, for the preview and the outcome."""
        if self.placement is not None:
            self.result.tiers = [
                {"tier": tier.display_name, "members": self.tier_counts[tier.pk]}
                for tier in self.placement.ladder
                if self.tier_counts.get(tier.pk)
            ]

    def _read(self):
        rows = self.table.rows()
        while batch := list(islice(rows, BATCH_SIZE)):
            yield self.cleaner.batch(batch)

    def report_progress(self, *, read_ahead=(0, 0)):
        """Rows done of about how many, and rows in error so far; `read_ahead`
        adds (rows, rows in error) read but not yet checked against the database."""
        if self.progress:
            result = self.result
            rows, errors = read_ahead
            self.progress(
                result.total + rows, self.table.total_estimate, result.error_rows + errors
            )

    # -- one batch ---------------------------------------------------------

    def take(self, parsed):
        """Add what reading a batch found to the result, in file order."""
        result = self.result
        result.total += parsed.total
        result.skipped += parsed.skipped
        result.error_rows += parsed.error_rows
        for row, field_name, value, message in parsed.errors:
            result.add_error(row, field_name, value, message)
        result.error_count += parsed.unkept_errors

    def _batch(self, parsed):
        self.take(parsed)
        creates, updates = self._against_database(parsed.candidates)
        self.note_errors()
        if self.apply and not self.blocked:
            self._write(creates, updates)

    def note_errors(self):
        if self.result.error_rows and not self.options.valid_rows_only:
            self.blocked = True
        elif self.cleaner.late_conflicts:
            self.blocked = True  # the file is read again: write nothing now

    def _against_database(self, candidates):
        """Split a batch into members to create and members to update (one or
        two queries per batch, never one per row)."""
        existing = self.existing_members([c.phone for c in candidates])
        given = [c.member_number for c in candidates if c.member_number]
        numbers_taken = self.numbers_taken(given)
        creates, updates = self.classify(candidates, existing, numbers_taken)
        self._near_duplicates(creates)
        return creates, updates

    def existing_members(self, phones) -> dict:
        """{phone: {column: value}} of the members who have one of `phones`."""
        return self.existing_from_rows(database.members_where_in(EXISTING_COLUMNS, "phone", phones))

    def existing_from_rows(self, rows) -> dict:
        """{phone: {column: value}} from rows of EXISTING_COLUMNS."""
        columns = EXISTING_COLUMNS
        existing = {row[1]: dict(zip(columns, row, strict=True)) for row in rows}
        for row in existing.values():
            row["birthday"] = database.as_date(row["birthday"])
        return existing

    def numbers_taken(self, numbers) -> set:
        return {
            row[0]
            for row in database.members_where_in(("member_number",), "member_number", numbers)
        }

    def classify(self, candidates, existing, numbers_taken):
        """Creates and (pk, changes) updates of a batch, given the members
        already registered with its phones and which of its member numbers are
        taken; the rows that cannot be imported are recorded as errors."""
        result = self.result
        present = [
            name
            for name in UPDATABLE
            if any(column in self.mapping for column in UPDATED_FROM.get(name, (name,)))
        ]
        creates, updates = [], []
        having = None
        for candidate in candidates:
            current = existing.get(candidate.phone)
            number = candidate.member_number
            if current is None:
                if number and number in numbers_taken:
                    result.error_rows += 1
                    result.add_error(
                        candidate.row,
                        "member_number",
                        number,
                        _("Member number %(number)s already belongs to another member.")
                        % {"number": number},
                    )
                    continue
                result.created += 1
                creates.append(candidate)
                if candidate.tags:
                    self.tagged[candidate.phone] = candidate.tags
                if self.placement is not None:
                    counts = self.tier_counts
                    counts[candidate.tier_id] = counts.get(candidate.tier_id, 0) + 1
                continue
            if number and number != current["member_number"]:
                result.error_rows += 1
                result.add_error(
                    candidate.row,
                    "member_number",
                    number,
                    _("This phone belongs to member %(number)s, not %(given)s.")
                    % {"number": current["member_number"], "given": number},
                )
                continue
            if not self.options.update_existing:
                result.skipped += 1
                continue
            if candidate.tags:
                if having is None:  # the batch's registered members' tags, once
                    having = self.tags_of([row["pk"] for row in existing.values()])
                mine = having.get(current["pk"], set())
                if any(name.casefold() not in mine for name in tag_names_in(candidate.tags)):
                    self.tagged[candidate.phone] = candidate.tags
            changes = {}
            for name in present:
                value = getattr(candidate, name)
                # An empty cell keeps what the member record says.
                if value not in ("", None) and value != current[name]:
                    changes[name] = value
            if changes or candidate.phone in self.tagged:
                result.updated += 1  # a new tag is a change too (give_tags)
                if changes:
                    updates.append((current["pk"], changes))
            else:
                result.unchanged += 1
        return creates, updates

    def near_duplicate_keys(self, creates):
        """{(name key, birthday): the last new row with them}, or None when no
        near-duplicate will be listed."""
        if len(self.result.near_duplicates) >= MAX_ERRORS_KEPT:
            return None
        keys = {(c.name_key, c.birthday): c for c in creates if c.birthday}
        return keys or None

    def offer_merge(self, candidate, member_id, member_number, member_name):
        """List a new row as possibly the same person as a member."""
        if len(self.result.near_duplicates) < MAX_ERRORS_KEPT:
            self.result.near_duplicates.append(
                {
                    "row": candidate.row,
                    "name": candidate.name,
                    "phone": candidate.phone,
                    "member_id": member_id,
                    "member_number": member_number,
                    "member_name": member_name,
                }
            )

    def _near_duplicates(self, creates):
        """New rows whose name and birthday match a member with another phone:
        probably the same person with a new number, offered for merging."""
        keys = self.near_duplicate_keys(creates)
        if not keys:
            return
        columns = ("pk", "member_number", "name", "name_key", "birthday")
        adapt_date = connection.ops.adapt_datefield_value
        pairs = [(key, adapt_date(day)) for key, day in keys]
        for row in database.members_where_pairs(columns, ("name_key", "birthday"), pairs):
            member = dict(zip(columns, row, strict=True))
            candidate = keys.get((member["name_key"], database.as_date(member["birthday"])))
            if candidate is not None:
                self.offer_merge(candidate, member["pk"], member["member_number"], member["name"])

    # -- writing -----------------------------------------------------------

    def _write(self, creates, updates):
        if creates:
            numbers = self.member_numbers(creates)
            database.insert_rows(
                Member,
                database.IMPORTED_MEMBER_COLUMNS,
                self.member_rows(creates, numbers),
                self.member_constants(),
            )
            lots = [c for c in creates if c.points]
            placed = [c for c in creates if c.tier_change]
            if lots or placed:
                phones = [c.phone for c in creates if c.points or c.tier_change]
                pks = dict(database.members_where_in(("phone", "pk"), "phone", phones))
                if lots:
                    self._opening_balances(lots, pks)
                if placed:
                    database.insert_rows(
                        TierChange,
                        TIER_CHANGE_FIELDS,
                        (self.placement.change_row(c, pks[c.phone]) for c in placed),
                        self.tier_change_constants(),
                    )
        if updates:
            self._update(updates)

    def _opening_balances(self, creates, pks):
        """Each new member's points from the file as one opening-balance lot,
        in the ledger's batch form (points.ledger_batch); their cached balance
        was written equal to the lot (see member_rows)."""
        database.insert_rows(
            LedgerEntry,
            ledger_batch.OPENING_BALANCE_FIELDS,
            ledger_batch.opening_balance_rows((pks[c.phone], c.points) for c in creates),
            self.opening_balance_columns(),
        )

    def tier_change_constants(self):
        """The columns every tier history line of this import shares."""
        return {
            "at": connection.ops.adapt_datetimefield_value(self.now),
            "by_id": self.by.pk if self.by else None,
        }

    def opening_balance_columns(self):
        """The columns every opening-balance lot of this import shares."""
        if self.rules is None:
            self.rules = ProgrammeRules.current()
        reason = _("Opening balance imported from %(file)s") % {"file": self.file_name}
        return ledger_batch.opening_balance_columns(
            rules=self.rules,
            earned_on=self.today,
            at=self.now,
            reason=reason,
            by_id=self.by.pk if self.by else None,
        )

    def member_rows(self, creates, numbers):
        """Rows of IMPORTED_MEMBER_COLUMNS. The lifetime spend from the file
        is the member's opening lifetime spend, and all their lifetime spend
        so far (see Member.lifetime_spend)."""
        adapt_date = connection.ops.adapt_datefield_value
        today = adapt_date(self.today)
        entry = self.tier.pk
        for c, number in zip(creates, numbers, strict=True):
            yield (
                number,
                c.phone,
                c.phone[-4:],
                c.name,
                c.name_key,
                c.email,
                adapt_date(c.birthday) if c.birthday else None,
                c.gender,
                adapt_date(c.joined_on) if c.joined_on else today,
                c.notes,
                str(c.lifetime_spend),
                c.points,
                c.tier_id or entry,
                str(c.lifetime_spend),
                str(c.window_spend),
                c.window_purchases,
                adapt_date(c.figures_as_of) if c.figures_as_of else None,
                bool(c.sms_opt_out),
                bool(c.email_opt_out),
                c.purchases,
                adapt_date(c.last_purchase) if c.last_purchase else None,
                c.home_store_id,
            )

    def member_constants(self):
        now = connection.ops.adapt_datetimefield_value(self.now)
        return {
            "tier_since": now,
            "created_by_id": self.by.pk if self.by else None,
            "created_at": now,
            "updated_at": now,
        }

    def member_numbers(self, creates):
        """The file's member numbers, and fresh ones where it has none, checked
        against the database once per batch rather than once per member."""
        wanted = [c.member_number for c in creates]
        fresh = {}
        while True:
            for index, number in enumerate(wanted):
                if not number:
                    fresh[index] = wanted[index] = fresh_member_number()
            if not fresh:
                return wanted
            taken = {
                row[0]
                for row in database.members_where_in(
                    ("member_number",), "member_number", list(fresh.values())
                )
            }
            taken |= {n for n in fresh.values() if n in self.cleaner.seen_numbers}
            counts = {}
            for number in wanted:
                counts[number] = counts.get(number, 0) + 1
            retry = {i for i, n in fresh.items() if n in taken or counts[n] > 1}
            if not retry:
                return wanted
            for index in retry:
                wanted[index] = ""
            fresh = {}

    def _update(self, updates):
        by_fields = {}
        for pk, changes in updates:
            by_fields.setdefault(tuple(sorted(changes)), []).append((pk, changes))
        for fields, group in by_fields.items():
            members = []
            for pk, changes in group:
                member = Member(pk=pk, updated_at=self.now, **changes)
                if "name" in changes:
                    member.name_key = name_key(changes["name"])
                members.append(member)
            update_fields = [*fields, "updated_at"] + (["name_key"] if "name" in fields else [])
            Member.objects.bulk_update(members, update_fields, batch_size=500)
