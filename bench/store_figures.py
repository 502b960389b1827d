"""Issue 24's figures: the settlement between stores for a year, with the
dataset's sales, ledger and members spread over 20 stores."""

import time
from datetime import timedelta

from django.db import connection, transaction

from bench.harness import Result, latency_results, timed_ms
from config.clock import shop_today

STORES = 20


def _spread_over_stores():
    """20 stores, and every sale, refund, ledger entry, redemption and
    member given one of them by its id (once: a second run finds them
    there), so most points are spent at another store than they were earned."""
    from stores.models import Store

    if Store.objects.filter(name__startswith="Bench store ").count() >= STORES:
        return
    with transaction.atomic():
        ids = [
            Store.objects.get_or_create(name=f"Bench store {n:02d}")[0].pk
            for n in range(1, STORES + 1)
        ]
        case = (
            "CASE {column} % {count} "
            + " ".join(f"WHEN {index} THEN {pk}" for index, pk in enumerate(ids))
            + " END"
        )
        with connection.cursor() as cursor:
            for table, column, target in (
                ("points_purchase", "id", "store_id"),
                ("points_refund", "id", "store_id"),
                ("points_ledgerentry", "id", "store_id"),
                ("rewards_rewardredemption", "id", "store_id"),
                ("members_member", "id", "home_store_id"),
            ):
                spread = case.format(column=column, count=STORES)
                cursor.execute(f"UPDATE {table} SET {target} = {spread}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE points_ledgerentry; ANALYZE points_purchase")


def settlement_year(ctx):
    """The settlement report for the last year, as the owner opens it."""
    from members.models import SettlementDay
    from reports.settlement import settlement, store_settlement_days

    _spread_over_stores()
    end = shop_today()
    start = end - timedelta(days=364)
    SettlementDay.objects.all().delete()  # the stores were spread after any stored day
    started = time.perf_counter()
    live = settlement(start=start, end=end)
    live_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    days = store_settlement_days(day=end)
    night = time.perf_counter() - started
    found = settlement(start=start, end=end)
    assert [(r.store, r.net) for r in found.rows] == [(r.store, r.net) for r in live.rows]
    samples = timed_ms(lambda _i: settlement(start=start, end=end), list(range(20)), warm_up=1)
    return [
        Result(
            "settlement days stored by the nightly job",
            round(night, 1),
            "s",
            note=f"{days} shop days the first night; after that the last few each night",
        ),
        *latency_results(
            "settlement, 20 stores, one year",
            samples,
            p95_under=500,
            note=(
                f"stored days and today read live (all read live: {live_ms:.0f} ms); "
                f"{len(found.rows)} rows, nets sum to {found.total_net}"
            ),
        ),
    ]
