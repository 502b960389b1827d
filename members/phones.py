"""Phone numbers are the counter's everyday key: one canonical E.164 form."""

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
def _region_prefixes(region):
    """(country code, national prefix) where parsing is that simple, else None."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None
    prefix = metadata.national_prefix
    if metadata.national_prefix_for_parsing not in (None, prefix):
        return None  # e.g. mainland China's carrier-selection codes: use the full parser
    if metadata.national_prefix_transform_rule:
        return None
    return str(metadata.country_code), prefix or ""


def _plain_digits_e164(text, region):
    """E.164 for the everyday forms (0912-345-678, 912345678, +886 912345678)
    without the full parser, which costs three times as much; only a number
    the library calls valid is returned, anything else takes the full path.
    A test proves both paths agree."""
    prefixes = _region_prefixes(region)
    if prefixes is None:
        return None
    country, prefix = prefixes
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
    if not 2 <= len(national) <= 17:
        return None
    number = phonenumbers.PhoneNumber(country_code=int(country), national_number=int(national))
    if not phonenumbers.is_valid_number(number):
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
