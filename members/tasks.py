"""Celery tasks of the members app: thin wrappers around the import services."""

from celery import shared_task

from members.importing import services


@shared_task(ignore_result=True)
def preview_import(job_id):
    services.run_preview(job_id=job_id)


@shared_task(ignore_result=True)
def apply_import(job_id):
    services.run_apply(job_id=job_id)
