"""The figures: one small function each, in the order the report prints them.

Each takes the run's context (bench/__main__.py: `Context`) and returns a
Result or a list of them. A figure whose code has not landed yet returns a
"not yet available" line rather than a number.
"""

import logging
import multiprocessing
import os
import re
import subprocess
import time
from datetime import date
from decimal import Decimal

from django.db import connection, connections, transaction
from django.urls import reverse

from bench.api_figures import api_sale_throughput
from bench.harness import (
    Result,
    has,
    latency_results,
    not_yet,
    timed_ms,
    under,
    vacuum_as_autovacuum_would,
)
from bench.harness import ok as _ok
from bench.harness import url_or_none as _url
from bench.import_figures import import_export_baseline, member_import
from bench.member_list_figures import (
    local_phone as _local_phone,
)
from bench.member_list_figures import member_list_page, member_list_sorted, member_lookups
from bench.segment_figures import segment_message
from bench.store_figures import dashboard_per_store, settlement_year
from bench.tier_figures import apply_new_ladder, evaluate_tiers
from config.clock import shop_today
from config.errors import LoyaltyError
from points.models import LedgerEntry, Purchase

PAGE_SIZE = 50  # the member list's page


# -- the counter ---------------------------------------------------------------


def pgbench_tps(ctx):
    """pgbench's TPC-B on the same database, in its own schema `pgbench`."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": db.get("HOST") or "127.0.0.1",
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": db.get("USER") or "postgres",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
        "PGOPTIONS": "-c search_path=pgbench",
    }
    scale = 8  # one branch row per client: no queue on a single hot row
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA IF NOT EXISTS pgbench")
        cursor.execute("SELECT to_regclass('pgbench.pgbench_branches') IS NOT NULL")
        (initialised,) = cursor.fetchone()
        if initialised:
            cursor.execute("SELECT count(*) FROM pgbench.pgbench_branches")
            initialised = cursor.fetchone()[0] == scale
    if not initialised:
        subprocess.run(
            ["pgbench", "-i", "-q", "-s", str(scale)], env=env, check=True, capture_output=True
        )
    run = subprocess.run(
        ["pgbench", "-T", str(ctx.seconds), "-c", "8", "-j", "2"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    tps = float(re.search(r"tps = ([\d.]+)", run.stdout).group(1))
    ctx.baselines["pgbench"] = tps
    return Result(
        "baseline: pgbench TPC-B, 8 clients",
        round(tps, 1),
        "tx/s",
        note=f"scale {scale}, {ctx.seconds} s",
    )


def _purchase_worker(seconds, members, seed, queue):
    """One cashier: record sales on random members until the time is up."""
    import random

    from loyalty.sale import record_purchase

    connections.close_all()  # never share the parent's socket
    rng = random.Random(seed)
    done = refused = 0
    latencies = []
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            member_id, balance = rng.choice(members)
            redeem = 100 if balance >= 300 and rng.random() < 0.25 else 0
            started = time.perf_counter()
            try:
                record_purchase(
                    member=member_id,
                    amount=Decimal(rng.randrange(200, 5000)),
                    points_to_redeem=redeem,
                    idempotency_key=f"bench-{seed}-{done + refused}-{time.time_ns()}",
                )
                done += 1
            except LoyaltyError:
                refused += 1
            latencies.append((time.perf_counter() - started) * 1000)
    except BaseException:
        # Without this the parent waits for this worker's figures forever.
        import traceback

        queue.put(traceback.format_exc())
        raise
    finally:
        connections.close_all()
    queue.put((done, refused, latencies))


def record_purchase_throughput(ctx):
    target = ">= 20 % of pgbench"
    if not has("loyalty.sale", "record_purchase"):
        return not_yet("record_purchase, 8 workers", target, "loyalty.sale.record_purchase")
    # Blocked members are refused at once: they would flatter the figure.
    members = [(m.pk, m.points_balance) for m in ctx.sample if not m.is_blocked]
    connections.close_all()
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    workers = [
        fork.Process(target=_purchase_worker, args=(ctx.seconds, members, seed, queue))
        for seed in range(8)
    ]
    for worker in workers:
        worker.start()
    # A worker that died without a word (killed) must not hang the run either.
    outcomes = [queue.get(timeout=ctx.seconds * 6 + 60) for _worker in workers]
    for worker in workers:
        worker.join()
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        raise RuntimeError(f"{len(failures)} record_purchase worker(s) failed:\n{failures[0]}")
    done = sum(o[0] for o in outcomes)
    refused = sum(o[1] for o in outcomes)
    latencies = [ms for o in outcomes for ms in o[2]]
    tps = done / ctx.seconds
    ctx.baselines["purchase"] = tps  # the API's figure is set against it
    baseline = ctx.baselines.get("pgbench")
    ratio = tps / baseline if baseline else None
    result = Result(
        "record_purchase, 8 workers",
        round(tps, 1),
        "tx/s",
        target=target,
        met=None if ratio is None else ratio >= 0.20,
        baseline_name="pgbench TPC-B",
        baseline=baseline,
        ratio=ratio,
        note=f"{done} sales, {refused} refused, 8 processes for {ctx.seconds} s",
    )
    return [result, *latency_results("record_purchase under load", latencies)]


def record_purchase_alone(ctx):
    """One cashier on an otherwise idle shop: the floor under the 8-worker figure."""
    if not has("loyalty.sale", "record_purchase"):
        return not_yet("record_purchase, 1 worker", "", "loyalty.sale.record_purchase")
    from loyalty.sale import record_purchase

    members = [m for m in ctx.sample if not m.is_blocked][: ctx.requests]
    samples = timed_ms(
        lambda m: record_purchase(
            member=m.pk, amount=Decimal("880"), idempotency_key=f"bench-1-{time.time_ns()}"
        ),
        members,
    )
    return latency_results("record_purchase, 1 worker", samples, p95_under=50)


def _choose_first_store(client):
    """A device of a shop with several stores (the settlement figure spreads
    the dataset over 20) says which store it is once, as a cashier does."""
    from stores.models import Store

    store = Store.objects.filter(is_active=True).order_by("pk").first()
    if store is not None and Store.objects.filter(is_active=True).count() > 1:
        client.post(reverse("stores:choose"), {"store": store.pk, "next": ""})


def counter_requests(ctx):
    """find / quote / confirm as the counter page sends them (htmx requests)
    through the Django test client, as a staff user, on random members."""
    if _url("counter:find") is None:
        return [
            not_yet(f"counter {step} request p95", f"< {limit} ms", "the counter (issue 5)")
            for step, limit in (("find", 20), ("quote", 20), ("confirm", 50))
        ]
    import uuid

    client = ctx.staff_client()
    _choose_first_store(client)
    htmx = {"HX-Request": "true"}
    members = [m for m in ctx.sample if not m.is_blocked][: ctx.requests]
    find_url = reverse("counter:find")

    def find(member):
        return _ok(client.get(find_url, {"q": _local_phone(member.phone)}, headers=htmx))

    def quote(member):
        url = reverse("counter:quote", args=[member.pk])
        return _ok(client.get(url, {"amount": "880"}, headers=htmx))

    def confirm(member):
        url = reverse("counter:sale", args=[member.pk])
        data = {"amount": "880", "points_to_redeem": "", "idempotency_key": uuid.uuid4().hex}
        return _ok(client.post(url, data, headers=htmx))

    results = []
    sales_before = Purchase.objects.count()
    for step, request, limit in (
        ("find", find, 20),
        ("quote", quote, 20),
        ("confirm", confirm, 50),
    ):
        samples = timed_ms(request, members)
        results += latency_results(f"counter {step} request", samples, p95_under=limit)
    recorded = Purchase.objects.count() - sales_before
    assert recorded >= len(members), f"only {recorded} of the confirmed sales were recorded"
    return results


def member_pages(ctx):
    """The member's own page, GET /my/, as a phone signed in by its receipt
    link (one browser per member), on random members; then the sign-in by
    code: asking for a code (written to the outbox and sent at once, the
    in-memory SMS backend standing in for the provider) and entering it."""
    if _url("portal:home") is None:
        return [
            not_yet(name, f"< {limit} ms", "the member pages (issue 22)")
            for name, limit in (
                ("member page (GET /my/) p95", 100),
                ("member sign-in: ask for a code p95", 200),
                ("member sign-in: enter the code p95", 200),
            )
        ]
    from django.core.cache import cache
    from django.test import Client, override_settings

    from automation.channels import MemorySmsBackend
    from portal.links import link_path
    from portal.models import SignInCode

    members = [m for m in ctx.sample if not m.is_blocked][: ctx.requests]
    phones = []
    for member in members:
        phone = Client()
        assert phone.get(link_path(member)).status_code == 302
        phones.append(phone)
    home = reverse("portal:home")
    results = latency_results(
        "member page (GET /my/)",
        timed_ms(lambda phone: _ok(phone.get(home)), phones),
        p95_under=100,
        note="card with QR code and barcode, tier progress, balance, expiring points, campaigns",
    )

    numbers = [m.phone for m in members]
    SignInCode.objects.filter(phone__in=numbers).delete()  # an earlier run's codes
    cache.clear()
    ask_url, enter_url = reverse("portal:sign_in"), reverse("portal:sign_in_code")
    browsers = {number: Client() for number in numbers}

    def ask(index_number):
        index, number = index_number
        # One address per phone, as members on their own mobile networks.
        address = f"10.{index // 65536}.{index // 256 % 256}.{index % 256}"
        response = browsers[number].post(ask_url, {"phone": number}, REMOTE_ADDR=address)
        assert response.status_code == 302, response.status_code

    def enter(number):
        code = re.search(r"\b(\d{6})\b", MemorySmsBackend.texts_to(number)[-1]).group(1)
        data = {"phone": number, "code": code, "key": f"bench-{number}"}
        response = browsers[number].post(enter_url, data)
        assert response.status_code == 302, response.status_code

    MemorySmsBackend.sent.clear()
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # a line per message sent
    with override_settings(SMS_BACKEND="automation.channels.MemorySmsBackend"):
        asked = timed_ms(ask, list(enumerate(numbers)), warm_up=0)
        entered = timed_ms(enter, numbers, warm_up=0)
    MemorySmsBackend.sent.clear()
    SignInCode.objects.filter(phone__in=numbers).delete()
    cache.clear()
    results += latency_results(
        "member sign-in: ask for a code",
        asked,
        p95_under=200,
        note="POST /my/sign-in/: the code row, the outbox message, its sending",
    )
    results += latency_results(
        "member sign-in: enter the code",
        entered,
        p95_under=200,
        note="POST /my/sign-in/code/: the check, the session",
    )
    return results


# -- nightly jobs ------------------------------------------------------------------


def expire_points_nightly(ctx):
    """The nightly run for today, over the whole ledger."""
    from points.expiry import expire_points

    ledger_rows = LedgerEntry.objects.count() if ctx.quick else ctx.dataset["ledger_entries"]
    started = time.perf_counter()
    with _undo_expiry():
        points = expire_points(as_of=shop_today())
    seconds = time.perf_counter() - started
    return under(
        "expire_points, tonight's run",
        round(seconds, 2),
        "s",
        60,
        note=f"{points} points expired, {ledger_rows:,} ledger rows",
    )


def expire_points_year_end(ctx):
    """The heavy night: the first run of a year expires last year's lots. The
    whole run, as the nightly job without a broker and `manage.py
    expire_points` do it (one process, a transaction per chunk of members,
    the chunks shared by EXPIRY_WORKERS connections), then undone."""
    from points.expiry import expire_points, members_with_expired_lots

    as_of = date(shop_today().year + 1, 1, 1)
    due = members_with_expired_lots(as_of=as_of).count()
    with _undo_expiry() as undo:
        started = time.perf_counter()
        points = expire_points(as_of=as_of)
        seconds = time.perf_counter() - started
    return under(
        "expire_points, year-end run",
        round(seconds, 1),
        "s",
        60,
        note=f"{due:,} members due, {points:,} points expired; undone in {undo.seconds:.0f} s",
    )


class _undo_expiry:
    """Put back what an expire_points run wrote, so the data set stays as
    generated: the expiry entries after a watermark and their draws go, the
    lots' remainders and the members' balances come back. One statement: a
    year-end at 1M members wrote ~600,000 of each."""

    def __enter__(self):
        self.after = LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return self

    def __exit__(self, *exc_info):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                WITH expiries AS (
                    SELECT id, member_id, -points AS points FROM points_ledgerentry
                    WHERE id > %(after)s AND kind = 'expiry'
                ), draws AS (
                    DELETE FROM points_lotdraw AS draw USING expiries
                    WHERE draw.entry_id = expiries.id RETURNING draw.lot_id, draw.points
                ), entries AS (
                    DELETE FROM points_ledgerentry AS entry USING expiries
                    WHERE entry.id = expiries.id
                ), lots AS (
                    UPDATE points_ledgerentry AS lot SET remaining = lot.remaining + back.points
                    FROM (SELECT lot_id, sum(points) AS points FROM draws GROUP BY lot_id) AS back
                    WHERE lot.id = back.lot_id
                )
                UPDATE members_member AS member
                SET points_balance = member.points_balance + back.points
                FROM (SELECT member_id, sum(points) AS points FROM expiries GROUP BY member_id)
                    AS back
                WHERE member.id = back.member_id
                """,
                {"after": self.after},
            )
        self.seconds = time.perf_counter() - started
        return False


