"""A chunk of the nightly expiry on PostgreSQL is one SQL statement; it must
write what the portable path writes, row for row."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from members.models import Member
from points import ledger, ledger_batch
from points.expiry import expire_points
from points.ledger import lock_member
from points.models import LedgerEntry, LotDraw
from tests.factories import MemberFactory, give_points

TAIPEI = ZoneInfo("Asia/Taipei")
UTC = ZoneInfo("UTC")
# In the past, so an expiry entry is dated the start of that day, not now.
NEW_YEAR = date(2024, 1, 1)


def _written(after):
    """What an expiry wrote after entry id `after`, without the new ids."""
    entries = LedgerEntry.objects.filter(pk__gt=after).order_by("idempotency_key")
    keys = {entry.pk: entry.idempotency_key for entry in entries}
    lots = LedgerEntry.objects.filter(remaining__isnull=False, pk__lte=after).order_by("pk")
    return {
        "entries": [
            (e.member_id, e.kind, e.points, e.created_at, e.idempotency_key, e.reason)
            for e in entries
        ],
        "draws": sorted(
            (keys[d.entry_id], d.lot_id, d.points) for d in LotDraw.objects.filter(entry__in=keys)
        ),
        "lots": list(lots.values_list("pk", "remaining")),
        "balances": list(Member.objects.order_by("pk").values_list("pk", "points_balance")),
    }


@pytest.mark.postgres
def test_the_statement_writes_what_the_portable_path_writes(tiers):
    if connection.vendor != "postgresql":
        pytest.skip("the statement is PostgreSQL's")
    first, second, third = (MemberFactory() for _ in range(3))
    plain = give_points(first, 100, at=datetime(2022, 3, 1, 12, tzinfo=TAIPEI))
    # 07:00 on 1 January in Taipei is still 31 December in UTC.
    new_years_day = give_points(first, 60, at=datetime(2021, 12, 31, 23, tzinfo=UTC))
    give_points(first, 30, at=datetime(2023, 3, 1, 12, tzinfo=TAIPEI))  # not due yet
    again = give_points(second, 200, at=datetime(2022, 6, 1, 9, tzinfo=TAIPEI))
    with transaction.atomic():
        spend = ledger.spend_points(
            member=lock_member(second),
            points=50,
            kind="adjustment",
            idempotency_key="s",
            at=datetime(2022, 7, 1, tzinfo=TAIPEI),
        )
    # Expired once, then points returned to it: it expires again, next key.
    assert expire_points(as_of=NEW_YEAR, member_ids=[second.pk]) == 150
    with transaction.atomic():
        ledger.return_points(
            entry=spend, kind="adjustment", idempotency_key="b", member=lock_member(second)
        )
    late = give_points(third, 10, at=datetime(2022, 12, 31, 23, 30, tzinfo=TAIPEI))
    after = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True)[0]
    ids = [first.pk, second.pk, third.pk]

    results = []
    for path in (ledger_batch._expire_locked_in_python, ledger_batch._expire_locked_in_sql):
        with transaction.atomic():
            list(Member.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
            results.append((path(ids, NEW_YEAR), _written(after)))
            transaction.set_rollback(True)

    assert results[1] == results[0]
    points, written = results[1]
    assert points == 100 + 60 + 50 + 10
    assert [entry[4] for entry in written["entries"]] == sorted(
        [f"expiry:{plain.pk}:0", f"expiry:{new_years_day.pk}:0", f"expiry:{again.pk}:1"]
        + [f"expiry:{late.pk}:0"]
    )
    by_key = {entry[4]: entry for entry in written["entries"]}
    assert by_key[f"expiry:{new_years_day.pk}:0"][5] == (
        "Points earned 2022-01-01 expired after 2023-12-31."
    )
    assert by_key[f"expiry:{late.pk}:0"][5] == "Points earned 2022-12-31 expired after 2023-12-31."
    assert {entry[3] for entry in written["entries"]} == {datetime(2024, 1, 1, tzinfo=TAIPEI)}


@pytest.mark.postgres
def test_a_chunk_through_the_statement_keeps_the_ledger_whole(tiers):
    if connection.vendor != "postgresql":
        pytest.skip("the statement is PostgreSQL's")
    members = [MemberFactory() for _ in range(4)]
    for n, member in enumerate(members):
        give_points(member, 10 * (n + 1), at=datetime(2022, 5, 1, 12, tzinfo=TAIPEI))
        give_points(member, 7, at=datetime(2023, 5, 1, 12, tzinfo=TAIPEI))
    assert expire_points(as_of=NEW_YEAR) == 100
    assert expire_points(as_of=NEW_YEAR) == 0
    assert set(Member.objects.values_list("points_balance", flat=True)) == {7}
    call_command("check_ledger")
