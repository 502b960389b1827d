"""Celery tasks of the import: thin wrappers around importing.services.

They keep the names they had in members.tasks, so queued work still finds
them. The services are imported in the tasks, so loading this module (the
worker's autodiscovery, or importing.services itself) loads no models.
"""

from celery import shared_task


@shared_task(name="members.tasks.preview_import", ignore_result=True)
def preview_import(job_id, attempt=None):
    from importing import services as imports

    imports.run_preview(job_id=job_id, attempt=attempt)


@shared_task(name="members.tasks.apply_import", ignore_result=True)
def apply_import(job_id, attempt=None):
    from importing import services as imports

    imports.run_apply(job_id=job_id, attempt=attempt)
