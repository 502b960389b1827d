"""Year-last dates: 31/12/1990 (day first) and 12/31/1990 (month first)
read the one way they can; an ambiguous one follows the file's order or
says it is ambiguous."""

from datetime import date

import pytest

from config.errors import LoyaltyError
from members.values import DAY_FIRST, MONTH_FIRST, date_order_of, parse_date


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("31/12/1990", None, date(1990, 12, 31)),
        ("12/31/1990", None, date(1990, 12, 31)),
        ("31.12.1990", MONTH_FIRST, date(1990, 12, 31)),  # only one reading
        ("02/03/1990", DAY_FIRST, date(1990, 3, 2)),
        ("02/03/1990", MONTH_FIRST, date(1990, 2, 3)),
        ("5/5/1990", None, date(1990, 5, 5)),  # the same either way
        ("1990/12/31", DAY_FIRST, date(1990, 12, 31)),  # year first is never in doubt
    ],
)
def test_year_last_dates(text, order, expected):
    assert parse_date(text, order=order) == expected


def test_an_ambiguous_date_without_an_order_says_so():
    with pytest.raises(LoyaltyError) as refusal:
        parse_date("02/03/1990", field="joined_on")
    assert refusal.value.code == "date_ambiguous"
    assert "day first or month first" in refusal.value.message
    assert refusal.value.field == "joined_on"


def test_a_date_no_order_can_read_is_not_a_date():
    with pytest.raises(LoyaltyError) as refusal:
        parse_date("31/31/1990")
    assert refusal.value.code == "date_invalid"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["02/03/1990", "25/12/1988", "", None], DAY_FIRST),
        (["02/03/1990", "12/25/1988"], MONTH_FIRST),
        (["02/03/1990", "04/05/1991"], None),  # nothing decides
        (["25/12/1988", "12/25/1988"], None),  # the file contradicts itself
        (["1990-03-02", 33000], None),
    ],
)
def test_the_files_own_dates_decide_the_order(cells, expected):
    assert date_order_of(cells) == expected
