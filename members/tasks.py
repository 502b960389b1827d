"""Celery tasks of the members app: thin wrappers around services."""

from celery import shared_task

from members.importing import services as imports


@shared_task(ignore_result=True)
def preview_import(job_id):
    imports.run_preview(job_id=job_id)


@shared_task(ignore_result=True)
def apply_import(job_id):
    imports.run_apply(job_id=job_id)
