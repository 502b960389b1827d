"""A file that writes dates day first (Hong Kong, 31/12/1990) or month
first (a US export, 12/31/1990): its own unambiguous dates decide how the
ambiguous ones read; the shop's or the preview's order does otherwise; with
neither, each ambiguous date is an error on its row."""

from datetime import date

from config.shop import save_shop_settings
from importing.files import import_members_file
from members.models import Member
from members.values import DAY_FIRST, MONTH_FIRST

HEADER = ["Phone", "Name", "Birthday"]


def _birthdays():
    return dict(Member.objects.values_list("name", "birthday"))


def test_the_files_own_dates_decide(write_csv, tiers):
    rows = [
        HEADER,
        ["0912000001", "Ambiguous", "02/03/1990"],
        ["0912000002", "Decides", "25/12/1988"],  # only day first reads it
    ]
    result = import_members_file(write_csv(rows), date_order="ymd")
    assert (result.created, result.error_rows) == (2, 0)
    assert _birthdays() == {"Ambiguous": date(1990, 3, 2), "Decides": date(1988, 12, 25)}


def test_month_first_file_decides_against_the_chosen_order(write_csv, tiers):
    rows = [HEADER, ["0912000001", "A", "02/03/1990"], ["0912000002", "B", "12/25/1988"]]
    import_members_file(write_csv(rows), date_order=DAY_FIRST)
    assert _birthdays()["A"] == date(1990, 2, 3)


def test_the_chosen_order_reads_a_file_that_does_not_decide(write_csv, tiers):
    rows = [HEADER, ["0912000001", "A", "02/03/1990"], ["0912000002", "B", "04/05/1991"]]
    import_members_file(write_csv(rows), date_order=MONTH_FIRST)
    assert _birthdays() == {"A": date(1990, 2, 3), "B": date(1991, 4, 5)}


def test_the_shop_settings_order_is_the_default(write_csv, tiers, owner):
    save_shop_settings(by=owner, date_order=DAY_FIRST)
    rows = [HEADER, ["0912000001", "A", "02/03/1990"]]
    import_members_file(write_csv(rows))
    assert _birthdays() == {"A": date(1990, 3, 2)}


def test_without_an_order_each_ambiguous_date_is_an_error_on_its_row(write_csv, tiers):
    rows = [HEADER, ["0912000001", "A", "02/03/1990"], ["0912000002", "B", "1991-04-05"]]
    result = import_members_file(write_csv(rows), date_order="ymd", dry_run=True)
    assert (result.created, result.error_rows) == (1, 1)
    [error] = result.errors
    assert error["row"] == 2 and "day first or month first" in error["message"]
