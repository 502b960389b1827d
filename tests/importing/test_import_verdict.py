"""The preview's verdict: ready, ready with errors (only the valid rows can be
imported) or cannot be imported, with the reason; the import then does what
the preview said (a dry run and the real import agree)."""

import pytest

from importing import engine
from importing.files import import_members_file
from members.models import Member
from tests.factories import MemberFactory

HEADER = ["會員編號", "手機", "姓名"]
GOOD = [HEADER, ["", "0912345678", "陳美玲"], ["", "0912345679", "黃志豪"]]


def _both(path, **options):
    """The dry run's result, then the real import's."""
    return import_members_file(path, dry_run=True, **options), import_members_file(path, **options)


def test_a_clean_file_is_ready_and_imports(write_csv, tiers):
    preview, result = _both(write_csv(GOOD))
    assert (preview.verdict, preview.verdict_reason, preview.created) == ("ready", "", 2)
    assert result.applied and result.verdict == "ready" and Member.objects.count() == 2


def test_wrong_rows_make_it_ready_with_errors(write_csv, tiers):
    preview, result = _both(write_csv([*GOOD, ["", "123", "Bad"]]))
    assert preview.verdict == "ready_with_errors"
    assert "1 row is wrong" in preview.verdict_reason
    # All or nothing: the real import leaves everything out, as the preview warned.
    assert not result.applied and not Member.objects.exists()
    result = import_members_file(write_csv([*GOOD, ["", "123", "Bad"]]), valid_rows_only=True)
    assert result.applied and result.verdict == "ready_with_errors"
    assert Member.objects.count() == 2


def test_a_missing_column_cannot_be_imported_and_is_named(write_csv, tiers):
    preview, result = _both(write_csv([["會員編號", "姓名"], ["1", "陳美玲"]]))
    assert preview.verdict == "cannot"
    assert "no column for: Phone" in preview.verdict_reason
    assert not result.applied and result.verdict == "cannot"
    assert not Member.objects.exists()


def test_both_missing_columns_are_named(write_csv, tiers):
    preview = import_members_file(write_csv([["Email"], ["a@example.com"]]), dry_run=True)
    assert "no column for: Phone, Name" in preview.verdict_reason


def test_a_file_without_rows_cannot_be_imported(write_csv, tiers):
    preview, result = _both(write_csv([HEADER]))
    assert preview.verdict == "cannot"
    assert "no members under it" in preview.verdict_reason
    assert not result.applied and result.verdict == "cannot"


def test_without_an_entry_tier_the_dry_run_counts_nothing_and_says_why(write_csv, db):
    preview, result = _both(write_csv(GOOD))
    assert preview.verdict == "cannot" and preview.created == 0
    assert "set up an entry tier first" in preview.verdict_reason
    assert not result.applied and result.verdict_reason == preview.verdict_reason
    assert not Member.objects.exists()


def test_a_file_in_another_encoding_cannot_be_imported(write_csv, tiers):
    path = write_csv(GOOD, encoding="cp950")
    preview, result = _both(path, encoding="utf-8")
    assert preview.verdict == "cannot"
    assert "not valid UTF-8 text" in preview.verdict_reason
    assert not result.applied


def test_a_damaged_excel_file_cannot_be_imported(tmp_path, tiers):
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    preview, result = _both(path)
    assert preview.verdict == "cannot" and "damaged" in preview.verdict_reason
    assert not result.applied


def test_a_file_that_changes_nothing_cannot_be_imported(write_csv, tiers):
    MemberFactory(phone="+886912345678", name="陳美玲")
    preview, result = _both(write_csv(GOOD[:2]))
    assert preview.verdict == "cannot" and preview.skipped == 1
    assert "Nothing in this file would change" in preview.verdict_reason
    assert not result.applied


def test_every_row_wrong_cannot_be_imported(write_csv, tiers):
    preview, result = _both(write_csv([HEADER, ["", "123", "Bad"]]), valid_rows_only=True)
    assert preview.verdict == "cannot" and "No row can be imported" in preview.verdict_reason
    assert not result.applied


def test_a_phone_repeated_with_another_member_number_is_wrong_on_both_rows(write_csv, tiers):
    rows = [
        HEADER,
        ["A1", "0912345678", "陳美玲"],
        ["", "0912000001", "黃志豪"],
        ["A2", "0912-345-678", "陳美玲"],
    ]
    preview, result = _both(write_csv(rows), valid_rows_only=True)
    assert [(error["row"], error["column"]) for error in preview.errors] == [
        (2, "Phone"),
        (4, "Phone"),
    ]
    assert preview.errors[0]["message"].startswith("Row 4 of the file has this phone too")
    assert preview.errors[1]["message"].startswith("Row 2 of the file has this phone too")
    assert (preview.verdict, preview.created, preview.error_rows) == ("ready_with_errors", 1, 2)
    # The real import agrees: neither row goes in, the other row does.
    assert result.applied and (result.created, result.error_rows) == (1, 2)
    assert list(Member.objects.values_list("name", flat=True)) == ["黃志豪"]


def test_a_repeat_that_differs_names_the_first_row_that_differs(write_csv, tiers):
    rows = [
        ["手機", "姓名"],
        ["0912345678", "陳美玲"],
        ["0912345678", "陳美玲"],  # identical to row 2
        ["0912345678", "林美玲"],
    ]
    preview = import_members_file(write_csv(rows), dry_run=True)
    messages = {error["row"]: error["message"] for error in preview.errors}
    assert set(messages) == {2, 3, 4}
    assert "Row 4 " in messages[2] and "Row 4 " in messages[3] and "Row 2 " in messages[4]
    assert preview.verdict == "cannot"


def test_identical_repeats_stay_skipped(write_csv, tiers):
    rows = [["手機", "姓名"], ["0912345678", "陳美玲"], ["+886 912 345 678", "陳美玲"]]
    preview, result = _both(write_csv(rows))
    assert (preview.verdict, preview.created, preview.skipped) == ("ready", 1, 1)
    assert result.applied and Member.objects.count() == 1


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of two rows, so a repeat arrives after its first row's batch."""
    from importing import postgres

    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    monkeypatch.setattr(postgres, "CHUNK_BATCHES", 2)
    monkeypatch.setattr(postgres, "MIN_CHUNK_BATCHES", 2)


def test_a_repeat_in_a_later_batch_keeps_the_first_row_out(write_csv, tiers, small_batches):
    rows = [["手機", "姓名"]] + [[f"09120000{n:02d}", f"會員{n}"] for n in range(9)]
    rows.append(["0912000001", "別人"])  # row 11 repeats row 3's phone
    preview = import_members_file(write_csv(rows), dry_run=True)
    assert [error["row"] for error in preview.errors] == [3, 11]
    result = import_members_file(write_csv(rows), valid_rows_only=True)
    assert result.applied and (result.created, result.error_rows) == (8, 2)
    assert (preview.created, preview.error_rows) == (8, 2)
    assert not Member.objects.filter(phone="+886912000001").exists()
    assert Member.objects.count() == 8
