"""Issue 24's figures: the settlement between stores for a year, with the
dataset's sales, ledger and members spread over 20 stores."""

import time
from datetime import timedelta

from django.db import connection, transaction

from bench.harness import Result, latency_results, timed_ms, vacuum_as_autovacuum_would
from config.clock import shop_today

STORES = 20


def _spread_over_stores():
    """20 stores, and every sale, refund, ledger entry, redemption and
    member given one of them by its id (once: a second run finds them
    there), so most points are spent at another store than they were earned.
    True when it spread them now."""
    from stores.models import Store

    if Store.objects.filter(name__startswith="Bench store ").count() >= STORES:
        return False
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
    return True


def settlement_year(ctx):
    """The settlement report for the last year, as the owner opens it."""
    from members.models import SettlementDay
    from reports.settlement import settlement, store_settlement_days

    spread_now = _spread_over_stores()
    vacuum_as_autovacuum_would()
    end = shop_today()
    start = end - timedelta(days=364)
    if spread_now:
        SettlementDay.objects.all().delete()  # stored before the stores were spread
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
            note=f"{days} shop days stored: all of them the first night, the last few after",
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


def dashboard_per_store(ctx):
    """The dashboard of one store out of 20, as its owner filters it in the
    morning: each store's range is computed by the nightly refresh (timed
    here, store by store), and the page reads the stored figures."""
    from django.test import override_settings

    from bench.harness import ok, url_or_none
    from reports.periods import Period
    from reports.snapshots import refresh_dashboard
    from stores.models import Store

    _spread_over_stores()
    vacuum_as_autovacuum_would()
    stores = list(Store.objects.filter(name__startswith="Bench store ").order_by("pk"))
    period = Period.default(today=shop_today())
    started = time.perf_counter()
    compared = {}  # as the nightly job shares it: the stores compared, once a range
    for store in stores:
        shared = dict(compared)
        refresh_dashboard(period=period, store=store, shared=shared)
        compared.setdefault("stores", shared["stores"])
    refresh_seconds = time.perf_counter() - started
    url = url_or_none("dashboard:index")
    client = ctx.owner_client()
    requests = [stores[i % len(stores)].pk for i in range(ctx.dashboard_requests)]
    with override_settings(DASHBOARD_FRESH_SECONDS=900):
        samples = timed_ms(lambda pk: ok(client.get(url, {"store": pk})), requests, warm_up=0)
    return [
        Result(
            "dashboard refresh, 20 stores' ranges",
            round(refresh_seconds, 1),
            "s",
            note=f"{round(refresh_seconds / len(stores), 2)} s a store: the nightly job's share",
        ),
        *latency_results(
            "dashboard page, one store of 20",
            samples,
            p95_under=500,
            note=f"{len(samples)} requests as the owner, a different store each",
        ),
    ]
