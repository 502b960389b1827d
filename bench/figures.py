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
from django.urls import NoReverseMatch, reverse

from bench.api_figures import api_sale_throughput
from bench.harness import Result, has, latency_results, not_yet, percentile, timed_ms, under
from bench.import_figures import import_export_baseline, member_import
from bench.store_figures import settlement_year
from bench.tier_figures import apply_new_ladder, evaluate_tiers
from config.clock import shop_today
from config.errors import LoyaltyError
from members.selectors import member_list, search_members, sorted_members
from points.models import LedgerEntry, Purchase
from tiers.models import Tier

PAGE_SIZE = 50  # the member list's page


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


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


def member_list_page(ctx):
    """The member list as staff open it, no search: its page count reads the
    whole table. No target in the issue; shown for the members page."""
    client = ctx.staff_client()
    url = reverse("members:list")
    samples = timed_ms(lambda _i: _ok(client.get(url)), list(range(20)), warm_up=2)
    return latency_results("members page, first page, no search (GET)", samples)


def member_list_sorted(ctx):
    """The member list filtered to one tier and sorted by balance or by last
    purchase, largest first, as an owner clicks the heading: the page and
    its count. Each tier in turn, so the big base tier counts as much as the
    small top one."""
    client = ctx.staff_client()
    url = reverse("members:list")
    tier_ids = list(Tier.objects.active().order_by("rank").values_list("pk", flat=True))
    results = []
    for sort, label in (("-balance", "balance"), ("-last_purchase", "last purchase")):
        queries = [{"tier": tier_ids[i % len(tier_ids)], "sort": sort} for i in range(40)]
        samples = timed_ms(lambda query: _ok(client.get(url, query)), queries, warm_up=2)
        sql = sorted(_sorted_sql_ms(query) for query in queries[: 2 * len(tier_ids)])
        sql_p95 = percentile(sql, 0.95)
        note = f"GET /members/?tier=…&sort={sort}; SQL of the rows alone p95 {sql_p95:.1f} ms"
        results += latency_results(
            f"members page, one tier, sorted by {label}", samples, p95_under=200, note=note
        )
    return results


def _sorted_sql_ms(query):
    """PostgreSQL's own time for the sorted page's rows (EXPLAIN ANALYZE)."""
    page = sorted_members(member_list().filter(tier_id=query["tier"]), query["sort"])[:PAGE_SIZE]
    found = re.search(r"Execution Time: ([\d.]+) ms", page.explain(analyze=True))
    return float(found.group(1))


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


def _local_phone(e164):
    """+886912345678 as staff type it: 0912 345 678."""
    digits = "0" + e164[4:]
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


# -- member lookup -----------------------------------------------------------------


def _first_page(query):
    return list(member_list(search_members(query)).order_by("-joined_on", "-id")[:PAGE_SIZE])


def _sql_ms(query):
    """What PostgreSQL itself spent on the first page's query (EXPLAIN ANALYZE)."""
    plan = member_list(search_members(query)).order_by("-joined_on", "-id")[:PAGE_SIZE]
    found = re.search(r"Execution Time: ([\d.]+) ms", plan.explain(analyze=True))
    return float(found.group(1))


def member_lookups(ctx):
    members = ctx.sample[: ctx.requests]
    cases = [
        ("phone", [_local_phone(m.phone) for m in members], 5),
        ("member number", [m.member_number for m in members], 5),
        ("last 4 digits", [m.phone_tail for m in members], 50),
        ("name", [m.name for m in members], 50),
        # A scan per query at a million members: a quarter as many samples.
        ("part of a name (2 characters)", [m.name_key[1:3] for m in members[::4]], 50),
    ]
    results = []
    for label, queries, limit in cases:
        samples = timed_ms(_first_page, queries)
        sql = sorted(_sql_ms(query) for query in queries[:20])
        note = f"search_members, first page; SQL alone p95 {sql[int(len(sql) * 0.95) - 1]:.2f} ms"
        results += latency_results(f"lookup by {label}", samples, p95_under=limit, note=note)
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
}
