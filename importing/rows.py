"""The reading half of an import: each row cleaned by the member rules and
checked against the rows before it, a batch at a time, with no queries.

It runs in a thread of its own (read_ahead) while the database half works on
the batches before, so on two cores Python reads the file while the database
writes. What a batch found (counts, errors) travels with the batch and is
added to the result in file order by the database half, so the result is the
same as reading and writing one batch after the other.
"""

import queue
import threading
from decimal import Decimal
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from config.money import format_money
from config.text import clean_text
from importing import cells as other_systems
from importing.results import MAX_ERRORS_KEPT
from importing.seen import SeenPhones
from members import values
from members.columns import COLUMNS
from members.names import name_search_key
from members.services import clean_member_fields

ZERO = Decimal("0")
# The columns read for a new member's opening figures and tier, besides the
# lifetime spend; and what a row's are when the file has none of them.
OPENING_COLUMNS = ("window_spend", "window_purchases", "figures_as_of", "tier")
NONE = (ZERO, 0, None, None)
# The consent columns, and the member's opt-out each one sets.
CONSENTS = {"sms_consent": "sms_opt_out", "email_consent": "email_opt_out"}


class Candidate:
    """One cleaned row on its way to the database."""

    __slots__ = (
        "row",
        "phone",
        "name",
        "name_key",
        "email",
        "birthday",
        "gender",
        "notes",
        "joined_on",
        "member_number",
        "points",
        "lifetime_spend",
        "window_spend",
        "window_purchases",
        "figures_as_of",
        "tier_id",
        "tier_change",
        "sms_opt_out",
        "email_opt_out",
        "purchases",
        "last_purchase",
        "tags",
        "home_store_id",
    )


def store_key(name) -> str:
    """A store's name as the store column matches it: script, width, case
    and spaces folded (台北店 finds 台北店, "MALL " finds Mall)."""
    return " ".join(name_search_key(name or "").split())


class StoreNames:
    """The shop's stores as the store column reads them, read once before
    the rows: {store_key: id} over each store's name in every language."""

    def __init__(self, stores):
        self.ids = {}
        for store in stores:
            for name in (store.name, store.name_zh_hant, store.name_zh_hans):
                if store_key(name):
                    self.ids.setdefault(store_key(name), store.pk)
        self.names = ", ".join(store.display_name for store in stores)

    def named(self, value):
        """The id of the store `value` names; LoyaltyError naming the stores."""
        found = self.ids.get(store_key(value))
        if found is None:
            raise LoyaltyError(
                _("“%(value)s” is not one of the stores: %(names)s.")
                % {"value": value, "names": self.names or "–"},
                field="store",
                code="store_unknown",
            )
        return found


class ParsedBatch:
    """A batch of rows read and cleaned: the candidates, and what was found."""

    __slots__ = ("candidates", "total", "skipped", "error_rows", "errors", "unkept_errors")

    def __init__(self):
        self.candidates = []
        self.total = 0
        self.skipped = 0
        self.error_rows = 0
        self.errors = []  # (row, field, cell value, message), in file order
        self.unkept_errors = 0  # errors past what the result can list


