"""Phones and dates in every form a customer file carries, and Excel's damage."""

from datetime import date, datetime

import pytest

from importing.files import import_members_file
from members.models import Member


@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912-345-678",
        "0912 345 678",
        "+886 912 345 678",
        "+886-912-345-678",
        "(09)12345678",
        "912345678",  # Excel dropped the leading 0
        "０９１２３４５６７８",  # full-width digits
        "'0912345678",  # our own export's formula escape
    ],
)
def test_phone_forms(write_csv, tiers, typed):
    result = import_members_file(write_csv([["手機", "姓名"], [typed, "陳美玲"]]))
    assert result.applied, result.errors
    assert Member.objects.get().phone == "+886912345678"


def test_xlsx_phone_stored_as_a_number_gets_its_zero_back(write_xlsx, tiers):
    result = import_members_file(write_xlsx([["手機", "姓名"], [912345678, "陳美玲"]]))
    assert result.applied
    assert Member.objects.get().phone == "+886912345678"


def test_scientific_notation_is_refused_never_imported_wrong(write_csv, tiers, settings):
    settings.DEFAULT_PHONE_REGION = "CN"
    rows = [["手机", "姓名"], ["1.38001E+10", "王"], ["13800138000", "李"]]
    result = import_members_file(write_csv(rows), valid_rows_only=True)
    assert result.errors[0]["row"] == 2
    assert result.errors[0]["column"] == "Phone"
    assert result.errors[0]["value"] == "1.38001E+10"
    assert "scientific notation" in result.errors[0]["message"]
    assert list(Member.objects.values_list("phone", flat=True)) == ["+8613800138000"]


def test_invalid_phone_is_reported_with_row_column_value(write_csv, tiers):
    result = import_members_file(write_csv([["手機", "姓名"], ["12345", "陳"]]))
    assert result.errors == [
        {
            "row": 2,
            "column": "Phone",
            "value": "12345",
            "message": "“12345” is not a valid phone number: check the digits and the area code.",
        }
    ]
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    "typed",
    ["1990/1/2", "1990-01-02", "1990.01.02", "1990年1月2日", "19900102", "32875"],
)
def test_date_forms(write_csv, tiers, typed):
    result = import_members_file(write_csv([["手機", "姓名", "生日"], ["0912345678", "陳", typed]]))
    assert result.applied, result.errors
    assert Member.objects.get().birthday == date(1990, 1, 2)


def test_excel_date_cells_and_serial_numbers(write_xlsx, tiers):
    rows = [
        ["手機", "姓名", "生日", "入會日期"],
        ["0912345678", "陳", datetime(1990, 1, 2), 45292],
    ]
    assert import_members_file(write_xlsx(rows)).applied
    member = Member.objects.get()
    assert member.birthday == date(1990, 1, 2)
    assert member.joined_on == date(2024, 1, 1)


@pytest.mark.parametrize("typed", ["79/01/02", "79-1-2", "079/01/02", "0790102", "79年1月2日"])
def test_minguo_years_when_the_owner_says_so(write_csv, tiers, typed):
    path = write_csv([["手機", "姓名", "生日"], ["0912345678", "陳", typed]])
    refused = import_members_file(path, dry_run=True)
    assert refused.error_rows == 1
    result = import_members_file(path, minguo_dates=True)
    assert result.applied, result.errors
    assert Member.objects.get().birthday == date(1990, 1, 2)


def test_future_birthday_is_refused_by_the_member_rules(write_csv, tiers):
    result = import_members_file(
        write_csv([["手機", "姓名", "生日"], ["0912345678", "陳", "2100-01-01"]])
    )
    assert "in the future" in result.errors[0]["message"]


def test_errors_come_in_the_owners_language(write_csv, tiers):
    from django.utils import translation

    with translation.override("zh-hant"):
        result = import_members_file(write_csv([["手機", "姓名"], ["12345", "陳"]]))
    assert result.errors[0]["column"] != "Phone"
    assert "12345" in result.errors[0]["message"]
    assert "valid phone number" not in result.errors[0]["message"]
