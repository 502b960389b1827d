"""Computing the dashboard's figures and storing them as the snapshots the
page shows: one range and tier filter at a time (a worker's task, or the page
itself when tasks run in-process), or all the ranges owners look at (the
nightly job)."""

import pickle
import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from config import heartbeat
from config.clock import shop_date
from members.models import DashboardSnapshot
from reports import selectors as figures
from reports.periods import Period
from stores.models import Store
from stores.selectors import active_stores
from tiers.models import Tier


def snapshot_key(period, tier, store=None):
    return {
        "period_start": period.start,
        "period_end": period.end,
        "tier_key": tier.pk if tier else 0,
        "store_key": store.pk if store else 0,
    }


@transaction.atomic
def refresh_dashboard(*, period, tier=None, store=None, shared=None) -> DashboardSnapshot:
    """Compute the dashboard's figures for a range, tier filter and store
    and store them as the snapshot the page shows (seconds at a million
    members). `shared`: see dashboard_figures (several tier filters of one
    range and store)."""
    started, began = timezone.now(), time.monotonic()
    if connection.vendor == "postgresql":
        # A range groups a million members' sales: with the default 4 MB the
        # aggregates spill to disk (15 s at 1M members, 8 s with this). JIT
        # compiling these one-off queries costs more than it saves.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute("SET LOCAL jit = off")
    found = figures.dashboard_figures(period=period, tier=tier, store=store, shared=shared)
    snapshot, _created = DashboardSnapshot.objects.update_or_create(
        **snapshot_key(period, tier, store),
        defaults={
            "figures": pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL),
            "layout": figures.FIGURES_LAYOUT,
            "computed_at": started,
            "shop_day": shop_date(started),
            "compute_seconds": round(time.monotonic() - began, 3),
            "refresh_queued_at": None,
        },
    )
    return snapshot


def refresh_queued_dashboard(*, period, tier=None, store=None):
    """The worker's side of a queued refresh: say it is alive on the
    snapshot row (its own short transaction, before the long computation),
    then compute. A refresh whose worker dies stays queued but silent, and
    the page offers Refresh now again (reports.services)."""
    snapshot = DashboardSnapshot.objects.filter(**snapshot_key(period, tier, store)).first()
    if snapshot is None:
        return refresh_dashboard(period=period, tier=tier, store=store)
    with heartbeat.pulse(DashboardSnapshot, snapshot.pk):
        return refresh_dashboard(period=period, tier=tier, store=store)


KEEP_VIEWED = timedelta(days=7)
FORGET_AFTER = timedelta(days=30)


def refresh_dashboards(*, day) -> dict:
    """The nightly refresh: the default range (last 12 months) for all tiers
    and each active tier, of every store when there are several (all tiers),
    and every other range, tier and store an owner or manager looked at in
    the last week, so the day's first look is served at once. Snapshots
    nobody looked at for a month are deleted. Each refresh is its own
    transaction."""
    now = timezone.now()
    period = Period.default(today=day)
    wanted = {(period.start, period.end, 0, 0)}
    wanted |= {
        (period.start, period.end, pk, 0)
        for pk in Tier.objects.filter(is_active=True).values_list("pk", flat=True)
    }
    store_ids = list(active_stores().values_list("pk", flat=True))
    if len(store_ids) > 1:
        wanted |= {(period.start, period.end, 0, pk) for pk in store_ids}
    wanted |= set(
        DashboardSnapshot.objects.filter(viewed_at__gte=now - KEEP_VIEWED).values_list(
            "period_start", "period_end", "tier_key", "store_key"
        )
    )
    tiers = Tier.objects.in_bulk({key for _start, _end, key, _store in wanted if key})
    stores = Store.objects.in_bulk({key for _start, _end, _tier, key in wanted if key})
    refreshed, seconds, shared, compared = 0, 0.0, {}, {}
    for start, end, key, store_key in sorted(wanted):
        if (key and key not in tiers) or (store_key and store_key not in stores):
            continue  # a snapshot of a tier or store since deleted
        heartbeat.beat()  # the nightly job's sign of life, a range at a time
        # What all tier filters of one range and store share is read once;
        # the stores compared, whole whatever the filters, once per range
        # (3 s at a million members, for each of 20 stores' ranges).
        part = shared.setdefault((start, end, store_key), {})
        if (start, end) in compared:
            part.setdefault("stores", compared[start, end])
        snapshot = refresh_dashboard(
            period=Period(start, end),
            tier=tiers.get(key),
            store=stores.get(store_key),
            shared=part,
        )
        if "stores" in part:
            compared.setdefault((start, end), part["stores"])
        refreshed += 1
        seconds += snapshot.compute_seconds
    forgotten, _rows = (
        DashboardSnapshot.objects.exclude(viewed_at__gte=now - FORGET_AFTER)
        .exclude(period_start=period.start, period_end=period.end)
        .delete()
    )
    return {"snapshots": refreshed, "seconds": round(seconds, 1), "forgotten": forgotten}
