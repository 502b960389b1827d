"""Cells as other systems write them (Shopify, Square, mainland and Taiwan
tills), brought to the forms members.values reads: a name in two columns,
consent as yes/no words, money with a currency code, a date with a time."""

import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from members import values

_YES = (
    "yes|y|true|t|1|subscribed|opted in|opt in|opt-in|accepted|accepts|agree|"
    "是|有|同意|願意|愿意|訂閱|订阅|已訂閱|已订阅|接收"
)
_NO = (
    "no|n|false|f|0|unsubscribed|not subscribed|never subscribed|opted out|opt out|"
    "opt-out|declined|pending|否|無|无|不同意|不願意|不愿意|取消訂閱|取消订阅|未訂閱|"
    "未订阅|不接收"
)
CONSENT_WORDS = {**dict.fromkeys(_YES.split("|"), True), **dict.fromkeys(_NO.split("|"), False)}
# Currency codes and signs a till writes beside an amount; members.values
# reads the rest ($, NT$, HK$, ¥, 元 and thousands separators).
_CURRENCY = re.compile(
    r"(?i)\b(?:rmb|cny|twd|ntd|nt|hkd|usd|mop|sgd|myr|eur|gbp|jpy|aud|cad)\b|[€£₩]|人民幣|人民币|"
    r"新臺幣|新台幣|新台币|港幣|港币|圓|円"
)
_SPACES = re.compile(r"(?<=\d)[\s\u00a0\u202f']+(?=\d)")
# A date followed by a time: 2023-05-01 14:22, 2023/5/1 下午 02:22:10, 2023-05-01T14:22:10Z.
_DATE_TIME = re.compile(
    r"^(\S+?)(?:[ T]+(?:上午|下午|AM|PM)?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*"
    r"(?:AM|PM|Z|[+-]\d{2}:?\d{2})?)$",
    re.IGNORECASE,
)


def _has_han(text) -> bool:
    return any(
        "\u3040" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"
        for ch in text
    )


def joined_name(family, given) -> str:
    """One name from two columns, in the order its script writes it: a
    Chinese (or Japanese) family name first without a space (陳 + 美玲 =
    陳美玲), a Latin given name first with one (Mei Ling + Chen = Mei Ling Chen)."""
    family = values.strip_formula_escape(values.text(family))
    given = values.strip_formula_escape(values.text(given))
    if not family or not given:
        return family or given
    if _has_han(family) or _has_han(given):
        return family + given
    return f"{given} {family}"


def consent(value, *, field):
    """True (accepts), False (does not) or None (the cell says nothing)."""
    raw = values.text(value)
    if not raw:
        return None
    if isinstance(value, bool):
        return value
    answer = CONSENT_WORDS.get(unicodedata.normalize("NFKC", raw).casefold().strip())
    if answer is None:
        raise LoyaltyError(
            _("“%(value)s” is not yes or no (e.g. yes, no, subscribed, unsubscribed, 是, 否).")
            % {"value": raw},
            field=field,
            code="consent_invalid",
        )
    return answer


def money_text(value):
    """An amount with a currency code or sign, full-width digits or spaces
    between the thousands, as members.values.parse_money reads it."""
    if type(value) is not str or value.isascii() and value.replace(".", "", 1).isdigit():
        return value  # a number, or plain digits: the usual case
    return _money_text(value)


@lru_cache(maxsize=65536)
def _money_text(value):
    text = unicodedata.normalize("NFKC", value)
    text = _CURRENCY.sub("", text)
    return _SPACES.sub("", text).strip()


def date_text(value):
    """A date cell without the time some systems add (2023-05-01 14:22:10)."""
    if type(value) is not str or (":" not in value and "T" not in value):
        return value
    match = _DATE_TIME.match(value.strip())
    return match.group(1) if match else value
