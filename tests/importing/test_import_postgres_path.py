"""On PostgreSQL the import writes chunks of batches with set-based statements
(importing.postgres); everywhere else a batch at a time. Both must
do exactly the same to the same file: same figures, same errors in the same
order, same near-duplicates, same members and opening balances."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from importing import engine, postgres
from importing.files import import_members_file
from members.models import Member
from members.services import is_valid_member_number
from points.models import LedgerEntry
from tests.factories import MemberFactory

pytestmark = pytest.mark.postgres

HEADER = ["會員編號", "手機", "姓名", "電子郵件", "生日", "性別", "備註", "點數", "累計消費"]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches of three rows, chunks of two batches: a short file crosses
    batches and chunks the way a million rows do."""
    if connection.vendor != "postgresql":
        pytest.skip("the set-based path is PostgreSQL's")
    monkeypatch.setattr(engine, "BATCH_SIZE", 3)
    monkeypatch.setattr(postgres, "CHUNK_BATCHES", 2)
    monkeypatch.setattr(postgres, "MIN_CHUNK_BATCHES", 1)


@pytest.fixture
def known(tiers):
    return {
        "registered": MemberFactory(
            phone="+886912000001", name="舊會員", email="old@example.com", member_number="M0001"
        ),
        "twin": MemberFactory(phone="+886912000002", name="陳美玲", birthday=date(1990, 1, 2)),
        "number_owner": MemberFactory(phone="+886912000003", name="號碼", member_number="TAKEN"),
    }


ROWS = [
    HEADER,
    # batch 1 (chunk 1)
    ["", "0912000001", "舊會員", "new@example.com", "1980/5/6", "女", "", "100", ""],  # registered
    ["", "0912100001", "林小明", "", "1991/2/3", "m", "tab\there", "250", "1,200"],
    ["", "0912100002", "陈美玲", "", "1990-01-02", "", "", "", ""],  # near-duplicate of twin
    # batch 2
    # phone of row 2, other details: rows 2, 5 and 11 are all wrong
    ["X-1", "0912000001", "舊會員", "", "", "", "", "", ""],
    ["TAKEN", "0912100003", "王大同", "", "", "", "", "", ""],  # another member's number
    ["", "not a phone", "壞", "", "", "", "", "", ""],
    # batch 3 (chunk 2)
    ["", "0912100004", "張三", "", "1985/13/40", "", "", "", ""],  # no such date
    ["", "0912100005", "李四", "li@example.com", "1970/7/7", "", "back\\slash\nline", "0", "5"],
    ["", "0912-100-002", "陈美玲", "", "1990-01-02", "", "", "", ""],  # row 4 again
    # batch 4
    ["", "+886912000001", "別人", "", "", "", "", "", ""],  # phone of row 2, other details
    ["", "0912100006", "林小明", "", "1991/2/3", "", "", "30", ""],  # like row 3 (chunk 1)
    ["", "0912100010", "李四", "", "1970/7/7", "", "", "", ""],  # like row 9 (same chunk)
    # batch 5 (chunk 3)
    ["N-7", "0912100007", "吳五", "", "", "", "", "12", ""],
    ["N-7", "0912100008", "吳六", "", "", "", "", "", ""],  # number of row 14
    ["WRONG", "0912000003", "號碼", "", "", "", "", "", ""],  # this phone's member is TAKEN
    # batch 6
    ["", "0912100009", "鄭七", "", "2000/1/1", "", "", "7", "99.5"],
]


def _members():
    rows = Member.objects.order_by("phone").values_list(
        "phone",
        "name",
        "name_key",
        "email",
        "birthday",
        "gender",
        "notes",
        "points_balance",
        "lifetime_spend",
        "tier_id",
        "joined_on",
    )
    return list(rows)


def _numbers():
    return {phone: number for phone, number in Member.objects.values_list("phone", "member_number")}


def _lots():
    return sorted(
        (entry.member.phone, entry.points, entry.remaining, entry.expires_on, entry.reason)
        for entry in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.OPENING_BALANCE)
        .select_related("member")
        .filter(idempotency_key__startswith="opening-balance:")
    )


