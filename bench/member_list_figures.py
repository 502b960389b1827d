"""The owner's member list under load: a page, a tier sorted by balance or
last purchase, and the look-ups staff type (phone, name, member number)."""

import re

from django.urls import reverse

from bench.harness import latency_results, percentile, timed_ms
from bench.harness import ok as _ok
from members.selectors import member_list, search_members, sorted_members
from tiers.models import Tier

PAGE_SIZE = 50  # the member list's page


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
    tier = Tier.objects.get(pk=query["tier"])
    members = member_list().filter(tier=tier)
    page = sorted_members(members, query["sort"], tier=tier)[:PAGE_SIZE]
    found = re.search(r"Execution Time: ([\d.]+) ms", page.explain(analyze=True))
    return float(found.group(1))


def local_phone(e164):
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
        ("phone", [local_phone(m.phone) for m in members], 5),
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
