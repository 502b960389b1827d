"""The import's speed rests on a shortcut in normalize_phone: it must agree
with the full phonenumbers parser on every input."""

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from members import phones


def _full_parser(text, region):
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


digits = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=14),
    st.from_regex(r"\A(9\d{8}|[2-8]\d{7,8}|1[3-9]\d{9}|[5-9]\d{7})\Z"),
)
decorated = st.builds(
    lambda prefix, body, sep: prefix + sep.join([body[:4], body[4:]]),
    st.sampled_from(["", "0", "+886", "+886 0", "+852", "+86", "+", "00"]),
    digits,
    st.sampled_from(["", " ", "-"]),
)


@pytest.mark.parametrize("region", ["TW", "HK", "MO", "CN", "SG"])
@settings(max_examples=400, deadline=None)
@given(text=decorated)
def test_fast_path_agrees_with_the_full_parser(region, text):
    fast = phones._plain_digits_e164(text, region)
    if fast is not None:
        assert fast == _full_parser(text, region)


@pytest.mark.parametrize(
    "text",
    [
        "0912345678",
        "0912-345-678",
        "912345678",
        "+886 912 345 678",
        "+886912345678",
        "02 2345 6789",
    ],
)
def test_everyday_taiwan_forms_take_the_fast_path(text):
    assert phones._plain_digits_e164(text, "TW") == _full_parser(text, "TW")
    assert phones._plain_digits_e164(text, "TW") is not None
