"""On PostgreSQL the import asks about chunk N+1 before it writes chunk N, on
its connection's own thread (importing.postgres): the database works
while Python prepares. What chunk N+1's questions cannot see of chunk N must
still count, and a failure on that thread must stop the import whole."""

import pytest
from django.db import IntegrityError, connection

from importing import engine, postgres
from importing.files import import_members_file
from members.models import Member
from members.services import is_valid_member_number
from points.models import LedgerEntry
from tests.factories import MemberFactory

pytestmark = pytest.mark.postgres

HEADER = ["手機", "姓名", "生日", "點數"]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of two batches of three rows."""
    if connection.vendor != "postgresql":
        pytest.skip("the pipelined path is PostgreSQL's")
    monkeypatch.setattr(engine, "BATCH_SIZE", 3)
    monkeypatch.setattr(postgres, "CHUNK_BATCHES", 2)
    monkeypatch.setattr(postgres, "MIN_CHUNK_BATCHES", 2)


def _rows(count_, start=0):
    return [[f"09121{n:05d}", f"會員{n}", "1990/1/2", "10"] for n in range(start, start + count_)]


def _statements(monkeypatch):
    """What the import's connection runs, in order: "ask" for a chunk's
    questions, "write" for a chunk's writes."""
    seen = []
    real_ask, real_write = postgres._ask, postgres._write

    def ask(*args):
        seen.append("ask")
        return real_ask(*args)

    def write(*args):
        seen.append("write")
        return real_write(*args)

    monkeypatch.setattr(postgres, "_ask", ask)
    monkeypatch.setattr(postgres, "_write", write)
    return seen


def test_the_next_chunk_is_asked_about_before_this_one_is_written(tiers, write_csv, monkeypatch):
    seen = _statements(monkeypatch)
    result = import_members_file(write_csv([HEADER, *_rows(18)]))
    assert result.applied and result.created == 18
    # Three chunks of six rows: each chunk's questions go ahead of the
    # writes of the chunk before it.
    assert seen == ["ask", "ask", "write", "ask", "write", "write"]
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.OPENING_BALANCE).count() == 18


def test_the_chunk_before_keeps_its_fresh_numbers(tiers, write_csv, monkeypatch):
    # Every chunk draws the same fresh numbers. The database cannot tell the
    # second chunk that the first took them (its rows are not written yet).
    numbers = [f"{n}0" for n in range(100_000_000, 100_000_030)]
    monkeypatch.setattr(postgres, "_fresh_numbers", lambda needed: list(numbers))
    result = import_members_file(write_csv([HEADER, *_rows(18)]))
    assert result.applied and result.created == 18
    given = list(Member.objects.values_list("member_number", flat=True))
    assert sorted(given) == numbers[:18]


def test_a_dry_pool_draws_more_numbers(tiers, write_csv, monkeypatch):
    taken = MemberFactory(phone="+886988000001").member_number
    # The first three pools hold only a member's number: the import draws
    # and asks again until it has enough.
    pools = iter([[taken] * 10] * 3)
    real = postgres._fresh_numbers
    monkeypatch.setattr(
        postgres, "_fresh_numbers", lambda needed: next(pools, None) or real(needed)
    )
    result = import_members_file(write_csv([HEADER, *_rows(6)]))
    assert result.applied and result.created == 6
    numbers = set(
        Member.objects.exclude(phone="+886988000001").values_list("member_number", flat=True)
    )
    assert len(numbers) == 6 and taken not in numbers
    assert all(is_valid_member_number(number) for number in numbers)


def test_the_chunk_before_keeps_its_near_duplicates(tiers, write_csv):
    rows = _rows(6)
    rows.append(["0922000001", "會員0", "1990/1/2", ""])  # like row 2, in the next chunk
    result = import_members_file(write_csv([HEADER, *rows]), dry_run=False)
    first = Member.objects.get(phone="+886912100000")
    assert [(near["row"], near["member_id"]) for near in result.near_duplicates] == [(8, first.pk)]


def test_a_failed_write_stops_the_import_and_writes_nothing(tiers, write_csv, monkeypatch):
    MemberFactory(phone="+886912100004")
    # The phone question is made to miss the member, so COPY meets the
    # unique index on the connection's thread, in the second chunk.
    real_ask = postgres._ask

    def ask(cursor, sql, phones, *args):
        return real_ask(cursor, sql, "[]", *args)

    monkeypatch.setattr(postgres, "_ask", ask)
    with pytest.raises(IntegrityError):
        import_members_file(write_csv([HEADER, *_rows(12)]))
    assert Member.objects.count() == 1
    assert not LedgerEntry.objects.exists()
    # The connection is back with its caller, usable.
    assert Member.objects.filter(phone="+886912100004").exists()


def test_ids_come_back_as_drawn_when_others_draw_meanwhile(tiers):
    # Every other id, as concurrent enrolments drawing from the same sequence
    # would leave them: the answer is the ids, not the range they span.
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('members_member', 'id'), 1000)")
        cursor.execute("ALTER TABLE members_member ALTER COLUMN id SET INCREMENT BY 2")
        answers = postgres._ask(cursor, postgres._Statements(), "[]", "[]", "[]", 3)
    assert list(answers.ids) == [1002, 1004, 1006]
