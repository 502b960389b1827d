"""Reading one cell: the forms real spreadsheets carry, and the damage Excel does."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from config import inputs
from config.errors import LoyaltyError
from members.models import Member

# Excel's day 0 (it believes 1900 was a leap year, so serials count from here).
EXCEL_EPOCH = date(1899, 12, 30)
# Counts are stored as 32-bit integers; no shop counts this far.
MAX_COUNT = 1_000_000
MINGUO_OFFSET = 1911

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_PHONE_JUNK = re.compile(r"[\s\-().]")
_DATE_PARTS = re.compile(r"^(\d{1,4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?$")
_MINGUO_PREFIX = re.compile(r"^(?:民國|民国|民)\s*")
# Day or month first, the four-digit year last: 31/12/1990 (Hong Kong,
# Singapore, Malaysia) or 12/31/1990 (Shopify's and Square's US exports).
_DATE_YEAR_LAST = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})$")
# How a file writes a date whose year comes last: day first or month first.
# (Year-first dates, 1990/12/31, read the same under either.)
DAY_FIRST, MONTH_FIRST = "dmy", "mdy"


AMBIGUOUS = "ambiguous"


def year_last_reading(value):
    """How a year-last date reads: DAY_FIRST or MONTH_FIRST when only one
    order can read it (31/12/1990, 12/31/1990), AMBIGUOUS when both read it
    as different days (02/03/1990), else None (not such a date, or 05/05/1990).
    The import asks this of every date cell: each text is worked out once."""
    return _year_last_reading(value) if type(value) is str else None


@lru_cache(maxsize=65536)
def _year_last_reading(text):
    match = _DATE_YEAR_LAST.match(strip_formula_escape(text.strip()))
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return DAY_FIRST
    if second > 12 >= first:
        return MONTH_FIRST
    return AMBIGUOUS if first != second and second <= 12 else None


def date_order_evidence(value):
    """DAY_FIRST or MONTH_FIRST when `value` is a year-last date that reads
    only one way (31/12/1990, 12/31/1990), else None."""
    reading = year_last_reading(value)
    return None if reading == AMBIGUOUS else reading


def date_order_of(cells):
    """The order a file's own unambiguous year-last dates show, or None when
    they show none, or both (then each ambiguous date is an error)."""
    seen = set()
    for cell in cells:
        evidence = date_order_evidence(cell)
        if evidence:
            seen.add(evidence)
            if len(seen) > 1:
                return None
    return seen.pop() if seen else None


def text(value) -> str:
    """A cell as text: numbers without a spurious '.0', None as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def strip_formula_escape(value: str) -> str:
    """Undo the export's protection: a leading ' before = + - @ goes away."""
    if value.startswith("'") and value[1:].lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")):
        return value[1:]
    return value


def phone_text(value, *, region) -> str:
    """The phone as typed, repaired where Excel is known to have damaged it.

    Excel turns 0912345678 into the number 912345678: a Taiwan mobile that
    lost its 0 gets it back. A long number shown in scientific notation
    (1.38001E+10) has lost digits: it is refused, never imported wrong.
    """
    if isinstance(value, float):
        if not value.is_integer():
            raise _unreadable_phone(value)
        value = int(value)
    raw = text(value)
    if _SCIENTIFIC.match(raw):
        raise _unreadable_phone(raw)
    raw = strip_formula_escape(raw)
    digits = _PHONE_JUNK.sub("", raw)
    if region == "TW" and len(digits) == 9 and digits.isascii() and digits.startswith("9"):
        return "0" + digits
    return raw


def _unreadable_phone(value):
    return LoyaltyError(
        _(
            "“%(value)s” is in scientific notation: Excel has dropped digits. "
            "Format the column as text in Excel and save the file again."
        )
        % {"value": value},
        field="phone",
        code="phone_scientific",
    )


def parse_date(value, *, minguo=False, field="birthday", order=None):
    """A date from a date cell, an Excel serial number or text such as
    1990/1/2, 1990-01-02, 1990年1月2日 or 19900102. Minguo years (79/01/02,
    民國79年1月2日) are read when `minguo` is on, or when the text says 民國.
    Year-last text (31/12/1990, 12/31/1990) is read the one way it can be,
    else by `order` (DAY_FIRST or MONTH_FIRST); with no order an ambiguous
    one (02/03/1990) is an error that says so.
    A date outside the years the product represents (config.inputs) is refused."""
    found = _any_date(value, minguo, field, order)
    return inputs.check_date(found, field=field)


def _any_date(value, minguo, field, order):
    if value is None or value == "":
        return None
    if type(value) is str:
        return _date_from_text(value, minguo, field, order)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value, field)
    return _date_from_text(str(value), minguo, field, order)


