"""Phone numbers are the counter's everyday key: one canonical E.164 form."""

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