def _outcome(path, monkeypatch, *, set_based, **options):
    """What an import of `path` reports and writes, then undone."""
    from django.db import transaction

    monkeypatch.setattr(engine, "chunked", lambda: set_based)
    result = import_members_file(path, **options).as_dict()
    written = (_members(), _lots(), _numbers())
    # Undo what was written so the other path starts from the same members.
    known_phones = ("+886912000001", "+886912000002", "+886912000003")
    with transaction.atomic():
        LedgerEntry.objects.filter(idempotency_key__startswith="opening-balance:").delete()
        Member.objects.exclude(phone__in=known_phones).delete()
        Member.objects.filter(phone="+886912000001").update(
            email="old@example.com", birthday=None, gender="", name="舊會員"
        )
    for near in result["near_duplicates"]:
        # The ids of members this import created differ between the two runs.
        near["member_id"] = near["member_id"] if near["member_id"] in _known_ids() else "new"
        if near["member_id"] == "new":
            near["member_number"] = "new"
    return result, written


def _known_ids():
    return set(Member.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    "options",
    [
        {"dry_run": True},
        {"dry_run": True, "update_existing": True},
        {},  # all or nothing: a row is wrong, nothing is written
        {"valid_rows_only": True},
        {"valid_rows_only": True, "update_existing": True},
    ],
    ids=["preview", "preview-update", "all-or-nothing", "valid-rows", "valid-rows-update"],
)
def test_set_based_path_does_what_the_batch_path_does(
    options, write_csv, known, owner, monkeypatch
):
    path = write_csv(ROWS)
    batch, batch_written = _outcome(path, monkeypatch, set_based=False, by=owner, **options)
    chunks, chunks_written = _outcome(path, monkeypatch, set_based=True, by=owner, **options)

    assert chunks == batch
    members, lots, numbers = chunks_written
    assert (members, lots) == batch_written[:2]
    # Fresh member numbers are random; the file's are kept.
    for phone, number in numbers.items():
        if phone in batch_written[2] and not is_valid_member_number(number):
            assert number == batch_written[2][phone]


def test_the_file_is_checked_as_the_batch_path_does(write_csv, known, owner, monkeypatch):
    result, _written = _outcome(
        write_csv(ROWS), monkeypatch, set_based=True, by=owner, valid_rows_only=True
    )
    figures = ("total", "created", "updated", "skipped", "error_rows")
    assert [result[name] for name in figures] == [16, 7, 0, 1, 8]
    # Batch by batch: the rows' own errors, then those found in the database.
    assert [error["row"] for error in result["errors"]] == [2, 5, 7, 6, 8, 11, 15, 16]
    # A phone repeated with other details: each row names one that differs.
    repeats = {e["row"]: e["message"] for e in result["errors"] if e["row"] in (2, 5, 11)}
    assert [message.split(" of")[0] for _row, message in sorted(repeats.items())] == [
        "Row 5",
        "Row 2",
        "Row 2",
    ]
    assert [(near["row"], near["member_id"]) for near in result["near_duplicates"]] == [
        (4, known["twin"].pk),
        (12, "new"),
        (13, "new"),
    ]


def test_new_members_and_their_opening_balances_are_written(write_csv, known, owner):
    result = import_members_file(write_csv(ROWS), valid_rows_only=True, by=owner)
    assert result.applied and result.created == 7
    assert Member.objects.get(phone="+886912100001").notes == "tab\there"
    assert Member.objects.get(phone="+886912100005").notes == "back\\slash\nline"
    member = Member.objects.get(phone="+886912100007")
    assert member.member_number == "N-7" and member.points_balance == 12
    lot = LedgerEntry.objects.get(member=member)
    assert (lot.kind, lot.points, lot.remaining, lot.by) == ("opening_balance", 12, 12, owner)
    assert lot.idempotency_key == f"opening-balance:{member.pk}"
    fresh = Member.objects.get(phone="+886912100009")
    assert is_valid_member_number(fresh.member_number)
    assert fresh.lifetime_spend == Decimal("99.50") and fresh.created_by == owner
    assert fresh.tier.rank == 1 and fresh.name_key == "郑七"


def test_updates_change_only_what_the_file_fills_in(write_csv, known):
    # Without the rows that repeat the registered member's phone with other details.
    rows = [row for row in ROWS if row[2] != "別人" and row[0] != "X-1"]
    import_members_file(write_csv(rows), valid_rows_only=True, update_existing=True)
    member = Member.objects.get(pk=known["registered"].pk)
    assert (member.email, member.birthday, member.gender, member.name) == (
        "new@example.com",
        date(1980, 5, 6),
        "f",
        "舊會員",
    )
    assert member.member_number == "M0001"