class RowCleaner:
    """Cleans rows into candidates; remembers the phones and member numbers
    seen, so a repeated row is caught in the file itself.

    Memory stays flat: 24 to 48 bytes per phone (importing.seen) and one
    entry per member number given in the file."""

    def __init__(
        self,
        *,
        mapping,
        width,
        options,
        region,
        today,
        placement=None,
        conflicts=None,
        stores=None,
    ):
        self.mapping = mapping
        # The shop's stores (StoreNames) when the file has a store column.
        self.stores = stores if "store" in mapping else None
        # Where new members go on the ladder (importing.placement); None:
        # the file brings no figures or tiers, everyone starts at the entry tier.
        self.placement = placement
        # Whether the file has more than a lifetime spend to read for it.
        self.opening_columns = any(name in mapping for name in OPENING_COLUMNS)
        self.width = width
        self.padding = [None] * width
        self.index = {name: mapping.get(name, -1) for name in COLUMNS}
        self.minguo = options.minguo_dates
        # How year-last dates are read when they could go either way (None:
        # they are errors), and what the file's own dates show (see _date).
        self.date_order = options.date_order
        self.orders_seen = set()
        self.ambiguous_dates = 0
        self.region = region
        self.also_regions = options.also_regions
        self.today = today
        # A name in two columns (Shopify, Square), read where the name is empty.
        self.split_name = "last_name" in mapping or "first_name" in mapping
        self.consents = [
            (column, opt_out)
            for column, opt_out in (
                ("sms_consent", "sms_opt_out"),
                ("email_consent", "email_opt_out"),
            )
            if column in mapping
        ]
        # int(E.164 digits) -> row number << 32 | fingerprint (flat arrays: see importing.seen)
        self.seen_phones = SeenPhones()
        self.seen_numbers = {}  # member number -> row number
        # Phones repeated with different details: {phone key: {fingerprint:
        # first row with it}}. `conflicts` are known before reading (a second
        # reading of the file); late_conflicts are found while reading, once
        # the first row with the phone has been taken.
        self.conflicts = conflicts or {}
        self.late_conflicts = {}
        self.errors_recorded = 0

    def _date(self, cell, field):
        """A date cell, noting what the file's year-last dates show: the
        order only one reading allows (31/12/1990), and how many could be
        read either way (02/03/1990)."""
        reading = values.year_last_reading(cell)
        if reading == values.AMBIGUOUS:
            self.ambiguous_dates += 1
        elif reading:
            self.orders_seen.add(reading)
        return values.parse_date(cell, minguo=self.minguo, field=field, order=self.date_order)

    def file_date_order(self):
        """The order the file's own dates show, when it has dates that could
        be read either way and its other dates agree on one order; else None."""
        if self.ambiguous_dates and len(self.orders_seen) == 1:
            return next(iter(self.orders_seen))
        return None

    def batch(self, rows) -> ParsedBatch:
        parsed = ParsedBatch()
        for number, cells in rows:
            if not any(cell not in (None, "") for cell in cells):
                continue
            parsed.total += 1
            candidate = self._clean(parsed, number, cells)
            if candidate is not None and self._first_in_file(parsed, candidate, cells):
                parsed.candidates.append(candidate)
        return parsed

    def cell(self, cells, name):
        index = self.mapping.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def _error(self, parsed, row, field, value, message):
        # Only the first errors of a file are listed (MAX_ERRORS_KEPT); the
        # later ones are counted. Each batch's errors come before the next
        # batch's, so an error past the first MAX_ERRORS_KEPT read is never listed.
        if self.errors_recorded < MAX_ERRORS_KEPT:
            self.errors_recorded += 1
            parsed.errors.append((row, field, value, message))
        else:
            parsed.unkept_errors += 1

    def _clean(self, parsed, number, cells):
        """A Candidate, or None after recording the row's errors."""
        errors = []
        if getattr(cells, "cut_short", False):
            errors = [
                LoyaltyError(_("This row is incomplete: the file seems to be cut short."), field="")
            ]
            self._row_errors(parsed, number, cells, errors)
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
        try:
            birthday = self._date(row[ix["birthday"]], "birthday")
        except LoyaltyError as error:
            errors.append(error)
        try:
            joined_on = self._date(other_systems.date_text(row[ix["joined_on"]]), "joined_on")
        except LoyaltyError as error:
            errors.append(error)
        if joined_on is None and row[ix["first_visit"]] not in (None, ""):
            # No joining date: the first purchase the earlier system knew of.
            try:
                joined_on = self._date(
                    other_systems.date_text(row[ix["first_visit"]]), "first_visit"
                )
            except LoyaltyError as error:
                errors.append(error)
        purchases, last_purchase = self._purchases(row, errors)
        home_store_id = None
        if self.stores is not None:
            named = values.text(row[ix["store"]])
            if named:
                try:
                    home_store_id = self.stores.named(named)
                except LoyaltyError as error:
                    errors.append(error)
        if joined_on is None and last_purchase is not None:
            joined_on = last_purchase  # a customer by then at the latest
        member_number = points = lifetime_spend = None
        try:
            member_number = values.member_number_text(row[ix["member_number"]])
        except LoyaltyError as error:
            errors.append(error)
        try:
            points = values.parse_points(row[ix["points"]])
        except LoyaltyError as error:
            errors.append(error)
        try:
            lifetime_spend = values.parse_money(other_systems.money_text(row[ix["lifetime_spend"]]))
        except LoyaltyError as error:
            errors.append(error)
        opt_outs = {}
        for column, opt_out in self.consents:
            try:
                accepts = other_systems.consent(row[ix[column]], field=column)
            except LoyaltyError as error:
                errors.append(error)
            else:
                opt_outs[opt_out] = None if accepts is None else not accepts
        name = values.strip_formula_escape(values.text(row[ix["name"]]))
        if not name and self.split_name:
            name = other_systems.joined_name(row[ix["last_name"]], row[ix["first_name"]])
        opening = None
        if self.placement is not None:
            opening = self._opening(row, errors, lifetime_spend) if self.opening_columns else NONE
        failed = {error.field for error in errors} if errors else ()
        cleaned = clean_member_fields(
            phone=phone if "phone" not in failed else "0",
            name=name,
            email=values.strip_formula_escape(values.text(row[ix["email"]])),
            birthday=birthday,
            gender=values.parse_gender(row[ix["gender"]]),
            region=self.region,
            also_regions=self.also_regions,
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
            self._row_errors(parsed, number, cells, errors)
            return None
        candidate = Candidate()
        candidate.row = number
        candidate.phone = cleaned["phone"]
        candidate.name = cleaned["name"]
        candidate.name_key = name_key(candidate.name)
        candidate.email = cleaned["email"]
        candidate.birthday = cleaned["birthday"]
        candidate.gender = cleaned["gender"]
        candidate.notes = clean_text(
            values.strip_formula_escape(values.text(row[ix["notes"]])), multiline=True
        )
        candidate.joined_on = joined_on
        candidate.member_number = member_number
        candidate.points = points
        candidate.tier_change = None
        candidate.sms_opt_out = opt_outs.get("sms_opt_out")
        candidate.email_opt_out = opt_outs.get("email_opt_out")
        candidate.purchases = purchases
        candidate.last_purchase = last_purchase
        # As written in the file: the segments work turns them into tags.
        candidate.tags = clean_text(values.strip_formula_escape(values.text(row[ix["tags"]])))
        candidate.home_store_id = home_store_id
        if opening is None:
            candidate.lifetime_spend = lifetime_spend
            candidate.window_spend = ZERO
            candidate.window_purchases = 0
            candidate.figures_as_of = candidate.tier_id = None  # the entry tier
            return candidate
        window_spend, window_purchases, as_of, tier = opening
        # Without a lifetime figure, the lifetime spend is at least the window's.
        candidate.lifetime_spend = max(lifetime_spend, window_spend)
        candidate.window_spend = window_spend
        candidate.window_purchases = window_purchases
        candidate.figures_as_of = as_of
        self.placement.place(candidate, tier)
        return candidate

    def _purchases(self, row, errors):
        """(purchases, day of the last one) the earlier system counted: the
        member's opening figures, shown beside the sales recorded here."""
        ix = self.index
        purchases, last = 0, None
        cell = row[ix["purchases"]]
        if cell is not None and cell != "":
            try:
                purchases = values.parse_count(cell, field="purchases")
            except LoyaltyError as error:
                errors.append(error)
        cell = row[ix["last_purchase"]]
        if cell is not None and cell != "":
            try:
                last = self._date(other_systems.date_text(cell), "last_purchase")
            except LoyaltyError as error:
                errors.append(error)
            if last is not None and last > self.today:
                errors.append(
                    LoyaltyError(
                        _("The last purchase %(date)s is in the future.")
                        % {"date": last.isoformat()},
                        field="last_purchase",
                    )
                )
                last = None
        return purchases, last

    def _opening(self, row, errors, lifetime_spend):
        """(window spend, window purchases, as-of day, tier named or None)
        of a row, its mistakes added to `errors`; None when any is wrong.
        `lifetime_spend`: the row's, None when it is wrong. Empty cells (and
        absent columns) are skipped without a call: this runs for every row."""
        ix = self.index
        count = len(errors)
        window_spend, window_purchases, as_of, tier = ZERO, 0, None, None
        cell = row[ix["window_spend"]]
        if cell is not None and cell != "":
            try:
                window_spend = values.parse_money(
                    other_systems.money_text(cell), field="window_spend"
                )
            except LoyaltyError as error:
                errors.append(error)
        cell = row[ix["window_purchases"]]
        if cell is not None and cell != "":
            try:
                window_purchases = values.parse_count(cell, field="window_purchases")
            except LoyaltyError as error:
                errors.append(error)
        cell = row[ix["figures_as_of"]]
        if cell is not None and cell != "":
            try:
                as_of = self._date(other_systems.date_text(cell), "figures_as_of")
            except LoyaltyError as error:
                errors.append(error)
            if as_of is not None and as_of > self.today:
                errors.append(
                    LoyaltyError(
                        _("The figures' date %(date)s is in the future.")
                        % {"date": as_of.isoformat()},
                        field="figures_as_of",
                    )
                )
        if (
            window_spend
            and lifetime_spend is not None
            and window_spend > lifetime_spend
            and row[ix["lifetime_spend"]] not in (None, "")
        ):
            errors.append(
                LoyaltyError(
                    _(
                        "The spend in the window (%(window)s) is more than the lifetime "
                        "spend (%(lifetime)s): the lifetime spend includes it."
                    )
                    % {
                        "window": format_money(window_spend),
                        "lifetime": format_money(lifetime_spend),
                    },
                    field="window_spend",
                )
            )
        cell = row[ix["tier"]]
        if cell is not None and cell != "":
            named = values.text(cell)
            if named:
                try:
                    tier = self.placement.tier_named(named)
                except LoyaltyError as error:
                    errors.append(error)
        if len(errors) > count:
            return None
        if as_of is None and (window_spend or window_purchases):
            as_of = self.today  # figures without a date are today's
        return window_spend, window_purchases, as_of, tier

    def _row_errors(self, parsed, number, cells, errors):
        parsed.error_rows += 1
        reported = set()
        for error in errors:
            if error.field in reported:
                continue  # one message per cell: the first says what to fix
            reported.add(error.field)
            self._error(parsed, number, error.field, self.cell(cells, error.field), error.message)

    def _first_in_file(self, parsed, candidate, cells) -> bool:
        """A phone (or member number) seen on an earlier row is never a silent
        update: an identical row is skipped; when the rows with a phone differ,
        each of them is an error that names a row that differs from it."""
        key = int(candidate.phone[1:])
        fingerprint = _fingerprint(candidate)
        known = self.conflicts.get(key)
        if known is not None:
            other = next(row for fp, row in sorted(known.items(), key=_by_row) if fp != fingerprint)
            self._conflict(parsed, candidate, cells, other)
            return False
        earlier = self.seen_phones.get(key)
        if earlier is not None:
            earlier_row = earlier >> 32
            earlier_fingerprint = earlier & 0xFFFFFFFF
            if earlier_fingerprint == fingerprint:
                parsed.skipped += 1
                return False
            found = self.late_conflicts.setdefault(key, {earlier_fingerprint: earlier_row})
            found.setdefault(fingerprint, candidate.row)
            self._conflict(parsed, candidate, cells, earlier_row)
            return False
        number = candidate.member_number
        if number:
            earlier_row = self.seen_numbers.get(number)
            if earlier_row is not None:
                parsed.error_rows += 1
                self._error(
                    parsed,
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

    def _conflict(self, parsed, candidate, cells, other_row):
        parsed.error_rows += 1
        self._error(
            parsed,
            candidate.row,
            "phone",
            self.cell(cells, "phone"),
            _(
                "Row %(row)d of the file has this phone too, with different details: "
                "keep one of the two rows."
            )
            % {"row": other_row},
        )


def _fingerprint(candidate) -> int:
    """32 bits that differ when two rows with one phone say different things."""
    return (
        hash(
            (
                candidate.name,
                candidate.email,
                candidate.birthday,
                candidate.gender,
                candidate.notes,
                candidate.member_number,
                candidate.joined_on,
                candidate.points,
                candidate.lifetime_spend,
                candidate.window_spend,
                candidate.window_purchases,
                candidate.figures_as_of,
                candidate.tier_id,
                candidate.sms_opt_out,
                candidate.email_opt_out,
                candidate.purchases,
                candidate.last_purchase,
                candidate.tags,
                candidate.home_store_id,
            )
        )
        & 0xFFFFFFFF
    )


def _by_row(item):
    return item[1]


@lru_cache(maxsize=65536)
def name_key(name):
    # Customer lists repeat surnames and given names a lot.
    return name_search_key(name)


_DONE = object()


class read_ahead:  # noqa: N801 - used like a generator function
    """Iterate over what the generator function `produce` yields, computed by
    a thread of its own up to `ahead` items in advance. An exception in the
    thread is raised here, after the items before it; close() stops the
    thread. The thread speaks the caller's language."""

    def __init__(self, produce, *, ahead):
        self._items = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._produce = produce
        self._language = translation.get_language()
        self._thread = None

    def ready(self) -> int:
        """How many items are waiting to be taken."""
        return self._items.qsize()

    def __iter__(self):
        return self

    def __next__(self):
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._work, name="member-import-reader", daemon=True
            )
            self._thread.start()
        if self._stop.is_set():
            raise StopIteration
        item, error = self._items.get()
        if error is not None:
            self.close()
            raise error
        if item is _DONE:
            self.close()
            raise StopIteration
        return item

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _hand_over(self, item):
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self):
        with translation.override(self._language):
            try:
                for item in self._produce():
                    if not self._hand_over((item, None)):
                        return
            except BaseException as error:  # handed to the caller, who raises it
                self._hand_over((_DONE, error))
            else:
                self._hand_over((_DONE, None))
