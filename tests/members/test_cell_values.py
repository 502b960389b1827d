"""Reading one cell of a customer file (members.values): dates and gender words."""

from datetime import date

import pytest

from config.errors import LoyaltyError
from members import values


def test_minguo_prefix_is_read_without_the_option():
    assert values.parse_date("民國79年1月2日") == date(1990, 1, 2)


def test_two_digit_year_without_minguo_says_what_to_tick():
    with pytest.raises(LoyaltyError, match="Dates use Minguo years"):
        values.parse_date("79/01/02")


@pytest.mark.parametrize("typed", ["1990/13/01", "yesterday", "1990/2/30"])
def test_impossible_dates_are_refused(typed):
    with pytest.raises(LoyaltyError):
        values.parse_date(typed)


@pytest.mark.parametrize("typed, code", [("女", "f"), ("男", "m"), ("Female", "f"), ("", "")])
def test_gender_words(typed, code):
    assert values.parse_gender(typed) == code
