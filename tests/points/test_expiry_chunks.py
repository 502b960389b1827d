"""The nightly expiry works a chunk of members per transaction."""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from members.models import Member
from points import expiry, ledger
from points.expiry import expire_chunk, expire_points, expiry_chunks
from points.ledger import lock_member
from points.models import LedgerEntry, LotDraw
from tests.factories import MemberFactory, give_points

TAIPEI = ZoneInfo("Asia/Taipei")
OLD = datetime(2025, 3, 1, 12, tzinfo=TAIPEI)  # last day 31 Dec 2026
NEW = datetime(2026, 3, 1, 12, tzinfo=TAIPEI)  # last day 31 Dec 2027
YEAR_END = date(2027, 1, 1)


@pytest.fixture
def members(tiers):
    return [MemberFactory(tier=tiers["member"]) for _ in range(5)]


def test_chunks_expire_every_due_lot_once(members, monkeypatch):
    monkeypatch.setattr(expiry, "EXPIRY_CHUNK", 2)
    lots = []
    for n, member in enumerate(members):
        lots += [give_points(member, 10 + n, at=OLD), give_points(member, 5, at=OLD)]
        give_points(member, 7, at=NEW)
    assert [len(c) for c in expiry_chunks(as_of=YEAR_END, chunk_size=2)] == [2, 2, 1]

    assert expire_points(as_of=YEAR_END) == sum(10 + n + 5 for n in range(5))
    assert expire_points(as_of=YEAR_END) == 0

    for member in members:
        member.refresh_from_db()
        assert member.points_balance == 7
    entries = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRY)
    assert sorted(entries.values_list("idempotency_key", flat=True)) == sorted(
        f"expiry:{lot.pk}:0" for lot in lots
    )
    for lot in lots:
        lot.refresh_from_db()
        assert lot.remaining == 0
        draw = LotDraw.objects.get(lot=lot, entry__kind=LedgerEntry.Kind.EXPIRY)
        assert draw.points == -draw.entry.points == lot.points
        assert draw.entry.member_id == lot.member_id
        assert draw.entry.reason == "Points earned 2025-03-01 expired after 2026-12-31."
    call_command("check_ledger")


def test_member_ids_expire_only_those_members(members):
    for member in members:
        give_points(member, 100, at=OLD)
    assert expire_points(as_of=YEAR_END, member_ids=[members[1].pk, members[3]]) == 200
    balances = dict(Member.objects.values_list("pk", "points_balance"))
    assert [balances[m.pk] for m in members] == [100, 0, 100, 0, 100]
    assert expire_chunk(as_of=YEAR_END, member_ids=[]) == 0
    assert expire_chunk(as_of=YEAR_END, member_ids=[10**9]) == 0


def test_points_returned_to_an_expired_lot_expire_again_under_a_new_key(members):
    member = members[0]
    lot = give_points(member, 100, at=OLD)
    with transaction.atomic():
        spend = ledger.spend_points(
            member=lock_member(member), points=30, kind="adjustment", idempotency_key="spend"
        )
    assert expire_points(as_of=YEAR_END) == 70
    with transaction.atomic():
        ledger.return_points(
            entry=spend, kind="adjustment", idempotency_key="back", member=lock_member(member)
        )
    assert expire_points(as_of=YEAR_END) == 30
    keys = LedgerEntry.objects.filter(kind="expiry").values_list("idempotency_key", flat=True)
    assert sorted(keys) == [f"expiry:{lot.pk}:0", f"expiry:{lot.pk}:1"]
    member.refresh_from_db()
    assert member.points_balance == 0
    call_command("check_ledger")


def test_the_chunk_task_and_the_fan_out(members):
    from points.tasks import expire_points_chunk, expire_points_shared

    for member in members:
        give_points(member, 50, at=OLD)
    first = [members[0].pk, members[1].pk]
    assert expire_points_chunk.delay("2027-01-01", first).get() == 100
    assert expire_points_chunk.delay("2027-01-01", first).get() == 0  # redelivered
    assert expire_points_shared("2027-01-01", chunk_size=2) == {"as_of": "2027-01-01", "chunks": 2}
    assert not LedgerEntry.objects.filter(remaining__gt=0, expires_on__lt=YEAR_END).exists()
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_member_a_sale_holds_is_expired_after_the_sale_not_skipped(tiers):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    held, free = MemberFactory(), MemberFactory()
    give_points(held, 100, at=OLD)
    give_points(free, 40, at=OLD)
    locked, release = threading.Event(), threading.Event()

    def sale():
        try:
            with transaction.atomic():
                lock_member(held.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=sale)
    thread.start()
    locked.wait(10)
    # The chunk skips the held member and is done; that member then waits.
    threading.Timer(0.5, release.set).start()
    assert expire_chunk(as_of=YEAR_END, member_ids=[held.pk, free.pk]) == 140
    thread.join()
    assert dict(Member.objects.values_list("pk", "points_balance")) == {held.pk: 0, free.pk: 0}
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_share_the_chunks_and_expire_every_due_lot_once(tiers, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the shared run is PostgreSQL's")
    monkeypatch.setattr(expiry, "EXPIRY_CHUNK", 2)
    members = [MemberFactory(tier=tiers["member"]) for _ in range(7)]
    for points, member in enumerate(members, start=10):
        give_points(member, points, at=OLD)
        give_points(member, 5, at=NEW)  # not due yet
    threads = set()
    expire_chunk = expiry.expire_chunk
    both_at_work = threading.Barrier(2, timeout=10)

    def spy(**kwargs):
        name = threading.current_thread().name
        if name not in threads:
            threads.add(name)
            both_at_work.wait()  # each worker's first chunk waits for the other's
        return expire_chunk(**kwargs)

    monkeypatch.setattr(expiry, "expire_chunk", spy)
    assert expire_points(as_of=YEAR_END, workers=2) == sum(range(10, 17))
    assert len(threads) == 2 and all(name.startswith("expiry") for name in threads)
    monkeypatch.setattr(expiry, "expire_chunk", expire_chunk)
    assert expire_points(as_of=YEAR_END, workers=2) == 0  # twice: nothing more
    assert set(Member.objects.values_list("points_balance", flat=True)) == {5}
    expiries = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRY)
    assert expiries.count() == 7
    assert LotDraw.objects.filter(entry__in=expiries).count() == 7
    call_command("check_ledger")
