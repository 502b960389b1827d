"""The tills' API under load: record-sale over HTTP against gunicorn.

8 client processes post sales (each with its own Idempotency-Key) to a
gunicorn serving config.wsgi on 127.0.0.1 for ctx.seconds; the figure is
set against the in-process record_purchase figure of the same run (8
workers calling loyalty.sale.record_purchase), which must run first.
"""

import http.client
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import connection, connections

from bench.harness import Result, has, latency_results, not_yet

CLIENTS = 8
THREADS = 2


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_up(url, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer at {url}")


def _client(base, key, numbers, seconds, seed, queue):
    """One till: its own HTTP/1.1 connection, kept open between sales as a
    till's HTTP library keeps it (requests.Session, OkHttp, URLSession)."""
    rng = random.Random(seed)
    done = refused = 0
    latencies = []
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            body = {"member": rng.choice(numbers), "amount": str(rng.randrange(200, 5000))}
            headers = {
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{seed}-{done + refused}-{time.time_ns()}",
            }
            started = time.perf_counter()
            connection.request("POST", "/api/v1/sales", body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 500:
                raise RuntimeError(f"HTTP {response.status}")
            if response.status >= 400:
                refused += 1
            else:
                done += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()  # the server ended it: the next request opens another
            latencies.append((time.perf_counter() - started) * 1000)
    except BaseException:
        import traceback

        queue.put(traceback.format_exc())
        raise
    finally:
        connection.close()
    queue.put((done, refused, latencies))


def _gunicorn(port, workers):
    db = connection.settings_dict
    url = (
        f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "DATABASE_URL": os.environ.get("DATABASE_URL", url),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "API_RATE_LIMIT": "100000000",
        "CELERY_BROKER_URL": "",
    }
    return subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            # Threads keep the tills' connections open between sales (the
            # sync worker closes each after one answer).
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )


def api_sale_throughput(ctx):
    name = f"API record-sale over HTTP, {CLIENTS} clients"
    target = ">= 50 % of record_purchase, 8 workers"
    if not has("api.keys", "create_api_key"):
        return not_yet(name, target, "api.keys.create_api_key")
    from api.keys import create_api_key

    _key, text = create_api_key(name="bench till", scopes=["sell"], by=None)
    numbers = [m.member_number for m in ctx.sample if not m.is_blocked]
    workers = (os.cpu_count() or 2) * 2 + 1
    port = _free_port()
    connections.close_all()
    server = _gunicorn(port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(f"{base}/api/v1/openapi.json")
        fork = multiprocessing.get_context("fork")
        queue = fork.Queue()
        clients = [
            fork.Process(target=_client, args=(base, text, numbers, ctx.seconds, seed, queue))
            for seed in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        outcomes = [queue.get(timeout=ctx.seconds * 6 + 60) for _client in clients]
        for client in clients:
            client.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        raise RuntimeError(f"{len(failures)} API client(s) failed:\n{failures[0]}")
    done = sum(o[0] for o in outcomes)
    refused = sum(o[1] for o in outcomes)
    latencies = [ms for o in outcomes for ms in o[2]]
    tps = done / ctx.seconds
    baseline = ctx.baselines.get("purchase")
    ratio = tps / baseline if baseline else None
    result = Result(
        name,
        round(tps, 1),
        "tx/s",
        target=target,
        met=None if ratio is None else ratio >= 0.5,
        baseline_name="record_purchase, 8 workers",
        baseline=baseline,
        ratio=ratio,
        note=(
            f"{done} sales, {refused} refused, gunicorn {workers} workers x {THREADS} threads, "
            f"kept-alive connections, {ctx.seconds} s"
        ),
    )
    return [result, *latency_results("API record-sale under load", latencies)]
