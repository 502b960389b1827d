"""Celery tasks of the members app: thin wrappers around services."""

from datetime import date

from celery import shared_task

from config.clock import shop_today
from members.importing import services as imports
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
def preview_import(job_id):
    imports.run_preview(job_id=job_id)


@shared_task(ignore_result=True)
def apply_import(job_id):
    imports.run_apply(job_id=job_id)
