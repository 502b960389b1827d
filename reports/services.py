"""The dashboard's writes: the owner's lifecycle settings, and the
snapshots of its figures (computed by a worker, read by the page; the
computing itself is in snapshots, which the worker's task calls)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config import heartbeat, locks, queue
from config.audit import record_settings_change, settings_snapshot
from config.errors import LoyaltyError
from config.queue import BrokerUnavailable
from members.models import DashboardSnapshot, LifecycleRules
from reports import selectors as figures
from reports.snapshots import refresh_dashboard, snapshot_key
from reports.tasks import refresh_dashboard_snapshot

MAX_DAYS = 3650
LIFECYCLE_FIELDS = ("new_days", "active_days", "churned_days")


def _check_days(name, value):
    if not 1 <= value <= MAX_DAYS:
        raise LoyaltyError(
            _("Enter a number of days between 1 and %(max)d.") % {"max": MAX_DAYS},
            field=name,
            code="days_out_of_range",
        )


def check_lifecycle_rules(*, new_days, active_days, churned_days):
    """Refuse day counts that cannot work (LoyaltyError naming the field).
    A member is churned only after they stop being active, so churned_days
    must be more than active_days."""
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


@transaction.atomic(durable=True)
def update_lifecycle_rules(*, new_days, active_days, churned_days, by=None) -> LifecycleRules:
    """Set the day counts of the lifecycle stages (new, active, dormant,
    churned); every snapshot of the dashboard is then stale."""
    check_lifecycle_rules(new_days=new_days, active_days=active_days, churned_days=churned_days)
    LifecycleRules.current()  # the row exists before we lock it
    rules = locks.lock_settings(LifecycleRules.objects, pk=1)
    before = settings_snapshot(rules, LIFECYCLE_FIELDS)
    rules.new_days, rules.active_days, rules.churned_days = new_days, active_days, churned_days
    rules.save(update_fields=["new_days", "active_days", "churned_days"])
    record_settings_change(obj=rules, before=before, fields=LIFECYCLE_FIELDS, by=by)
    # The stage counts of every snapshot were made with the old day counts.
    DashboardSnapshot.objects.update(computed_at=None)
    return rules


def _queue_refresh(period, tier, store=None) -> bool:
    """Queue a worker's refresh unless one is already on its way (queued or
    computing, and not silent past the heartbeat timeout). BrokerUnavailable
    when the worker cannot be reached; the snapshot is then left unqueued."""
    now = timezone.now()
    silent = now - heartbeat.timeout()
    with transaction.atomic():
        snapshot, _created = DashboardSnapshot.objects.get_or_create(
            **snapshot_key(period, tier, store)
        )
        claimed = (
            DashboardSnapshot.objects.filter(pk=snapshot.pk)
            .filter(
                Q(refresh_queued_at__isnull=True)
                | (
                    Q(refresh_queued_at__lt=silent)
                    & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=silent))
                )
            )
            .update(refresh_queued_at=now, heartbeat_at=None)
        )
        if claimed:
            queue.send_on_commit(
                refresh_dashboard_snapshot,
                period.start.isoformat(),
                period.end.isoformat(),
                tier.pk if tier else None,
                # Without a store the message is as it was before stores.
                *([store.pk] if store else []),
                on_failure=lambda: DashboardSnapshot.objects.filter(pk=snapshot.pk).update(
                    refresh_queued_at=None
                ),
            )
    return bool(claimed)


def refresh_is_interrupted(snapshot, *, now=None) -> bool:
    """A queued refresh that no worker has shown life for in the heartbeat
    timeout (lost, or its worker died): Refresh now queues it again."""
    return (
        snapshot is not None
        and snapshot.refresh_queued_at is not None
        and heartbeat.is_silent(snapshot.refresh_queued_at, snapshot.heartbeat_at, now=now)
    )


def dashboard_snapshot(*, period, tier=None, store=None, refresh=False) -> DashboardSnapshot:
    """The snapshot the page shows for a range, tier filter and store.

    A fresh one is shown as it is. A stale or missing one (or any, when the
    owner asks to `refresh`) is recomputed here when tasks run in-process (no
    broker: a first run, a small shop, the tests); with a broker it is queued
    for a worker and the page shows the stale figures, or says they are being
    computed, until the worker is done.
    """
    snapshot = figures.find_snapshot(period=period, tier=tier, store=store)
    if (
        not refresh
        and figures.snapshot_is_fresh(snapshot)
        and figures.snapshot_figures(snapshot) is not None  # not from a since renamed class
    ):
        _note_view(snapshot)
        return snapshot
    if settings.CELERY_TASK_ALWAYS_EAGER:
        snapshot = refresh_dashboard(period=period, tier=tier, store=store)
    else:
        try:
            _queue_refresh(period, tier, store)
        except BrokerUnavailable as error:
            # The page still shows what it has, and says why it is not newer.
            snapshot = figures.find_snapshot(period=period, tier=tier, store=store)
            snapshot.refresh_error = error.message
            _note_view(snapshot)
            return snapshot
        snapshot = figures.find_snapshot(period=period, tier=tier, store=store)
    _note_view(snapshot)
    return snapshot


def _note_view(snapshot):
    # At most one write an hour per snapshot: the nightly job keeps the
    # ranges owners look at warm and forgets the others.
    now = timezone.now()
    if snapshot.viewed_at is None or now - snapshot.viewed_at > timedelta(hours=1):
        DashboardSnapshot.objects.filter(pk=snapshot.pk).update(viewed_at=now)
        snapshot.viewed_at = now
