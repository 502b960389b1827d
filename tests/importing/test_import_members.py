"""What an import does to the member list: preview, duplicates, update or skip,
all-or-nothing or the valid rows only."""

from datetime import date
from decimal import Decimal

from config.clock import shop_today
from importing.files import import_members_file
from members.models import Member
from members.services import is_valid_member_number
from tests.factories import MemberFactory

HEADER = ["手機", "姓名", "電子郵件", "生日"]


def test_preview_writes_nothing_and_counts_what_would_happen(write_csv, tiers):
    MemberFactory(phone="+886912000001", name="Old")
    rows = [
        HEADER,
        ["0912000001", "Old", "", ""],
        ["0912000002", "New", "", ""],
        ["x", "Bad", "", ""],
    ]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert (result.total, result.created, result.skipped, result.error_rows) == (3, 1, 1, 1)
    assert Member.objects.count() == 1


def test_new_members_get_the_entry_tier_and_a_valid_number(write_csv, tiers, owner):
    result = import_members_file(
        write_csv([HEADER, ["0912345678", "陳美玲", "mei@example.com", "1990-01-02"]]), by=owner
    )
    assert result.created == 1
    member = Member.objects.get()
    assert member.tier == tiers["member"]
    assert is_valid_member_number(member.member_number)
    assert (member.name_key, member.phone_tail) == ("陈美玲", "5678")
    assert member.birthday == date(1990, 1, 2)
    assert member.created_by == owner


def test_member_number_from_the_file_is_kept(write_csv, tiers):
    rows = [["會員編號", "手機", "姓名"], ["A0001", "0912345678", "陳"]]
    import_members_file(write_csv(rows))
    assert Member.objects.get().member_number == "A0001"


def test_identical_duplicate_row_is_skipped(write_csv, tiers):
    rows = [HEADER, ["0912345678", "陳", "", ""], ["0912-345-678", "陳", "", ""]]
    result = import_members_file(write_csv(rows))
    assert (result.created, result.skipped, result.error_rows) == (1, 1, 0)
    assert result.applied


def test_conflicting_duplicate_in_the_file_is_an_error_not_an_update(write_csv, tiers):
    rows = [HEADER, ["0912345678", "陳", "", ""], ["+886912345678", "林", "", ""]]
    result = import_members_file(write_csv(rows))
    assert not result.applied
    assert [error["row"] for error in result.errors] == [2, 3]
    assert "Row 3 " in result.errors[0]["message"]
    assert "Row 2 " in result.errors[1]["message"]
    assert not Member.objects.exists()
    # Neither row is the right one: both are left out.
    result = import_members_file(write_csv(rows, name="again.csv"), valid_rows_only=True)
    assert not result.applied and result.verdict == "cannot"
    assert not Member.objects.exists()


def test_duplicate_member_number_in_the_file(write_csv, tiers):
    rows = [["會員編號", "手機", "姓名"], ["7", "0912345678", "陳"], ["7", "0912345679", "林"]]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert result.errors[0]["row"] == 3 and result.errors[0]["column"] == "Member number"


def test_member_already_registered_is_skipped_by_default(write_csv, tiers):
    MemberFactory(phone="+886912345678", name="陳美玲", email="old@example.com")
    result = import_members_file(write_csv([HEADER, ["0912345678", "陳", "new@example.com", ""]]))
    assert (result.created, result.updated, result.skipped) == (0, 0, 1)
    assert Member.objects.get().email == "old@example.com"


def test_update_existing_changes_only_what_the_file_fills_in(write_csv, tiers):
    member = MemberFactory(
        phone="+886912345678", name="陳美玲", email="old@example.com", birthday=date(1990, 1, 2)
    )
    rows = [HEADER, ["0912345678", "陈美玲", "", ""]]
    result = import_members_file(write_csv(rows), update_existing=True)
    assert result.updated == 1
    member.refresh_from_db()
    assert (member.name, member.name_key) == ("陈美玲", "陈美玲")
    assert member.email == "old@example.com"  # empty cell: kept
    assert member.birthday == date(1990, 1, 2)


def test_update_with_same_details_counts_as_unchanged(write_csv, tiers):
    MemberFactory(phone="+886912345678", name="陳美玲", email="m@example.com")
    rows = [HEADER, ["0912345678", "陳美玲", "m@example.com", ""]]
    result = import_members_file(write_csv(rows), update_existing=True)
    assert (result.updated, result.unchanged) == (0, 1)


def test_phone_of_an_existing_member_with_another_member_number_is_an_error(write_csv, tiers):
    MemberFactory(phone="+886912345678", member_number="1111111111")
    rows = [["會員編號", "手機", "姓名"], ["2222222222", "0912345678", "陳"]]
    result = import_members_file(write_csv(rows), update_existing=True, dry_run=True)
    assert result.error_rows == 1
    assert "1111111111" in result.errors[0]["message"]


def test_member_number_taken_by_another_member_is_an_error(write_csv, tiers):
    MemberFactory(phone="+886912000000", member_number="1111111111")
    rows = [["會員編號", "手機", "姓名"], ["1111111111", "0912345678", "陳"]]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert "already belongs to another member" in result.errors[0]["message"]


def test_all_or_nothing_writes_nothing_when_one_row_is_wrong(write_csv, tiers):
    rows = [HEADER] + [[f"09123456{i:02d}", f"M{i}", "", ""] for i in range(10)]
    rows.append(["0912000000", "", "", ""])  # no name
    result = import_members_file(write_csv(rows))
    assert not result.applied
    assert result.errors[-1]["column"] == "Name"
    assert not Member.objects.exists()