def dashboard_page(ctx):
    """The nightly refresh that computes the dashboard's snapshots, then the
    page as the owner's first look of the morning reads them."""
    from django.test import override_settings

    from reports.periods import Period
    from reports.selectors import find_snapshot
    from reports.snapshots import refresh_dashboards

    url = _url("dashboard:index")
    vacuum_as_autovacuum_would()
    started = time.perf_counter()
    summary = refresh_dashboards(day=shop_today())
    refresh_seconds = time.perf_counter() - started
    computed = find_snapshot(period=Period.default()).compute_seconds
    results = [
        Result(
            "dashboard nightly refresh",
            round(refresh_seconds, 1),
            "s",
            note=f"{summary['snapshots']} ranges: the last 12 months for all tiers and each tier",
        ),
        Result(
            "dashboard figures, all tiers, computed",
            round(computed, 1),
            "s",
            note="what one range costs the worker (no page waits for it)",
        ),
    ]
    client = ctx.owner_client()
    requests = list(range(ctx.dashboard_requests))
    # The production freshness (the test settings recompute on every request).
    with override_settings(DASHBOARD_FRESH_SECONDS=900):
        samples = timed_ms(lambda _i: _ok(client.get(url)), requests, warm_up=0)
    return results + latency_results(
        "dashboard page",
        samples,
        p95_under=500,
        note=f"{len(samples)} requests as the owner, the first one included",
    )


# The report's order. pgbench first: record_purchase's target is relative to it.
FIGURES = {
    "pgbench": pgbench_tps,
    "purchase": record_purchase_throughput,
    "purchase-alone": record_purchase_alone,
    "api-sale": api_sale_throughput,
    "counter": counter_requests,
    "member-pages": member_pages,
    "member-list": member_list_page,
    "member-list-sorted": member_list_sorted,
    "lookup": member_lookups,
    "tiers": evaluate_tiers,
    "tiers-apply": apply_new_ladder,
    "expiry": expire_points_nightly,
    "expiry-year-end": expire_points_year_end,
    "import-baseline": import_export_baseline,
    "import": member_import,
    "dashboard": dashboard_page,
    "settlement": settlement_year,
    "dashboard-store": dashboard_per_store,
    "segment-message": segment_message,
}
