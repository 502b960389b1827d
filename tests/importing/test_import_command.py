"""python manage.py import_members FILE ..."""

import pytest
from django.core.management import CommandError, call_command

from members.models import Member

ROWS = [["手機", "姓名"], ["0912345678", "陳美玲"], ["0912345679", "黃志豪"]]


def test_it_imports_and_prints_the_figures(write_csv, tiers, capsys):
    call_command("import_members", str(write_csv(ROWS, "cp950")), "--encoding", "big5")
    out = capsys.readouterr().out
    assert "2 created, 0 updated, 0 unchanged, 0 skipped, 0 with errors; applied" in out
    assert Member.objects.count() == 2


def test_dry_run_writes_nothing(write_csv, tiers, capsys):
    call_command("import_members", str(write_csv(ROWS)), "--dry-run")
    assert "2 created" in capsys.readouterr().out
    assert not Member.objects.exists()


def test_errors_exit_non_zero_and_nothing_is_applied(write_csv, tiers, capsys):
    path = write_csv([*ROWS, ["123", "Bad"]])
    with pytest.raises(CommandError) as raised:
        call_command("import_members", str(path))
    assert raised.value.returncode == 1
    assert "row 4 Phone «123»" in capsys.readouterr().err
    assert not Member.objects.exists()


def test_update_existing_and_valid_rows_only(write_csv, tiers, capsys):
    call_command("import_members", str(write_csv(ROWS)))
    rows = [["手機", "姓名"], ["0912345678", "陳美玲二"], ["123", "Bad"]]
    call_command(
        "import_members",
        str(write_csv(rows, name="b.csv")),
        "--update-existing",
        "--valid-rows-only",
    )
    assert "1 updated" in capsys.readouterr().out
    assert Member.objects.get(phone="+886912345678").name == "陳美玲二"


def test_missing_file(db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_members", "/nonexistent.csv")


def test_a_file_that_cannot_be_imported_exits_non_zero_with_the_reason(write_csv, db, capsys):
    for extra in ([], ["--dry-run"]):
        with pytest.raises(CommandError, match="set up an entry tier first") as raised:
            call_command("import_members", str(write_csv(ROWS)), *extra)
        assert raised.value.returncode == 1
    assert not Member.objects.exists()
