"""Celery tasks of the dashboard: thin wrappers around its snapshots."""

from datetime import date

from celery import shared_task

from reports.periods import Period
from reports.snapshots import refresh_queued_dashboard
from stores.models import Store
from tiers.models import Tier


# The name it was queued under when it lived in members/tasks.py.
@shared_task(name="members.tasks.refresh_dashboard_snapshot", ignore_result=True)
def refresh_dashboard_snapshot(start, end, tier_id=None, store_id=None):
    """Thin wrapper: the dashboard queues this when its figures are stale."""
    tier = Tier.objects.filter(pk=tier_id).first() if tier_id else None
    if tier_id and tier is None:
        return  # the tier was deleted since
    store = Store.objects.filter(pk=store_id).first() if store_id else None
    if store_id and store is None:
        return  # the store was deleted since
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    refresh_queued_dashboard(period=period, tier=tier, store=store)
