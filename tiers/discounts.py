"""Discounts are stored as percent off; Chinese shops read and type 折.

5 % off is 95折 (pay 95 %), 20 % off is 8折 (pay 80 %), no discount is 不打折.
Typing 折 (the number before 折 is what the member pays):
- under 10 is tenths: 9折 pays 90 %, 7.5折 pays 75 %;
- 10折 (十折) and 100折 are full price, no discount;
- 11 to under 100 is hundredths: 95折 pays 95 %, 87.5折 pays 87.5 %;
- 0折, and anything above full price (10.5折, 120折), is refused.
A plain number is percent off (5, 5%, 5% off). Full-width digits, Chinese
digits (九五折) and spaces are read as the owner meant them.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.errors import LoyaltyError

HUNDRED = Decimal(100)
TEN = Decimal(10)
CENT = Decimal("0.01")
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_ZHE = re.compile(rf"^{_NUMBER}折$")
_PERCENT_OFF = re.compile(rf"^([+-]?){_NUMBER}%?(?:off)?$", re.IGNORECASE)
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九點点", "00123456789..")
_NO_DISCOUNT = {"", "不打折", "無折扣", "无折扣", "十折"}


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def zhe_notation(percent_off) -> str:
    """The 折 form of a percent-off discount (5 -> 95折, 20 -> 8折, 0 -> 不打折).

    What parse_discount reads back as the same discount: a payment under 11 %
    is written in tenths (95 % off -> 0.5折, not 5折, which is 50 %)."""
    off = Decimal(percent_off)
    if off <= 0:
        return "不打折"
    pay = HUNDRED - off
    if pay <= 0:
        return "0折"
    if pay % 10 == 0 or pay < 11:
        return f"{_plain(pay / 10)}折"
    return f"{_plain(pay)}折"


def format_discount(percent_off) -> str:
    """How the discount reads in the user's language: '5% off' or '95折'."""
    off = Decimal(percent_off)
    if (get_language() or "").startswith("zh"):
        return zhe_notation(off)
    if off <= 0:
        return _("no discount")
    return _("%(percent)s%% off") % {"percent": _plain(off)}


def _normalise(text) -> str:
    """Full-width digits and signs, Chinese digits, the ideographic full stop
    between digits and every space, as an owner's keyboard may type them."""
    raw = unicodedata.normalize("NFKC", str(text))
    raw = re.sub(r"\s+", "", raw)
    if raw in _NO_DISCOUNT:
        return raw
    raw = raw.translate(_CHINESE_DIGITS)
    return re.sub(r"(?<=\d)。(?=\d)", ".", raw)


def _how_to_write():
    return _("Write 9折 to pay 90%, 95折 to pay 95%, or 10折 for no discount.")


def _pay_from_zhe(number: Decimal, typed: str) -> Decimal:
    """What the member pays, in percent, for `number`折."""
    if number == 0:
        raise LoyaltyError(
            _("0折 would mean members pay nothing. %(how)s") % {"how": _how_to_write()},
            code="discount_zero",
        )
    if number < TEN:
        return number * TEN
    if number in (TEN, HUNDRED):
        return HUNDRED
    if number < 11 or number > HUNDRED:
        raise LoyaltyError(
            _("%(typed)s would be more than full price. %(how)s")
            % {"typed": typed, "how": _how_to_write()},
            code="discount_above_full_price",
        )
    return number


def parse_discount(text) -> Decimal:
    """Percent off from what an owner typed: '5', '5%', '95折', '9折', '7.5折',
    '10折' or '100折' (no discount), '９５折', '九五折', '不打折'.

    Raises LoyaltyError (code discount*) saying how to write it."""
    raw = _normalise(text)
    if raw in _NO_DISCOUNT:
        return Decimal(0)
    zhe = _ZHE.match(raw)
    percent = None if zhe else _PERCENT_OFF.match(raw)
    if zhe:
        off = HUNDRED - _pay_from_zhe(Decimal(zhe.group(1)), raw)
    elif percent:
        sign, number = percent.groups()
        off = Decimal(number) * (-1 if sign == "-" else 1)
        if not 0 <= off <= HUNDRED:
            raise LoyaltyError(
                _("A percent off is between 0 and 100 (5 means members pay 95%%). %(how)s")
                % {"how": _how_to_write()},
                code="discount_range",
            )
    else:
        raise LoyaltyError(
            _("Enter the percent off (5 means members pay 95%%) or the discount in 折. %(how)s")
            % {"how": _how_to_write()},
            code="discount",
        )
    if off != off.quantize(CENT):
        raise LoyaltyError(
            _("%(typed)s has more decimals than a discount keeps: use at most 0.01 percent.")
            % {"typed": raw},
            code="discount_decimals",
        )
    return off


@dataclass(frozen=True)
class DiscountHint:
    """What a typed discount means, or why it is refused (one of the two)."""

    meaning: str = ""
    error: str = ""


def discount_meaning(percent_off) -> str:
    """The discount in words for the owner: 'Members pay 80% (20% off).'"""
    off = Decimal(percent_off)
    if off <= 0:
        return _("No discount: members pay full price.")
    if off >= HUNDRED:
        return _("Free: members pay nothing.")
    return _("Members pay %(pay)s%% (%(discount)s).") % {
        "pay": _plain(HUNDRED - off),
        "discount": format_discount(off),
    }


def read_discount(text) -> DiscountHint:
    """The hint shown next to a discount field as the owner types."""
    if not _normalise(text):
        return DiscountHint()
    try:
        return DiscountHint(meaning=discount_meaning(parse_discount(text)))
    except LoyaltyError as error:
        return DiscountHint(error=error.message)
