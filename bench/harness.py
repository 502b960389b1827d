"""The benchmark's plumbing: results, timing, the printed table, results.json.

A figure is a function `figure(ctx) -> Result | list[Result]` registered in
bench/figures.py; this module knows nothing about what it measures.
"""

import importlib
import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


@dataclass
class Result:
    """One line of the report. `value` is None when the figure cannot be measured yet."""

    name: str
    value: float | None
    unit: str
    target: str = ""
    met: bool | None = None  # None: no target, or nothing measured
    baseline_name: str = ""
    baseline: float | None = None
    ratio: float | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def status(self):
        if self.value is None:
            return "n/a"
        return {True: "ok", False: "MISSED", None: ""}[self.met]


def not_yet(name, target, why):
    return Result(name=name, value=None, unit="", target=target, note=f"not yet available: {why}")


def under(name, value, unit, limit, **kwargs):
    """A result whose target is `value < limit` (times)."""
    return Result(name, value, unit, target=f"< {limit:g} {unit}", met=value < limit, **kwargs)


def percentile(samples, share):
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


def timed_ms(function, arguments, warm_up=3):
    """Milliseconds each call of `function(argument)` took, after a few warm-up calls."""
    for argument in arguments[:warm_up]:
        function(argument)
    samples = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def latency_results(name, samples, *, p95_under=None, note=""):
    """p50 and p95 of `samples` (ms); the target applies to p95."""
    p50, p95 = percentile(samples, 0.50), percentile(samples, 0.95)
    extra = {"samples": len(samples), "max_ms": round(max(samples), 2)}
    first = Result(f"{name} p50", round(p50, 2), "ms", note=note, extra=extra)
    if p95_under is None:
        second = Result(f"{name} p95", round(p95, 2), "ms", note=note, extra=extra)
    else:
        second = under(f"{name} p95", round(p95, 2), "ms", p95_under, note=note, extra=extra)
    return [first, second]


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}"


HEADER = f"{'figure':<52} {'measured':>14} {'target':<18} {'baseline':<36} {'ratio':>6}  status"


def line(result: Result) -> str:
    measured = "-" if result.value is None else f"{_fmt(result.value)} {result.unit}"
    baseline = ""
    if result.baseline is not None:
        baseline = f"{result.baseline_name} {_fmt(result.baseline)}"
    ratio = "" if result.ratio is None else f"{result.ratio:.2f}"
    text = (
        f"{result.name:<52} {measured:>14} {result.target:<18} {baseline:<36} {ratio:>6}  "
        f"{result.status}"
    )
    if result.note:
        text += f"  ({result.note})"
    return text.rstrip()


def machine(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (shared_buffers,) = cursor.fetchone()
    memory_kb = 0
    try:
        for row in Path("/proc/meminfo").read_text().splitlines():
            if row.startswith("MemTotal:"):
                memory_kb = int(row.split()[1])
    except OSError:
        pass
    return {
        "host": platform.node(),
        "nproc": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "postgresql": version.split(" on ")[0],
        "shared_buffers": shared_buffers,
    }


def write_results(*, machine_info, dataset, results, started, path=RESULTS):
    payload = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(time.time() - started, 1),
        "machine": machine_info | {"load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "dataset": dataset,
        "figures": [asdict(result) | {"status": result.status} for result in results],
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path


def has(module_name, attribute):
    """Whether `module_name` (importable) has `attribute`: a figure whose
    code has not landed yet says so instead of failing."""
    try:
        return hasattr(importlib.import_module(module_name), attribute)
    except ImportError:
        return False


def sample_members(count, seed):
    """`count` members spread over the whole table, in a fixed order."""
    import random

    from members.models import Member

    top = Member.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = random.Random(seed).sample(range(1, top + 1), min(count, top))
    by_id = Member.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def url_or_none(name, *args):
    """The page's address, or None when its code has not landed (not_yet)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def ok(response):
    assert response.status_code == 200, response.status_code
    return response


def vacuum_as_autovacuum_would():
    """The earlier figures leave dead rows in today's part of the ledger
    (the year-end expiry's 600,000 entries, undone) and spreading the
    stores rewrites every row; the development server runs with autovacuum
    off, so today's range would read 1.8M dead index entries for 3,000 live
    ones (450 ms a query at 1M members). A shop's server vacuums them
    within minutes; the figures that read the ledger's recent days call
    this first, outside their timing (minutes the first time, seconds
    after)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) points_ledgerentry, points_lotdraw, points_purchase, members_member, "
            "members_membersortkeys"
        )
