"""Money is Decimal in the shop's one currency; rounding happens here only."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")

CURRENCY_SYMBOLS = {
    "TWD": "NT$",
    "HKD": "HK$",
    "CNY": "¥",
    "MOP": "MOP$",
    "SGD": "S$",
    "MYR": "RM",
    "USD": "US$",
    "JPY": "¥",
}


def round_money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def currency_symbol() -> str:
    return CURRENCY_SYMBOLS.get(settings.CURRENCY, settings.CURRENCY + " ")


def format_money(amount) -> str:
    if amount is None:
        return "–"
    value = round_money(Decimal(amount))
    text = f"{value:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{currency_symbol()}{text}"
