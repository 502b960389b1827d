from decimal import Decimal

import pytest
from django.utils import translation

from config.errors import LoyaltyError
from tiers.discounts import (
    discount_meaning,
    format_discount,
    parse_discount,
    read_discount,
    zhe_notation,
)


@pytest.mark.parametrize(
    ("percent_off", "zhe"),
    [
        ("5", "95折"),
        ("20", "8折"),
        ("0", "不打折"),
        ("10", "9折"),
        ("25", "75折"),
        ("12.5", "87.5折"),
        ("90", "1折"),
        # Under 11 % paid is written in tenths: 5折 would read as 50 %.
        ("95", "0.5折"),
        ("89.5", "1.05折"),
    ],
)
def test_zhe_notation(percent_off, zhe):
    assert zhe_notation(Decimal(percent_off)) == zhe


@pytest.mark.parametrize(
    "percent_off", ["0", "0.5", "5", "10", "12.5", "20", "25", "50", "89", "89.5", "90", "95", "99"]
)
def test_zhe_notation_reads_back_as_the_same_discount(percent_off):
    assert parse_discount(zhe_notation(Decimal(percent_off))) == Decimal(percent_off)


@pytest.mark.parametrize(
    ("typed", "percent_off"),
    [
        # The cases: 10折 and 100折 are no discount, 95折 is 5 % off,
        # 9折 10 %, 7.5折 25 %.
        ("10折", "0"),
        ("100折", "0"),
        ("十折", "0"),
        ("95折", "5"),
        ("9折", "10"),
        ("7.5折", "25"),
        ("8折", "20"),
        ("87.5折", "12.5"),
        ("1折", "90"),
        ("0.5折", "95"),
        ("10.0折", "0"),
        ("95.0折", "5"),
        ("11折", "89"),
        ("99折", "1"),
        ("5", "5"),
        ("5%", "5"),
        ("12.5", "12.5"),
        ("0", "0"),
        ("100", "100"),
        ("不打折", "0"),
    ],
)
def test_parse_discount(typed, percent_off):
    assert parse_discount(typed) == Decimal(percent_off)


@pytest.mark.parametrize(
    ("typed", "percent_off"),
    [
        ("９５折", "5"),
        ("１０折", "0"),
        ("７.５折", "25"),
        ("7．5折", "25"),
        ("7。5折", "25"),
        ("５％", "5"),
        ("九五折", "5"),
        ("八折", "20"),
        ("七五折", "25"),
        ("七點五折", "25"),
        ("95 折", "5"),
        (" 9折 ", "10"),
        ("9\u3000折", "10"),
        ("5 %", "5"),
        ("5% off", "5"),
        ("  ", "0"),
    ],
)
def test_parse_discount_reads_what_keyboards_type(typed, percent_off):
    assert parse_discount(typed) == Decimal(percent_off)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0折", "discount_zero"),
        ("0.0折", "discount_zero"),
        ("零折", "discount_zero"),
        ("10.5折", "discount_above_full_price"),
        ("120折", "discount_above_full_price"),
        ("101", "discount_range"),
        ("-5", "discount_range"),
        ("abc", "discount"),
        ("nan", "discount"),
        ("1e2", "discount"),
        ("-5折", "discount"),
        ("9.5.5折", "discount"),
        ("87.555折", "discount_decimals"),
        ("12.345", "discount_decimals"),
    ],
)
def test_parse_discount_refuses_what_it_cannot_read(typed, code):
    with pytest.raises(LoyaltyError) as refusal:
        parse_discount(typed)
    assert refusal.value.code == code


@pytest.mark.parametrize("typed", ["0折", "120折", "10.5折", "abc", "-5"])
def test_a_refusal_shows_how_to_write_it(typed):
    with translation.override("en"), pytest.raises(LoyaltyError) as refusal:
        parse_discount(typed)
    how = "Write 9折 to pay 90%, 95折 to pay 95%, or 10折 for no discount."
    assert how in refusal.value.message


def test_a_refusal_reads_in_chinese():
    with translation.override("zh-hant"), pytest.raises(LoyaltyError) as refusal:
        parse_discount("0折")
    assert "10折" in refusal.value.message and "不打折" in refusal.value.message
    with translation.override("zh-hans"), pytest.raises(LoyaltyError) as refusal:
        parse_discount("120折")
    assert "120折" in refusal.value.message and "原价" in refusal.value.message


def test_format_follows_the_language():
    with translation.override("en"):
        assert format_discount(Decimal("5")) == "5% off"
    with translation.override("zh-hant"):
        assert format_discount(Decimal("5")) == "95折"


def test_meaning_says_what_members_pay():
    with translation.override("en"):
        assert discount_meaning(Decimal("20")) == "Members pay 80% (20% off)."
        assert discount_meaning(Decimal("0")) == "No discount: members pay full price."
        assert discount_meaning(Decimal("100")) == "Free: members pay nothing."
    with translation.override("zh-hant"):
        assert discount_meaning(Decimal("20")) == "會員付 80%（8折）。"
    with translation.override("zh-hans"):
        assert discount_meaning(Decimal("5")) == "会员付 95%（95折）。"


def test_read_discount_gives_the_meaning_or_the_refusal():
    with translation.override("en"):
        assert read_discount("10折").meaning == "No discount: members pay full price."
        assert read_discount("10折").error == ""
        refused = read_discount("0折")
        assert refused.meaning == "" and "10折 for no discount" in refused.error
        assert read_discount(" ") == read_discount("")
        assert read_discount("").meaning == read_discount("").error == ""
