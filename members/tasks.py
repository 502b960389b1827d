"""Celery tasks of the members app: thin wrappers around services."""

from datetime import date

from celery import shared_task

from config.clock import shop_today
from members.jobs import run_job


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def run_nightly_job(job, day=None):
    """Thin wrapper: the beat schedule and the jobs page's "run now" call this."""
    run = run_job(job=job, day=date.fromisoformat(day) if day else shop_today())
    return run.summary


@shared_task(ignore_result=True)
def refresh_dashboard_snapshot(start, end, tier_id=None):
    """Thin wrapper: the dashboard queues this when its figures are stale."""
    from members.dashboard_selectors import Period
    from members.dashboard_services import refresh_dashboard
    from tiers.models import Tier

    tier = Tier.objects.filter(pk=tier_id).first() if tier_id else None
    if tier_id and tier is None:
        return  # the tier was deleted since
    refresh_dashboard(period=Period(date.fromisoformat(start), date.fromisoformat(end)), tier=tier)
