"""Discounts are stored as percent off; Chinese shops read and type 折.

5 % off is 95折 (pay 95 %), 20 % off is 8折 (pay 80 %), no discount is 不打折.
Typing: one digit means tenths (9折 = pay 90 %), two digits hundredths
(95折 = pay 95 %), a decimal likewise (7.5折 = pay 75 %, 87.5折 = pay 87.5 %).
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.errors import LoyaltyError

HUNDRED = Decimal(100)
_ZHE = re.compile(r"^\s*(\d{1,2})(?:\.(\d+))?\s*折\s*$")


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def zhe_notation(percent_off) -> str:
    """The 折 form of a percent-off discount (5 -> 95折, 20 -> 8折, 0 -> 不打折)."""
    off = Decimal(percent_off)
    if off <= 0:
        return "不打折"
    pay = HUNDRED - off
    if pay <= 0:
        return "0折"
    if pay % 10 == 0:
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


def parse_discount(text) -> Decimal:
    """Percent off from '5', '5%', '95折', '9折' or '7.5折'."""
    raw = str(text).strip().replace("％", "%")
    if raw in ("不打折", ""):
        return Decimal(0)
    match = _ZHE.match(raw)
    if match:
        whole, fraction = match.groups()
        if len(whole) == 1:
            pay = Decimal(f"{whole}.{fraction or 0}") * 10
        else:
            pay = Decimal(f"{whole}.{fraction or 0}")
        return HUNDRED - pay
    try:
        off = Decimal(raw.rstrip("%").strip())
    except InvalidOperation:
        raise LoyaltyError(
            _("Enter a discount as percent off (e.g. 5) or in 折 (e.g. 95折)."), code="discount"
        ) from None
    if not 0 <= off <= 100:
        raise LoyaltyError(_("A discount must be between 0 and 100 percent."), code="discount")
    return off