# A customer list has a few tens of thousands of different dates at most
# (birthdays over a century, joining days): each is read once.
@lru_cache(maxsize=65536)
def _date_from_text(value, minguo, field, order=None):
    raw = strip_formula_escape(value.strip())
    if not raw:
        return None
    try:
        raw = inputs.ascii_digits(raw)  # full-width digits read; ² or ٣ refused
    except ValidationError:
        raise _bad_date(raw, field) from None
    year_last = _DATE_YEAR_LAST.match(raw)
    if year_last:
        return _year_last_date(raw, year_last, order, field)
    explicit_minguo = bool(_MINGUO_PREFIX.match(raw))
    raw = _MINGUO_PREFIX.sub("", raw)
    year = month = day = None
    match = _DATE_PARTS.match(raw)
    if match:
        year, month, day = (int(part) for part in match.groups())
        year_digits = len(match.group(1))
    elif raw.isdigit() and len(raw) == 8:
        year, month, day, year_digits = int(raw[:4]), int(raw[4:6]), int(raw[6:]), 4
    elif raw.isdigit() and len(raw) == 7 and (minguo or explicit_minguo):
        year, month, day, year_digits = int(raw[:3]), int(raw[3:5]), int(raw[5:]), 3
    elif raw.isdigit() and len(raw) == 5:
        # An Excel serial number that lost its date format on the way to CSV.
        return _excel_serial(int(raw), field)
    else:
        raise _bad_date(raw, field)
    if minguo or explicit_minguo:
        if year_digits > 3:
            raise _bad_date(raw, field)
        year += MINGUO_OFFSET
    elif year_digits < 4:
        raise LoyaltyError(
            _(
                "“%(value)s” has a %(digits)d-digit year. If the file uses Minguo years "
                "(民國), tick “Dates use Minguo years”; otherwise write the full year."
            )
            % {"value": raw, "digits": year_digits},
            field=field,
            code="date_short_year",
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise _bad_date(raw, field) from None


def _year_last_date(raw, match, order, field):
    first, second, year = (int(part) for part in match.groups())
    if first > 12 and second > 12:
        raise _bad_date(raw, field)
    evidence = date_order_evidence(raw)
    if evidence is None and first != second:
        if order not in (DAY_FIRST, MONTH_FIRST):
            raise LoyaltyError(
                _(
                    "“%(value)s” could be read day first or month first. Choose how this "
                    "file writes dates (day first, 31/12/1990, or month first, 12/31/1990)."
                )
                % {"value": raw},
                field=field,
                code="date_ambiguous",
            )
        evidence = order
    day, month = (first, second) if evidence == DAY_FIRST else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        raise _bad_date(raw, field) from None


def _excel_serial(number, field):
    if not 1 <= number < 2958466:
        raise _bad_date(number, field)
    return EXCEL_EPOCH + timedelta(days=int(number))


def _bad_date(value, field):
    return LoyaltyError(
        _("“%(value)s” is not a date. Write it as 1990-01-02 or 1990/1/2.") % {"value": value},
        field=field,
        code="date_invalid",
    )


GENDER_WORDS = {
    "f": "f", "female": "f", "woman": "f", "女": "f", "女性": "f", "女士": "f", "小姐": "f",
    "m": "m", "male": "m", "man": "m", "男": "m", "男性": "m", "先生": "m",
    "o": "o", "other": "o", "其他": "o", "其它": "o",
    "": "",
}  # fmt: skip


@lru_cache(maxsize=1)
def _gender_words():
    """The words above plus the model's labels in every language (the export's words)."""
    words = dict(GENDER_WORDS)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in Member.Gender.choices:
                words.setdefault(str(label).casefold(), code)
    return words


def parse_gender(value) -> str:
    """f, m, o or '' from English or Chinese words; anything else is left
    as typed so the shared member rules refuse it with their message."""
    raw = text(value)
    return _gender_words().get(raw.casefold(), raw)


def parse_points(value, *, field="points") -> int:
    if value is None or value == "":
        return 0
    if type(value) is str and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)  # the usual case, without Decimal
    try:
        number = Decimal(inputs.plain_number(text(value)))
    except (InvalidOperation, ValidationError):
        number = None
    if (
        number is None
        or not number.is_finite()
        or number != number.to_integral_value()
        or not 0 <= number <= inputs.MAX_POINTS
    ):
        # NaN, infinity, ² or more than a balance holds: refused, never a crash.
        raise LoyaltyError(
            _("“%(value)s” is not a whole number of points from 0 to %(max)s.")
            % {"value": value, "max": f"{inputs.MAX_POINTS:,}"},
            field=field,
            code="points_invalid",
        )
    return int(number)


def parse_count(value, *, field) -> int:
    """A count such as purchases: a whole number, 0 or more; empty is 0."""
    if value is None or value == "":
        return 0
    try:
        number = Decimal(text(value).replace(",", ""))
    except InvalidOperation:
        number = None
    if (
        number is None
        or not number.is_finite()
        or number != number.to_integral_value()
        or not 0 <= number < MAX_COUNT
    ):
        raise LoyaltyError(
            _("“%(value)s” is not a whole number from 0 to %(max)s.")
            % {"value": value, "max": f"{MAX_COUNT - 1:,}"},
            field=field,
            code="count_invalid",
        )
    return int(number)


def parse_money(value, *, field="lifetime_spend") -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    if type(value) is str:
        return _money_from_text(value, field)
    return _money(value, field)


# Amounts repeat a lot in a customer list, and Decimal is slow to build.
@lru_cache(maxsize=65536)
def _money_from_text(value, field):
    return _money(value, field)


def _money(value, field):
    raw = text(value).replace(",", "")
    for symbol in ("NT$", "HK$", "US$", "$", "¥", "￥", "元"):
        raw = raw.replace(symbol, "")
    try:
        amount = Decimal(raw.strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise LoyaltyError(
            _("“%(value)s” is not an amount of money (0 or more).") % {"value": value},
            field=field,
            code="money_invalid",
        )
    return amount.quantize(Decimal("0.01"))


def member_number_text(value) -> str:
    """Member or card numbers: kept as written; Excel's float damage is refused."""
    if isinstance(value, float) and not value.is_integer():
        raise _bad_member_number(value)
    raw = strip_formula_escape(text(value))
    if _SCIENTIFIC.match(raw) or len(raw) > 20:
        raise _bad_member_number(raw)
    return raw


def _bad_member_number(value):
    return LoyaltyError(
        _(
            "“%(value)s” cannot be a member number: it is longer than 20 characters "
            "or Excel has turned it into scientific notation."
        )
        % {"value": value},
        field="member_number",
        code="member_number_invalid",
    )
