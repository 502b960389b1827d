"""Money is Decimal in the shop's one currency; rounding happens here only.

Amounts are stored with cents; pages show them with the decimals the shop
settings ask for (none for TWD and JPY by default), exports keep them whole.
"""

from decimal import ROUND_HALF_UP, Decimal

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
# How many decimals each currency shows unless the owner says otherwise:
# none where the shops never write cents.
CURRENCY_DECIMALS = {"TWD": 0, "JPY": 0}
DEFAULT_DECIMALS = 2


def round_money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def currency_decimals(currency: str) -> int:
    """The decimals `currency` shows when the owner has not chosen."""
    return CURRENCY_DECIMALS.get(currency, DEFAULT_DECIMALS)


def currency_symbol(currency: str | None = None) -> str:
    if currency is None:
        currency = _shop().currency
    return CURRENCY_SYMBOLS.get(currency, currency + " ")


def shown_decimals(shop=None) -> int:
    """The decimals amounts show with: the owner's choice, else the currency's."""
    shop = shop or _shop()
    if shop.money_decimals is not None:
        return shop.money_decimals
    return currency_decimals(shop.currency)


def format_money(amount, *, shop=None) -> str:
    """NT$1,356 or HK$1,355.50: the shop's symbol, thousands separated,
    rounded half up to the decimals the shop settings show."""
    if amount is None:
        return "–"
    shop = shop or _shop()
    places = shown_decimals(shop)
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if not value:
        value = abs(value)  # -0.3 shown as NT$0, not NT$-0
    return f"{currency_symbol(shop.currency)}{value:,.{places}f}"


def _shop():
    from config.shop import shop_settings  # config.shop reads the models: not at import

    return shop_settings()