def test_valid_rows_only_imports_the_rest(write_csv, tiers):
    rows = [HEADER] + [[f"09123456{i:02d}", f"M{i}", "", ""] for i in range(10)]
    rows.insert(3, ["0912000000", "No mail", "not-an-email", ""])
    result = import_members_file(write_csv(rows), valid_rows_only=True)
    assert result.applied
    assert (result.created, result.error_rows) == (10, 1)
    assert result.errors[0] == {
        "row": 4,
        "column": "Email",
        "value": "not-an-email",
        "message": "“not-an-email” is not an email address.",
    }
    assert Member.objects.count() == 10


def test_every_error_of_a_row_is_listed(write_csv, tiers):
    result = import_members_file(write_csv([HEADER, ["12", "", "bad", "1990/13/40"]]))
    assert {error["column"] for error in result.errors} == {"Phone", "Name", "Email", "Birthday"}
    assert result.error_rows == 1


def test_queries_do_not_grow_with_rows(write_csv, tiers, django_assert_max_num_queries):
    rows = [HEADER] + [[f"0912{i:06d}", f"M{i}", "", ""] for i in range(1500)]
    path = write_csv(rows)
    # 13: one of them asks for a column choice remembered for the header row.
    with django_assert_max_num_queries(13):
        result = import_members_file(path)
    assert result.created == 1500


def test_no_tier_yet_refuses_the_import(write_csv, db):
    result = import_members_file(write_csv([HEADER, ["0912345678", "陳", "", ""]]))
    assert result.verdict == "cannot" and not result.applied
    assert "set up an entry tier first" in result.verdict_reason
    assert not Member.objects.exists()


def test_opening_points_balance_becomes_a_lot(write_csv, tiers, owner):
    from points.ledger import lot_expiry
    from points.models import LedgerEntry, ProgrammeRules
    from points.selectors import ledger_mismatches, lot_mismatches

    rows = [["手機", "姓名", "點數", "累計消費"], ["0912345678", "陳", "1,200", "NT$35,000"]]
    rows.append(["0912345679", "林", "", ""])
    result = import_members_file(write_csv(rows), by=owner)
    assert result.created == 2
    member = Member.objects.get(phone="+886912345678")
    entry = member.ledger_entries.get()
    assert (entry.kind, entry.points, entry.remaining) == (
        LedgerEntry.Kind.OPENING_BALANCE,
        1200,
        1200,
    )
    assert entry.expires_on == lot_expiry(rules=ProgrammeRules.current(), earned_on=shop_today())
    assert entry.by == owner and "members.csv" in entry.reason
    assert member.points_balance == 1200
    assert member.lifetime_spend == Decimal("35000")
    assert not Member.objects.get(phone="+886912345679").ledger_entries.exists()
    assert not list(ledger_mismatches()) and not list(lot_mismatches())


def test_points_of_a_member_already_registered_are_not_granted_again(write_csv, tiers):
    MemberFactory(phone="+886912345678", name="陳")
    rows = [["手機", "姓名", "點數"], ["0912345678", "陳", "500"]]
    result = import_members_file(write_csv(rows), update_existing=True)
    assert result.unchanged == 1
    assert Member.objects.get().points_balance == 0


def test_bad_points_are_an_error(write_csv, tiers):
    rows = [["手機", "姓名", "點數"], ["0912345678", "陳", "12.5"], ["0912345679", "林", "-3"]]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert [error["row"] for error in result.errors] == [2, 3]
    assert result.errors[0]["column"] == "Points"


def test_same_name_and_birthday_with_another_phone_is_offered_for_merging(write_csv, tiers):
    known = MemberFactory(phone="+886912000000", name="陳美玲", birthday=date(1990, 1, 2))
    rows = [HEADER, ["0912345678", "陈美玲", "", "1990/1/2"], ["0912345679", "陳美玲", "", ""]]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert result.created == 2
    assert result.near_duplicates == [
        {
            "row": 2,
            "name": "陈美玲",
            "phone": "+886912345678",
            "member_id": known.pk,
            "member_number": known.member_number,
            "member_name": "陳美玲",
        }
    ]


def test_fresh_member_numbers_carry_the_luhn_check_digit():
    from importing.engine import fresh_member_number
    from members.services import luhn_check_digit

    for _ in range(20000):
        number = fresh_member_number()
        assert len(number) == 10
        assert number[-1] == luhn_check_digit(number[:-1])


def test_a_fresh_number_already_taken_is_drawn_again(write_csv, tiers, monkeypatch):
    from importing import engine

    taken = MemberFactory(phone="+886912000000").member_number
    drawn = iter([taken, taken, *(engine.fresh_member_number() for _ in range(10))])
    monkeypatch.setattr(engine, "fresh_member_number", lambda: next(drawn))
    rows = [["手機", "姓名"], ["0912100001", "林"], ["0912100002", "王"]]
    result = import_members_file(write_csv(rows))
    assert result.applied and result.created == 2
    new = Member.objects.exclude(phone="+886912000000").values_list("member_number", flat=True)
    assert len(set(new)) == 2 and taken not in new
    assert all(is_valid_member_number(number) for number in new)


def test_progress_is_reported_batch_by_batch_up_to_the_last_row(write_csv, tiers, monkeypatch):
    from importing import engine, postgres

    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    monkeypatch.setattr(postgres, "CHUNK_BATCHES", 3)
    rows = [["手機", "姓名"]] + [[f"09121000{i:02d}", f"會員{i}"] for i in range(13)]
    rows.append(["x", "壞"])
    calls = []
    result = import_members_file(
        write_csv(rows), valid_rows_only=True, progress=lambda *args: calls.append(args)
    )
    assert result.created == 13 and result.error_rows == 1
    assert len(calls) >= 7  # seven batches of two rows
    done = [call[0] for call in calls]
    assert done == sorted(done) and calls[-1][0] == 14 and calls[-1][2] == 1
