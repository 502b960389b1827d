"""Phone numbers are the counter's everyday key: one canonical E.164 form."""

import re
from functools import lru_cache

import phonenumbers
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from config.regions import region_display_name
from config.shop import shop_settings


def normalize_phone(raw, *, region=None, also=None) -> str:
    """E.164 form of a phone typed in any common local or international form.

    Accepts spaces, dashes, brackets and full-width digits. A number typed
    with + is taken whatever its country; one typed without is read as a
    number of `region`, else of the first of the `also` regions where it is
    valid (default: the shop settings' phone region and regions also
    accepted). Raises LoyaltyError with a message that says what to fix.
    """
    text = str(raw or "").strip()
    if not text:
        raise LoyaltyError(_("Enter a phone number."), field="phone", code="phone_missing")
    if region is None:
        shop = shop_settings()
        region, also = shop.phone_region, shop.also_regions
    fast = _plain_digits_e164(text, region)
    if fast:
        return fast
    number = _parsed(text, region)
    if number is None:
        raise LoyaltyError(
            _("“%(phone)s” is not a phone number. Enter digits, e.g. 0912 345 678.")
            % {"phone": text},
            field="phone",
            code="phone_invalid",
        )
    if phonenumbers.is_valid_number(number):
        return _e164(number)
    if not _international(text):
        for other in also or ():
            if other == region:
                continue
            found = _plain_digits_e164(text, other) or _valid_e164(text, other)
            if found:
                return found
        hint = _looks_like(text, skip={region, *(also or ())})
        if hint:
            raise LoyaltyError(hint, field="phone", code="phone_other_region")
    raise LoyaltyError(
        _("“%(phone)s” is not a valid phone number: check the digits and the area code.")
        % {"phone": text},
        field="phone",
        code="phone_invalid",
    )


def _parsed(text, region):
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _e164(number) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _valid_e164(text, region):
    number = _parsed(text, region)
    if number is not None and phonenumbers.is_valid_number(number):
        return _e164(number)
    return None


def _international(text) -> bool:
    """Typed with its country code (+, or ＋ from a full-width keyboard)."""
    return text.lstrip().startswith(("+", "＋"))


# Where a local number that is not the shop's may be from, in the order
# asked: the shop's neighbours first. The error names the first that fits.
LIKELY_REGIONS = ("TW", "HK", "MO", "CN", "SG", "MY", "JP", "KR", "TH", "PH", "VN", "ID")


def _looks_like(text, *, skip):
    """ "looks like a mainland China mobile: add +86, or add CN to the
    regions this shop accepts", or None when it fits none of them. A mobile
    anywhere is a likelier reading than a landline (a customer list holds
    mobiles): 090-1234-5678 is a Japanese mobile before a Chinese landline."""
    found = []
    for region in LIKELY_REGIONS:
        if region in skip:
            continue
        number = _parsed(text, region)
        if number is not None and phonenumbers.is_valid_number(number):
            found.append((region, number, phonenumbers.number_type(number)))
    if not found:
        return None
    mobile = phonenumbers.PhoneNumberType.MOBILE
    region, number, kind = next((f for f in found if f[2] == mobile), found[0])
    values = {
        "phone": text,
        "place": region_name(region),
        "code": f"+{number.country_code}",
        "region": region,
    }
    if kind == mobile:
        message = _(
            "“%(phone)s” looks like a %(place)s mobile: add %(code)s, "
            "or add %(region)s to the regions this shop accepts."
        )
    elif kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        message = _(
            "“%(phone)s” looks like a %(place)s landline: add %(code)s, "
            "or add %(region)s to the regions this shop accepts."
        )
    else:
        message = _(
            "“%(phone)s” looks like a %(place)s number: add %(code)s, "
            "or add %(region)s to the regions this shop accepts."
        )
    return message % values


def region_name(region) -> str:
    """The region's name in the reader's language."""
    names = {
        "TW": _("Taiwan"),
        "HK": _("Hong Kong"),
        "MO": _("Macau"),
        "CN": _("mainland China"),
        "SG": _("Singapore"),
        "MY": _("Malaysia"),
    }
    if region in names:
        return names[region]
    language = "zh" if (get_language() or "").startswith("zh") else "en"
    return region_display_name(region, language) or region


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


def try_normalize_phone(raw, *, region=None, also=None):
    """E.164 form, or None when the text is not a valid phone number."""
    try:
        return normalize_phone(raw, region=region, also=also)
    except LoyaltyError:
        return None


def display_phone(e164: str, *, region=None) -> str:
    """National format for the shop's own region, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if region is None:
        region = shop_settings().phone_region
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
