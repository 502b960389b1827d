"""The dashboard's writes: the owner's lifecycle settings, and the
snapshots of its figures (computed by a worker, read by the page)."""

import pickle
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.clock import shop_date
from config.errors import LoyaltyError
from members.models import DashboardSnapshot, LifecycleRules
from reports import selectors as figures
from reports.periods import Period
from tiers.models import Tier

# A refresh queued longer ago than this is assumed lost (a worker restarted)
# and may be queued again.
REQUEUE_AFTER = timedelta(minutes=10)

MAX_DAYS = 3650


def _check_days(name, value):
    if not 1 <= value <= MAX_DAYS:
        raise LoyaltyError(
            _("Enter a number of days between 1 and %(max)d.") % {"max": MAX_DAYS},
            field=name,
            code="days_out_of_range",
        )


@transaction.atomic(durable=True)
def update_lifecycle_rules(*, new_days, active_days, churned_days, by=None) -> LifecycleRules:
    """Set the day counts of the lifecycle stages (new, active, dormant,
    churned). A member is churned only after they stop being active, so
    churned_days must be more than active_days."""
    for name, value in (
        ("new_days", new_days),
        ("active_days", active_days),
        ("churned_days", churned_days),
    ):
        _check_days(name, value)
    if churned_days <= active_days:
        raise LoyaltyError(
            _(
                "Churned must count more days than active (%(active)d), or no member "
                "would ever be dormant."
            )
            % {"active": active_days},
            field="churned_days",
            code="churn_before_active",
        )
    LifecycleRules.current()  # the row exists before we lock it
    rules = LifecycleRules.objects.select_for_update().get(pk=1)
    rules.new_days, rules.active_days, rules.churned_days = new_days, active_days, churned_days
    rules.save(update_fields=["new_days", "active_days", "churned_days"])
    # The stage counts of every snapshot were made with the old day counts.
    DashboardSnapshot.objects.update(computed_at=None)
    return rules


def _key(period, tier):
    return {
        "period_start": period.start,
        "period_end": period.end,
        "tier_key": tier.pk if tier else 0,
    }


@transaction.atomic
def refresh_dashboard(*, period, tier=None, shared=None) -> DashboardSnapshot:
    """Compute the dashboard's figures for a range and tier filter and store
    them as the snapshot the page shows (seconds at a million members).
    `shared`: see dashboard_figures (several tier filters of one range)."""
    started, began = timezone.now(), time.monotonic()
    if connection.vendor == "postgresql":
        # A range groups a million members' sales: with the default 4 MB the
        # aggregates spill to disk (15 s at 1M members, 8 s with this). JIT
        # compiling these one-off queries costs more than it saves.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute("SET LOCAL jit = off")
    found = figures.dashboard_figures(period=period, tier=tier, shared=shared)
    snapshot, _created = DashboardSnapshot.objects.update_or_create(
        **_key(period, tier),
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


def _queue_refresh(period, tier) -> bool:
    """Queue a worker's refresh unless one is already on its way."""
    from reports.tasks import refresh_dashboard_snapshot  # it imports this module

    now = timezone.now()
    with transaction.atomic():
        snapshot, _created = DashboardSnapshot.objects.get_or_create(**_key(period, tier))
        claimed = (
            DashboardSnapshot.objects.filter(pk=snapshot.pk)
            .filter(
                Q(refresh_queued_at__isnull=True) | Q(refresh_queued_at__lt=now - REQUEUE_AFTER)
            )
            .update(refresh_queued_at=now)
        )
        if claimed:
            transaction.on_commit(
                lambda: refresh_dashboard_snapshot.delay(
                    period.start.isoformat(), period.end.isoformat(), tier.pk if tier else None
                )
            )
    return bool(claimed)


def dashboard_snapshot(*, period, tier=None, refresh=False) -> DashboardSnapshot:
    """The snapshot the page shows for a range and tier filter.

    A fresh one is shown as it is. A stale or missing one (or any, when the
    owner asks to `refresh`) is recomputed here when tasks run in-process (no
    broker: a first run, a small shop, the tests); with a broker it is queued
    for a worker and the page shows the stale figures, or says they are being
    computed, until the worker is done.
    """
    snapshot = figures.find_snapshot(period=period, tier=tier)
    if (
        not refresh
        and figures.snapshot_is_fresh(snapshot)
        and figures.snapshot_figures(snapshot) is not None  # not from a since renamed class
    ):
        _note_view(snapshot)
        return snapshot
    if settings.CELERY_TASK_ALWAYS_EAGER:
        snapshot = refresh_dashboard(period=period, tier=tier)
    else:
        _queue_refresh(period, tier)
        snapshot = figures.find_snapshot(period=period, tier=tier)
    _note_view(snapshot)
    return snapshot


def _note_view(snapshot):
    # At most one write an hour per snapshot: the nightly job keeps the
    # ranges owners look at warm and forgets the others.
    now = timezone.now()
    if snapshot.viewed_at is None or now - snapshot.viewed_at > timedelta(hours=1):
        DashboardSnapshot.objects.filter(pk=snapshot.pk).update(viewed_at=now)
        snapshot.viewed_at = now


KEEP_VIEWED = timedelta(days=7)
FORGET_AFTER = timedelta(days=30)


def refresh_dashboards(*, day) -> dict:
    """The nightly refresh: the default range (last 12 months) for all tiers
    and each active tier, and every other range an owner looked at in the
    last week, so the day's first look is served at once. Snapshots nobody
    looked at for a month are deleted. Each refresh is its own transaction."""
    now = timezone.now()
    period = Period.default(today=day)
    wanted = {(period.start, period.end, 0)}
    wanted |= {
        (period.start, period.end, pk)
        for pk in Tier.objects.filter(is_active=True).values_list("pk", flat=True)
    }
    wanted |= set(
        DashboardSnapshot.objects.filter(viewed_at__gte=now - KEEP_VIEWED).values_list(
            "period_start", "period_end", "tier_key"
        )
    )
    tiers = Tier.objects.in_bulk({key for _start, _end, key in wanted if key})
    refreshed, seconds, shared = 0, 0.0, {}
    for start, end, key in sorted(wanted):
        if key and key not in tiers:
            continue  # a snapshot of a tier since deleted
        snapshot = refresh_dashboard(
            period=Period(start, end),
            tier=tiers.get(key),
            # What all tier filters of one range share is read once.
            shared=shared.setdefault((start, end), {}),
        )
        refreshed += 1
        seconds += snapshot.compute_seconds
    forgotten, _rows = (
        DashboardSnapshot.objects.exclude(viewed_at__gte=now - FORGET_AFTER)
        .exclude(period_start=period.start, period_end=period.end)
        .delete()
    )
    return {"snapshots": refreshed, "seconds": round(seconds, 1), "forgotten": forgotten}
