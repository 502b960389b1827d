"""The import itself: rows are read, cleaned by the member rules, checked
against the file and the database in batches, and (when applying) written
with bulk inserts and updates. The same code makes the preview, so the
preview's figures are the import's figures.

Memory stays flat: rows stream from the file and only a batch is held, plus
one small integer per phone seen (to find duplicates inside the file).
"""

import random
from functools import lru_cache
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.clock import shop_today
from config.errors import LoyaltyError
from members.importing import database, values
from members.importing.columns import COLUMNS, column_label
from members.importing.reader import FileProblem, encoding_label, open_table
from members.importing.results import MAX_ERRORS_KEPT, ImportOptions, ImportResult
from members.models import Member
from members.names import name_search_key
from members.services import clean_member_fields, luhn_check_digit
from tiers.selectors import entry_tier

# Member numbers need to be unpredictable, not secret: a seeded generator is
# fast enough for a million of them.
_random = random.Random()
BATCH_SIZE = 2000
# Fields an import may change on a member already in the database.
UPDATABLE = ("name", "email", "birthday", "gender", "notes")


class _Candidate:
    """One cleaned row on its way to the database."""

    __slots__ = (
        "row",
        "phone",
        "name",
        "email",
        "birthday",
        "gender",
        "notes",
        "joined_on",
        "member_number",
        "points",
        "lifetime_spend",
    )


_UNSET = object()


class _RollBack(Exception):
    pass


def run_import(
    fileobj, *, options=None, apply=False, by=None, progress=None, name=""
) -> ImportResult:
    """Read `fileobj` (binary, seekable) and say what importing it does.

    With apply=False nothing is written (the preview). With apply=True the
    rows are written in one transaction: all of them, or, when any row is
    wrong, none, unless options.valid_rows_only asks for the valid ones.
    `progress(rows_done, total_estimate, errors)` is called after each batch.
    """
    options = options or ImportOptions()
    result = ImportResult()
    region = options.region or settings.DEFAULT_PHONE_REGION
    try:
        table = open_table(fileobj, encoding=options.encoding, region=region)
    except FileProblem as problem:
        result.file_error = problem.message
        result.headers = problem.headers
        return result
    result.format = table.format
    result.encoding = table.encoding or ""
    result.encoding_label = encoding_label(table.encoding) if table.encoding else ""
    result.headers = table.headers
    result.columns = {
        column_label(name): table.headers[index] for name, index in table.mapping.items()
    }
    result.ignored = table.ignored
    result.sample = table.sample
    job = _Job(table, options, region, result, apply=apply, by=by, progress=progress, name=name)
    if not apply:
        job.run()
        return result
    database.roomy_sqlite_cache()
    try:
        with transaction.atomic(durable=True):
            job.run()
            if result.file_error or (result.error_rows and not options.valid_rows_only):
                raise _RollBack
    except _RollBack:
        result.applied = False
    else:
        result.applied = True
    return result


@lru_cache(maxsize=65536)
def _name_key(name):
    # Customer lists repeat surnames and given names a lot; OpenCC is the
    # slow part of cleaning a row.
    return name_search_key(name)


