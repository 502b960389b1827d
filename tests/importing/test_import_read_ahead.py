"""The import reads the file in a thread of its own (rows.read_ahead): what it
hands over must be what reading in the same thread would give."""

import threading

import pytest
from django.utils import translation

from importing.rows import read_ahead
from members.columns import column_label


def test_it_yields_everything_in_order():
    assert list(read_ahead(lambda: iter(range(100)), ahead=3)) == list(range(100))


def test_an_error_while_reading_comes_after_the_rows_before_it():
    def produce():
        yield 1
        yield 2
        raise ValueError("row 3 is damaged")

    seen = []
    with pytest.raises(ValueError, match="row 3"):
        for item in read_ahead(produce, ahead=1):
            seen.append(item)
    assert seen == [1, 2]


def test_the_thread_speaks_the_callers_language():
    def produce():
        yield column_label("phone")

    with translation.override("zh-hant"):
        assert list(read_ahead(produce, ahead=1)) == [column_label("phone")]
        assert column_label("phone") != "Phone"


def test_stopping_early_stops_the_thread():
    before = threading.active_count()
    items = read_ahead(lambda: iter(range(10**9)), ahead=2)
    assert next(items) == 0
    items.close()
    assert threading.active_count() == before
