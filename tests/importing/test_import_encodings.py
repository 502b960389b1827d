"""Encodings: UTF-8 with or without BOM first, else the shop's region decides,
and the decoded header must name the columns we need."""

import pytest

from importing.files import import_members_file
from members.models import Member

HEADER = ["手機", "姓名", "生日"]
ROWS = [HEADER, ["0912345678", "陳美玲", "1990-01-02"], ["0912345679", "黃志豪", ""]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_with_or_without_bom(write_csv, tiers, encoding):
    result = import_members_file(write_csv(ROWS, encoding))
    assert result.applied and result.encoding == "utf-8"
    assert set(Member.objects.values_list("name", flat=True)) == {"陳美玲", "黃志豪"}


@pytest.mark.parametrize(
    "region, encoding",
    [("TW", "cp950"), ("HK", "big5hkscs"), ("CN", "gb18030")],
)
def test_region_default_encoding(write_csv, tiers, settings, region, encoding):
    settings.DEFAULT_PHONE_REGION = region
    phone = {"TW": "0912345678", "HK": "51234567", "CN": "13800138000"}[region]
    rows = [HEADER, [phone, "陳美玲", "1990-01-02"]]
    result = import_members_file(write_csv(rows, encoding))
    assert result.applied, result.errors or result.file_error
    assert result.encoding == encoding
    assert Member.objects.get().name == "陳美玲"


def test_big5_file_in_a_mainland_shop_is_not_read_as_gb18030(write_csv, tiers, settings):
    # Big5 bytes decode as GB18030 without error, into nonsense headers; the
    # header check rejects that reading and the next candidate is tried.
    settings.DEFAULT_PHONE_REGION = "CN"
    rows = [HEADER, ["13800138000", "陳美玲", ""]]
    result = import_members_file(write_csv(rows, "cp950"))
    assert result.encoding in ("cp950", "big5hkscs")
    assert Member.objects.get().name == "陳美玲"


def test_owner_chosen_encoding_is_used(write_csv, tiers):
    path = write_csv([HEADER, ["0912345678", "陈美玲", ""]], "gb18030")
    result = import_members_file(path, encoding="gb18030")
    assert result.encoding == "gb18030"
    assert Member.objects.get().name == "陈美玲"


def test_wrong_encoding_gives_a_header_error_and_writes_nothing(write_csv, tiers):
    path = write_csv(ROWS, "cp950")
    result = import_members_file(path, encoding="utf-8")
    assert result.file_error
    assert not result.applied
    assert not Member.objects.exists()


def test_excel_unicode_text_utf16_tab_separated(tmp_path, tiers):
    path = tmp_path / "unicode.txt"
    path.write_bytes("手機\t姓名\r\n0912345678\t陳美玲\r\n".encode("utf-16"))
    result = import_members_file(path)
    assert result.applied
    assert Member.objects.get().phone == "+886912345678"


def test_xlsx_needs_no_encoding(write_xlsx, tiers):
    result = import_members_file(write_xlsx(ROWS))
    assert result.applied and result.format == "xlsx"
    assert Member.objects.count() == 2


def test_simplified_chinese_and_english_headers(write_csv, tiers):
    rows = [
        ["手机号码", "会员姓名", "出生日期", "电子邮件", "积分"],
        ["0912345678", "陈美玲", "1990-01-02", "mei@example.com", "0"],
    ]
    result = import_members_file(write_csv(rows))
    assert result.applied
    member = Member.objects.get()
    assert (member.name, member.email) == ("陈美玲", "mei@example.com")
    rows = [["Mobile", "Full name", "Date of birth"], ["0912345679", "Amy Chen", "1990-01-02"]]
    assert import_members_file(write_csv(rows, name="en.csv")).applied


def test_title_row_above_the_header_is_passed_over(write_csv, tiers):
    rows = [["2024 顧客名單"], [], HEADER, ["0912345678", "陳美玲", ""]]
    result = import_members_file(write_csv(rows))
    assert result.applied and Member.objects.count() == 1