class _Job:
    def __init__(self, table, options, region, result, *, apply, by, progress, name):
        self.table = table
        self.mapping = table.mapping
        self.options = options
        self.region = region
        self.result = result
        self.apply = apply
        self.by = by if by is not None and by.is_authenticated else None
        self.progress = progress
        self.width = len(table.headers)
        self.padding = [None] * self.width
        self.index = {name: table.mapping.get(name, -1) for name in COLUMNS}
        self.seen_phones = {}  # int(E.164 digits) -> row number << 32 | fingerprint
        self.seen_numbers = {}  # member number -> row number
        self.today = shop_today()
        self.now = timezone.now()
        self.tier = None
        self.blocked = False  # all-or-nothing and a row is wrong: stop writing
        self.expires_on = _UNSET
        self.created_since_analyze = 0
        self.analyze_after = 0  # ANALYZE before the first write, then as the table doubles
        self.file_name = name or _("a file")

    def run(self):
        result = self.result
        if self.apply:
            self.tier = entry_tier()
            if self.tier is None:
                result.file_error = _(
                    "No active tier exists yet: an owner must set up the tiers first."
                )
                return
        rows = self.table.rows()
        try:
            while batch := list(islice(rows, BATCH_SIZE)):
                self._batch(batch)
                if self.progress:
                    self.progress(result.total, self.table.total_estimate, result.error_rows)
        except FileProblem as problem:
            result.file_error = problem.message

    # -- one batch ---------------------------------------------------------

    def _batch(self, batch):
        candidates = []
        for number, cells in batch:
            if not any(cell not in (None, "") for cell in cells):
                continue
            self.result.total += 1
            candidate = self._clean(number, cells)
            if candidate is not None and self._first_in_file(candidate, cells):
                candidates.append(candidate)
        creates, updates = self._against_database(candidates)
        if self.result.error_rows and not self.options.valid_rows_only:
            self.blocked = True
        if self.apply and not self.blocked:
            self._write(creates, updates)

    def _cell(self, cells, name):
        index = self.mapping.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def _clean(self, number, cells):
        """A _Candidate, or None after recording the row's errors."""
        errors = []
        if getattr(cells, "cut_short", False):
            self._row_errors(
                number,
                cells,
                [
                    LoyaltyError(
                        _("This row is incomplete: the file seems to be cut short."), field=""
                    )
                ],
            )
            return None
        # The row padded so every field, present or not, has a cell to read
        # (a missing column reads the None at the end).
        row = [*cells, *self.padding[len(cells) :]] if len(cells) < self.width else [*cells]
        row.append(None)
        ix = self.index
        phone = birthday = joined_on = None
        try:
            phone = values.phone_text(row[ix["phone"]], region=self.region)
        except LoyaltyError as error:
            errors.append(error)
        minguo = self.options.minguo_dates
        try:
            birthday = values.parse_date(row[ix["birthday"]], minguo=minguo)
        except LoyaltyError as error:
            errors.append(error)
        try:
            joined_on = values.parse_date(row[ix["joined_on"]], minguo=minguo, field="joined_on")
        except LoyaltyError as error:
            errors.append(error)
        extra = {}
        for name, parse in (
            ("member_number", values.member_number_text),
            ("points", values.parse_points),
            ("lifetime_spend", values.parse_money),
        ):
            try:
                extra[name] = parse(row[ix[name]])
            except LoyaltyError as error:
                errors.append(error)
        failed = {error.field for error in errors}
        cleaned = clean_member_fields(
            phone=phone if "phone" not in failed else "0",
            name=values.strip_formula_escape(values.text(row[ix["name"]])),
            email=values.strip_formula_escape(values.text(row[ix["email"]])),
            birthday=birthday,
            gender=values.parse_gender(row[ix["gender"]]),
            region=self.region,
            today=self.today,
            errors=errors,
        )
        if joined_on is not None and joined_on > self.today:
            errors.append(
                LoyaltyError(
                    _("The joining date %(date)s is in the future.")
                    % {"date": joined_on.isoformat()},
                    field="joined_on",
                )
            )
        if errors:
            self._row_errors(number, cells, errors)
            return None
        candidate = _Candidate()
        candidate.row = number
        candidate.phone = cleaned["phone"]
        candidate.name = cleaned["name"]
        candidate.email = cleaned["email"]
        candidate.birthday = cleaned["birthday"]
        candidate.gender = cleaned["gender"]
        candidate.notes = values.strip_formula_escape(values.text(row[ix["notes"]]))
        candidate.joined_on = joined_on
        candidate.member_number = extra["member_number"]
        candidate.points = extra["points"]
        candidate.lifetime_spend = extra["lifetime_spend"]
        return candidate

    def _row_errors(self, number, cells, errors):
        self.result.error_rows += 1
        reported = set()
        for error in errors:
            if error.field in reported:
                continue  # one message per cell: the first says what to fix
            reported.add(error.field)
            self.result.add_error(
                number, error.field, self._cell(cells, error.field), error.message
            )

    def _first_in_file(self, candidate, cells) -> bool:
        """A phone (or member number) seen on an earlier row is never a silent
        update: an identical row is skipped, a different one is an error."""
        key = int(candidate.phone[1:])
        fingerprint = (
            hash(
                (
                    candidate.name,
                    candidate.email,
                    candidate.birthday,
                    candidate.gender,
                    candidate.notes,
                )
            )
            & 0xFFFFFFFF
        )
        earlier = self.seen_phones.get(key)
        if earlier is not None:
            earlier_row = earlier >> 32
            if earlier & 0xFFFFFFFF == fingerprint:
                self.result.skipped += 1
                return False
            self.result.error_rows += 1
            self.result.add_error(
                candidate.row,
                "phone",
                self._cell(cells, "phone"),
                _("This phone is already on row %(row)d of the file, with different details.")
                % {"row": earlier_row},
            )
            return False
        number = candidate.member_number
        if number:
            earlier_row = self.seen_numbers.get(number)
            if earlier_row is not None:
                self.result.error_rows += 1
                self.result.add_error(
                    candidate.row,
                    "member_number",
                    number,
                    _("This member number is already on row %(row)d of the file.")
                    % {"row": earlier_row},
                )
                return False
            self.seen_numbers[number] = candidate.row
        self.seen_phones[key] = candidate.row << 32 | fingerprint
        return True

    def _against_database(self, candidates):
        """Split a batch into members to create and members to update (one or
        two queries per batch, never one per row)."""
        result = self.result
        columns = ("pk", "phone", "member_number", *UPDATABLE)
        existing = {
            row[1]: dict(zip(columns, row, strict=True))
            for row in database.members_where_in(columns, "phone", [c.phone for c in candidates])
        }
        for row in existing.values():
            row["birthday"] = database.as_date(row["birthday"])
        given = [c.member_number for c in candidates if c.member_number]
        numbers_taken = dict(
            database.members_where_in(("member_number", "phone"), "member_number", given)
        )
        present = [name for name in UPDATABLE if name in self.mapping]
        creates, updates = [], []
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
            changes = {}
            for name in present:
                value = getattr(candidate, name)
                # An empty cell keeps what the member record says.
                if value not in ("", None) and value != current[name]:
                    changes[name] = value
            if changes:
                result.updated += 1
                updates.append((current["pk"], changes))
            else:
                result.unchanged += 1
        self._near_duplicates(creates)
        return creates, updates

    def _near_duplicates(self, creates):
        """New rows whose name and birthday match a member with another phone:
        probably the same person with a new number, offered for merging."""
        result = self.result
        dated = [c for c in creates if c.birthday]
        if not dated or len(result.near_duplicates) >= MAX_ERRORS_KEPT:
            return
        keys = {(_name_key(c.name), c.birthday): c for c in dated}
        columns = ("pk", "member_number", "name", "name_key", "birthday")
        adapt_date = connection.ops.adapt_datefield_value
        pairs = [(key, adapt_date(day)) for key, day in keys]
        for row in database.members_where_pairs(columns, ("name_key", "birthday"), pairs):
            member = dict(zip(columns, row, strict=True))
            candidate = keys.get((member["name_key"], database.as_date(member["birthday"])))
            if candidate is not None and len(result.near_duplicates) < MAX_ERRORS_KEPT:
                result.near_duplicates.append(
                    {
                        "row": candidate.row,
                        "name": candidate.name,
                        "phone": candidate.phone,
                        "member_id": member["pk"],
                        "member_number": member["member_number"],
                        "member_name": member["name"],
                    }
                )

    # -- writing -----------------------------------------------------------

    def _keep_planner_informed(self, created):
        """PostgreSQL plans the per-batch lookups from table statistics that a
        big import makes stale within minutes (a growing table still looks
        small, and every lookup becomes a full scan). Refresh them when the
        import has added as many members as the last count said there were."""
        if connection.vendor != "postgresql":
            return
        self.created_since_analyze += created
        if self.created_since_analyze < self.analyze_after:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Member._meta.db_table)}")
        self.analyze_after = max(20000, self.analyze_after * 2)
        self.created_since_analyze = 0

    def _write(self, creates, updates):
        self._keep_planner_informed(len(creates))
        if creates:
            numbers = self._member_numbers(creates)
            database.insert_rows(
                Member,
                self._MEMBER_COLUMNS,
                self._member_rows(creates, numbers),
                self._member_constants(),
            )
            if any(c.points for c in creates):
                self._opening_balances([c for c in creates if c.points])
        if updates:
            self._update(updates)

    def _opening_balances(self, creates):
        """Each new member's points from the file as one opening-balance lot.

        This is points.services.grant_points(kind=OPENING_BALANCE) done for a
        batch at once: the members were inserted a moment ago in this same
        transaction, so no one else can hold them, and their cached balance
        was written equal to the lot (see _member_rows). The lot expires by
        the programme's policy (points.services.lot_expiry)."""
        from points.models import LedgerEntry, ProgrammeRules
        from points.services import lot_expiry

        if self.expires_on is _UNSET:
            rules = ProgrammeRules.current()
            self.expires_on = lot_expiry(rules=rules, earned_on=self.today)
        pks = dict(database.members_where_in(("phone", "pk"), "phone", [c.phone for c in creates]))
        adapt_date = connection.ops.adapt_datefield_value
        now = connection.ops.adapt_datetimefield_value(self.now)
        expires_on = adapt_date(self.expires_on) if self.expires_on else None
        reason = _("Opening balance imported from %(file)s") % {"file": self.file_name}
        by_id = self.by.pk if self.by else None
        database.insert_rows(
            LedgerEntry,
            ("member_id", "points", "remaining", "idempotency_key"),
            (
                (pks[c.phone], c.points, c.points, f"opening-balance:{pks[c.phone]}")
                for c in creates
            ),
            {
                "kind": LedgerEntry.Kind.OPENING_BALANCE.value,
                "expires_on": expires_on,
                "created_at": now,
                "reason": reason[:200],
                "by_id": by_id,
            },
        )

    _MEMBER_COLUMNS = (
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
    )

    def _member_rows(self, creates, numbers):
        adapt_date = connection.ops.adapt_datefield_value
        today = adapt_date(self.today)
        for c, number in zip(creates, numbers, strict=True):
            yield (
                number,
                c.phone,
                c.phone[-4:],
                c.name,
                _name_key(c.name),
                c.email,
                adapt_date(c.birthday) if c.birthday else None,
                c.gender,
                adapt_date(c.joined_on) if c.joined_on else today,
                c.notes,
                str(c.lifetime_spend),
                c.points,
            )

    def _member_constants(self):
        now = connection.ops.adapt_datetimefield_value(self.now)
        return {
            "tier_id": self.tier.pk,
            "tier_since": now,
            "created_by_id": self.by.pk if self.by else None,
            "created_at": now,
            "updated_at": now,
        }

    def _member_numbers(self, creates):
        """The file's member numbers, and fresh ones where it has none, checked
        against the database once per batch rather than once per member."""
        wanted = [c.member_number for c in creates]
        fresh = {}
        while True:
            for index, number in enumerate(wanted):
                if not number:
                    body = str(_random.randrange(10**8, 10**9))
                    fresh[index] = wanted[index] = body + luhn_check_digit(body)
            if not fresh:
                return wanted
            taken = {
                row[0]
                for row in database.members_where_in(
                    ("member_number",), "member_number", list(fresh.values())
                )
            }
            taken |= {n for n in fresh.values() if n in self.seen_numbers}
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
                    member.name_key = _name_key(changes["name"])
                members.append(member)
            update_fields = [*fields, "updated_at"] + (["name_key"] if "name" in fields else [])
            Member.objects.bulk_update(members, update_fields, batch_size=500)
