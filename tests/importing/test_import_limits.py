"""Hostile and oversized files are refused with a clear reason before they
are parsed: zip bombs (sizes declared or lied about), an .xlsx that is no
workbook, too many columns, an endless line, a file over the size limit."""

import io
import struct
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from importing import services as imports
from importing import tasks
from importing.files import import_members_file
from importing.limits import MAX_ROW_CHARACTERS
from members.models import ImportJob, Member
from tests.importing.conftest import csv_bytes

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>手機</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>姓名</t></is></c></row>'
).encode()
# Generous: a refused bomb must not come near the 300 MB a worker may use.
PEAK_BOUND = 100 * 1024 * 1024


def _row(number):
    return (
        f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>0912{number:06d}</t></is></c>'
        f'<c r="B{number}" t="inlineStr"><is><t>會員</t></is></c></row>'
    ).encode()


def _workbook(sheet_megabytes, rows_in_chunk=20):
    """An .xlsx (built in memory) whose sheet holds a header and enough rows
    to inflate to `sheet_megabytes`; written a chunk at a time, so the test
    itself never holds the inflated sheet. A short chunk repeated is what
    deflate packs best (a few hundred to one)."""
    from openpyxl import Workbook

    source = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["手機", "姓名"])
    workbook.save(source)
    target = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as bomb:
        for info in original.infolist():
            if info.filename != SHEET:
                bomb.writestr(info, original.read(info), compress_type=zipfile.ZIP_DEFLATED)
                continue
            part = zipfile.ZipInfo(SHEET)
            part.compress_type = zipfile.ZIP_DEFLATED
            with bomb.open(part, "w") as sheet:
                sheet.write(SHEET_HEAD + HEADER_ROW)
                chunk = b"".join(_row(n) for n in range(2, 2 + rows_in_chunk))
                for _ in range(sheet_megabytes * 1024 * 1024 // len(chunk) + 1):
                    sheet.write(chunk)
                sheet.write(SHEET_TAIL)
    for info in zipfile.ZipFile(target).infolist():
        assert info.compress_type == zipfile.ZIP_DEFLATED
    return target.getvalue()


def _lie_about_sizes(data, name=SHEET, size=4096):
    """The archive with `name` declaring `size` bytes once inflated, in its
    local header and in the central directory; what it inflates to is unchanged."""
    data = bytearray(data)
    encoded = name.encode()
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) != -1:
        length = struct.unpack_from("<H", data, at + 26)[0]
        if data[at + 30 : at + 30 + length] == encoded:
            struct.pack_into("<I", data, at + 22, size)
        at += 4
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == encoded:
            struct.pack_into("<I", data, at + 24, size)
        at += 4
    return bytes(data)


def _import(tmp_path, data, name="members.xlsx", **options):
    path = tmp_path / name
    path.write_bytes(data)
    return import_members_file(path, **options)


def _peak(work):
    """What work() returns, and the most memory it held at once."""
    tracemalloc.start()
    try:
        value = work()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_workbook_within_the_limit_imports(tmp_path, tiers):
    result = _import(tmp_path, _workbook(0, rows_in_chunk=3000))
    assert result.verdict == "ready" and result.applied, result.verdict_reason
    assert result.created == Member.objects.count() > 2000


def test_a_sheet_that_inflates_past_the_limit_is_refused(tmp_path, tiers, settings):
    settings.IMPORT_MAX_MEGABYTES = 2
    result = _import(tmp_path, _workbook(3))
    assert result.verdict == "cannot" and not result.applied
    assert "too large: at most 2 MB" in result.verdict_reason
    assert not Member.objects.exists()


def test_a_bomb_over_the_default_limit_is_refused_in_little_memory(tmp_path, tiers):
    data = _workbook(210)
    assert len(data) < 2 * 1024 * 1024  # a few hundred kilobytes on disk
    result, peak = _peak(lambda: _import(tmp_path, data, dry_run=True))
    assert "too large: at most 200 MB" in result.verdict_reason
    assert peak < PEAK_BOUND


def test_a_part_that_inflates_past_its_declared_size_is_refused(tmp_path, tiers):
    data = _lie_about_sizes(_workbook(210))
    assert sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist()) < 10**6
    result, peak = _peak(lambda: _import(tmp_path, data, dry_run=True))
    assert result.verdict == "cannot"
    assert "Excel file is damaged" in result.verdict_reason
    assert peak < PEAK_BOUND


def test_an_xlsx_that_is_not_a_workbook_is_refused(tmp_path, tiers):
    result = _import(tmp_path, csv_bytes([["手機", "姓名"], ["0912345678", "陳"]]))
    assert result.verdict == "cannot" and "not an Excel workbook" in result.verdict_reason
    result = _import(tmp_path, bytes(range(256)) * 64, name="other.xlsx")
    assert "not an Excel workbook" in result.verdict_reason
    assert not Member.objects.exists()


