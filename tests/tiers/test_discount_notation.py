from decimal import Decimal

import pytest
from django.utils import translation

from config.errors import LoyaltyError
from tiers.discounts import format_discount, parse_discount, zhe_notation


@pytest.mark.parametrize(
    ("percent_off", "zhe"),
    [
        ("5", "95折"),
        ("20", "8折"),
        ("0", "不打折"),
        ("10", "9折"),
        ("25", "75折"),
        ("12.5", "87.5折"),
    ],
)
def test_zhe_notation(percent_off, zhe):
    assert zhe_notation(Decimal(percent_off)) == zhe


@pytest.mark.parametrize(
    ("typed", "percent_off"),
    [
        ("9折", "10"),
        ("95折", "5"),
        ("7.5折", "25"),
        ("8折", "20"),
        ("87.5折", "12.5"),
        ("5", "5"),
        ("5%", "5"),
        ("不打折", "0"),
    ],
)
def test_parse_discount(typed, percent_off):
    assert parse_discount(typed) == Decimal(percent_off)


@pytest.mark.parametrize("typed", ["abc", "120", "-5"])
def test_parse_discount_refuses_nonsense(typed):
    with pytest.raises(LoyaltyError):
        parse_discount(typed)


def test_format_follows_the_language():
    with translation.override("en"):
        assert format_discount(Decimal("5")) == "5% off"
    with translation.override("zh-hant"):
        assert format_discount(Decimal("5")) == "95折"
