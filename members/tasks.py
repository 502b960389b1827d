"""Celery tasks of the members app: thin wrappers around services."""

from datetime import date

from celery import shared_task

from members.importing import services as imports


@shared_task(ignore_result=True)
def preview_import(job_id):
    imports.run_preview(job_id=job_id)


@shared_task(ignore_result=True)
def apply_import(job_id):
    imports.run_apply(job_id=job_id)


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
