"""Phone numbers are the counter's everyday key: one canonical E.164 form."""

import re
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

from config.errors import LoyaltyError


def normalize_phone(raw, *, region=None) -> str:
    """E.164 form of a phone typed in any common local or international form.

    Accepts spaces, dashes, brackets and full-width digits. Raises
    LoyaltyError with a message that says what to fix.
    """
    text = str(raw or "").strip()
    if not text:
        raise LoyaltyError(_("Enter a phone number."), field="phone", code="phone_missing")
    region = region or settings.DEFAULT_PHONE_REGION
    fast = _plain_digits_e164(text, region)
    if fast:
        return fast
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise LoyaltyError(
            _("“%(phone)s” is not a phone number. Enter digits, e.g. 0912 345 678.")
            % {"phone": text},
            field="phone",
            code="phone_invalid",
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise LoyaltyError(
            _("“%(phone)s” is not a valid phone number: check the digits and the area code.")
            % {"phone": text},
            field="phone",
            code="phone_invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_SEPARATORS = str.maketrans("", "", " -()")


@lru_cache(maxsize=64)
def _region_rules(region):
    """(country code, national prefix, validity patterns) for a region whose
    numbers are that simple to read, else None.

    The patterns are the library's own: a number is valid when it fits the
    region's general description and one of its number types (mobile first,
    the commonest on a customer list), as phonenumbers.is_valid_number says.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None
    prefix = metadata.national_prefix
    if metadata.national_prefix_for_parsing not in (None, prefix):
        return None  # e.g. mainland China's carrier-selection codes: use the full parser
    if metadata.national_prefix_transform_rule:
        return None
    if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ())) != 1:
        return None  # a shared calling code (+1, +7, +44): the full parser picks the region

    def desc(number_desc):
        if number_desc is None or not number_desc.national_number_pattern:
            return None
        pattern = re.compile(number_desc.national_number_pattern)
        return frozenset(number_desc.possible_length or ()), pattern

    types = [
        desc(getattr(metadata, name))
        for name in (
            "mobile",
            "fixed_line",
            "premium_rate",
            "toll_free",
            "shared_cost",
            "voip",
            "personal_number",
            "pager",
            "uan",
            "voicemail",
        )
    ]
    general = desc(metadata.general_desc)
    if general is None:
        return None
    return str(metadata.country_code), prefix or "", general, [t for t in types if t]


def _fits(national, desc):
    lengths, pattern = desc
    return (not lengths or len(national) in lengths) and pattern.fullmatch(national) is not None


def _plain_digits_e164(text, region):
    """E.164 for the everyday forms (0912-345-678, 912345678, +886 912345678)
    without the full parser, which costs several times as much; only a
    number the library's patterns call valid is returned, anything else takes
    the full path. A test proves both paths agree."""
    rules = _region_rules(region)
    if rules is None:
        return None
    country, prefix, general, types = rules
    digits = text.translate(_SEPARATORS)
    if digits.startswith("+" + country):
        national = digits[len(country) + 1 :]
    elif digits.startswith("+"):
        return None
    elif prefix and digits.startswith(prefix):
        national = digits[len(prefix) :]
    else:
        national = digits
    if not (national.isascii() and national.isdigit()) or national.startswith("0"):
        return None
    if not 2 <= len(national) <= 17 or not _fits(national, general):
        return None
    if not any(_fits(national, desc) for desc in types):
        return None
    return f"+{country}{national}"


def try_normalize_phone(raw, *, region=None):
    """E.164 form, or None when the text is not a valid phone number."""
    try:
        return normalize_phone(raw, region=region)
    except LoyaltyError:
        return None


def display_phone(e164: str) -> str:
    """National format for the shop's own region, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    if region == settings.DEFAULT_PHONE_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