def test_a_damaged_zip_is_refused(tmp_path, tiers):
    data = _workbook(0, rows_in_chunk=3000)
    result = _import(tmp_path, data[: len(data) // 2])
    assert result.verdict == "cannot" and "damaged" in result.verdict_reason


def test_too_many_columns_in_excel_are_refused(tmp_path, tiers, write_xlsx):
    header = ["手機", "姓名", *[f"c{n}" for n in range(250)]]
    result = import_members_file(write_xlsx([header, ["0912345678", "陳"]]))
    assert result.verdict == "cannot"
    assert "Row 1 has 252 columns: at most 200 can be read" in result.verdict_reason


def test_empty_cells_past_the_last_value_do_not_count_as_columns(write_xlsx, tiers):
    rows = [["手機", "姓名", *[None] * 300], ["0912345678", "陳", *[None] * 300]]
    assert import_members_file(write_xlsx(rows)).applied


def test_too_many_columns_in_a_csv_are_refused(write_csv, tiers):
    header = ["手機", "姓名", *[f"c{n}" for n in range(250)]]
    result = import_members_file(write_csv([header, ["0912345678", "陳"]]))
    assert "Row 1 has 252 columns" in result.verdict_reason and not result.applied


def test_a_csv_row_too_long_is_refused(write_csv, tiers):
    rows = [["手機", "姓名", "備註"], ["0912345678", "陳", "x" * (MAX_ROW_CHARACTERS + 10)]]
    result = import_members_file(write_csv(rows))
    assert "Row 2 is longer than 32,768 characters" in result.verdict_reason


def test_a_csv_of_one_ten_megabyte_line_is_refused_in_little_memory(tmp_path, tiers):
    path = tmp_path / "line.csv"
    path.write_bytes(b"0912345678," + b"a" * 10 * 1024 * 1024)
    result, peak = _peak(lambda: import_members_file(path, dry_run=True))
    assert result.verdict == "cannot"
    assert "Row 1 is longer than 32,768 characters" in result.verdict_reason
    assert peak < 5 * 1024 * 1024  # the line is never read whole


def test_a_csv_over_the_limit_is_refused(write_csv, tiers, settings):
    settings.IMPORT_MAX_MEGABYTES = 1
    rows = [["手機", "姓名"]] + [[f"0912{n:06d}", "會員" * 10] for n in range(40_000)]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert "too large: at most 1 MB" in result.verdict_reason


def test_an_upload_over_the_limit_is_refused_at_once(owner_client, tiers, settings):
    settings.IMPORT_MAX_MEGABYTES = 1
    upload = SimpleUploadedFile("big.csv", b"a" * (1024 * 1024 + 1))
    response = owner_client.post(reverse("importing:upload"), {"file": upload, "encoding": "auto"})
    assert response.status_code == 400
    assert "too large: at most 1 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.fixture
def queued(monkeypatch):
    """Previews handed to the broker, not run: the web request only stores the file."""
    sent = []
    monkeypatch.setattr(tasks.preview_import, "delay", lambda *args: sent.append(args))
    return sent


def test_the_upload_request_reads_nothing_and_the_worker_refuses_the_bomb(
    owner_client, tiers, queued, django_capture_on_commit_callbacks, monkeypatch
):
    from importing import reader

    def never(*args, **kwargs):
        raise AssertionError("the web request must not read the file")

    data = _lie_about_sizes(_workbook(5))
    with monkeypatch.context() as patched:
        patched.setattr(reader, "open_table", never)
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(
                reverse("importing:upload"),
                {"file": SimpleUploadedFile("bomb.xlsx", data), "encoding": "auto"},
            )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEWING and [args[0] for args in queued] == [job.pk]
    imports.run_preview(job_id=job.pk, attempt=job.attempt)  # the worker
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert "Cannot be imported" in page and "Excel file is damaged" in page


@pytest.fixture
def short_lines(monkeypatch):
    """Lines of at most 1,000 bytes, so a long line is cheap to build."""
    from importing import limits

    monkeypatch.setattr(limits, "MAX_LINE_BYTES", 1000)


def _count(data):
    from importing.reader import _count_lines

    return _count_lines(io.BytesIO(data))


def _line_refused(data):
    from importing.limits import FileProblem

    with pytest.raises(FileProblem) as raised:
        _count(data)
    return raised.value.row


@pytest.mark.parametrize("where", [10, 10_480, 20_000])  # the fourth: across the first megabyte
def test_a_long_line_is_found_wherever_it_is(short_lines, where):
    lines = [b"x" * 99] * 30_000
    lines[where] = b"y" * 1001
    assert _line_refused(b"\n".join(lines) + b"\n") == where + 1


def test_a_long_last_line_without_a_line_break_is_found(short_lines):
    assert _line_refused(b"a\nb\n" + b"z" * 3_000_000) == 3


def test_lines_within_the_limit_are_counted(short_lines):
    data = b"".join(b"x" * (n % 1000) + b"\n" for n in range(5000))
    assert _count(data) == 5000
