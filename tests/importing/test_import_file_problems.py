"""A file that cannot be read says why, and nothing is written."""

from importing.files import import_members_file
from members.models import Member


def test_empty_file(tmp_path, tiers):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = import_members_file(path)
    assert result.file_error == "The file is empty."
    assert not result.applied


def test_header_only_file_imports_nothing(write_csv, tiers):
    result = import_members_file(write_csv([["手機", "姓名"]]))
    assert result.total == 0 and result.created == 0


def test_missing_required_column_names_it_and_writes_nothing(write_csv, tiers):
    path = write_csv([["姓名", "生日"], ["陳美玲", "1990-01-02"]])
    result = import_members_file(path)
    assert "no column for: Phone" in result.file_error
    assert "姓名 | 生日" in result.file_error
    assert not Member.objects.exists()


def test_csv_cut_in_the_middle_of_a_row(write_csv, tiers):
    rows = [
        ["手機", "姓名", "電子郵件"],
        ["0912345678", "陳美玲", "a@example.com"],
        ["0912345679", "黃"],
    ]
    result = import_members_file(write_csv(rows, newline_at_end=False))
    assert not result.applied
    assert result.errors[0]["row"] == 3
    assert "cut short" in result.errors[0]["message"]
    assert not Member.objects.exists()


def test_csv_cut_in_the_middle_of_a_character(tmp_path, tiers):
    data = "手機,姓名\r\n0912345678,陳美玲\r\n0912345679,黃志豪\r\n".encode()
    path = tmp_path / "cut.csv"
    path.write_bytes(data[:-5])  # the cut falls inside 豪
    result = import_members_file(path)
    assert not result.applied
    assert result.file_error or result.error_rows
    assert not Member.objects.exists()


def test_csv_cut_inside_a_quoted_cell(tmp_path, tiers):
    path = tmp_path / "quote.csv"
    path.write_bytes('手機,姓名,備註\r\n0912345678,陳美玲,"first line\r\nsecond'.encode())
    result = import_members_file(path)
    assert not result.applied
    assert "cut short" in result.file_error
    assert not Member.objects.exists()


def test_xlsx_cut_short(write_xlsx, tiers):
    path = write_xlsx([["手機", "姓名"], ["0912345678", "陳美玲"]])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = import_members_file(path)
    assert "damaged or cut short" in result.file_error
    assert not Member.objects.exists()


def test_encoding_error_far_into_the_file_writes_nothing(tmp_path, tiers):
    rows = "".join(f"09{12000000 + i:08d},會員{i}\r\n" for i in range(3000))
    data = ("手機,姓名\r\n" + rows).encode() + b"0912999999," + "陳".encode("cp950") + b"\r\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    result = import_members_file(path)
    assert "not valid UTF-8 text" in result.file_error
    assert not result.applied
    assert not Member.objects.exists()
