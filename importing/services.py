"""The owner's import: upload, preview, choices, confirmation, outcome.

Each step is one door shared by the pages, the command and the Celery tasks.
The file is kept in private storage between the steps, so any web server
or worker can read it; the work runs as a Celery task (at once, in-process,
when no broker is configured).
"""

import json

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from importing import tasks
from importing.engine import ImportOptions, run_import
from importing.reader import ENCODINGS
from members.models import ImportJob, private_storage

ALLOWED_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")


def _options(job) -> ImportOptions:
    return ImportOptions(
        encoding=job.encoding,
        update_existing=job.update_existing,
        minguo_dates=job.minguo_dates,
        valid_rows_only=job.valid_rows_only,
    )


def _check_encoding(encoding):
    if encoding != "auto" and encoding not in ENCODINGS:
        raise LoyaltyError(_("Choose one of the listed encodings."), field="encoding")


def _start_task(task, job):
    transaction.on_commit(lambda: getattr(tasks, task).delay(job.pk))


@transaction.atomic(durable=True)
def start_import(
    *, upload, by, language="en", encoding="auto", update_existing=False, minguo_dates=False
) -> ImportJob:
    """Keep the uploaded file and start checking it; nothing is imported yet."""
    name = upload.name or "members.csv"
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        raise LoyaltyError(
            _("Upload a CSV or Excel (.xlsx) file; “%(name)s” is neither.") % {"name": name},
            field="file",
            code="file_type",
        )
    if not upload.size:
        raise LoyaltyError(_("The file is empty."), field="file", code="empty")
    _check_encoding(encoding)
    job = ImportJob(
        original_name=name[:255],
        size=upload.size,
        language=language or "en",
        encoding=encoding,
        update_existing=update_existing,
        minguo_dates=minguo_dates,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    job.file.save(name, upload, save=False)
    job.save()
    _start_task("preview_import", job)
    return job


def _locked(job) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job.pk)


@transaction.atomic(durable=True)
def recheck_import(*, job, encoding, update_existing, minguo_dates, by=None) -> ImportJob:
    """Preview the same file again with other choices (encoding, update or skip, Minguo)."""
    job = _locked(job)
    if job.status != ImportJob.Status.PREVIEWED:
        raise LoyaltyError(_("This import is no longer waiting for confirmation."), code="state")
    _check_encoding(encoding)
    job.encoding = encoding
    job.update_existing = update_existing
    job.minguo_dates = minguo_dates
    job.status = ImportJob.Status.PREVIEWING
    job.save(update_fields=["encoding", "update_existing", "minguo_dates", "status"])
    _start_task("preview_import", job)
    return job


@transaction.atomic(durable=True)
def confirm_import(*, job, valid_rows_only=False, by=None) -> ImportJob:
    """The owner confirms: import the rows as previewed."""
    job = _locked(job)
    if job.status != ImportJob.Status.PREVIEWED:
        raise LoyaltyError(_("This import is no longer waiting for confirmation."), code="state")
    preview = job.preview or {}
    if preview.get("file_error"):
        raise LoyaltyError(_("The file cannot be read: fix it and upload it again."), code="file")
    wanted = preview.get("created", 0) + preview.get("updated", 0)
    if not wanted:
        raise LoyaltyError(_("Nothing in this file would change: there is nothing to import."))
    if preview.get("error_rows") and not valid_rows_only:
        raise LoyaltyError(
            _(
                "Some rows are wrong. Fix them and upload the file again, "
                "or choose to import only the valid rows."
            ),
            field="valid_rows_only",
            code="rows_wrong",
        )
    job.valid_rows_only = valid_rows_only
    job.status = ImportJob.Status.IMPORTING
    job.save(update_fields=["valid_rows_only", "status"])
    _start_task("apply_import", job)
    return job


# -- the work, run by the tasks ------------------------------------------------


def progress_name(job) -> str:
    return f"imports/progress/{job.pk}.json"


def _progress_writer(job):
    storage = private_storage()
    name = progress_name(job)

    def write(done, total, errors):
        data = json.dumps({"done": done, "total": total, "errors": errors})
        storage.delete(name)
        storage.save(name, ContentFile(data.encode()))

    return write


def job_progress(job) -> dict:
    """Rows done, of about how many, and rows in error so far."""
    storage = private_storage()
    try:
        with storage.open(progress_name(job), "rb") as handle:
            data = json.loads(handle.read())
    except (FileNotFoundError, ValueError):
        data = {"done": 0, "total": None, "errors": 0}
    total = data.get("total")
    data["percent"] = min(100, round(100 * data["done"] / total)) if total else None
    return data


def _run(job, *, apply):
    try:
        with translation.override(job.language), job.file.open("rb") as fileobj:
            return run_import(
                fileobj,
                options=_options(job),
                apply=apply,
                by=job.created_by,
                progress=_progress_writer(job),
                name=job.original_name,
            )
    except BaseException:
        # The import's own transaction has rolled back; say so on the page
        # instead of leaving a progress bar that never ends, then re-raise.
        with translation.override(job.language):
            message = _("The import stopped unexpectedly: nothing was imported. Try again.")
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            result={"file_error": message, "applied": False},
            finished_at=timezone.now(),
        )
        raise


def run_preview(*, job_id) -> ImportJob:
    """Read the whole file and record what importing it would do."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.PREVIEWING:
        return job  # a retried task: the preview is already there
    result = _run(job, apply=False)
    job.preview = result.as_dict()
    job.status = ImportJob.Status.PREVIEWED
    job.save(update_fields=["preview", "status"])
    private_storage().delete(progress_name(job))
    return job


def run_apply(*, job_id) -> ImportJob:
    """Import the file: all rows, or none, or the valid ones as the owner chose."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job  # a retried task after the import finished
    result = _run(job, apply=True)
    job.result = result.as_dict()
    job.status = ImportJob.Status.DONE if result.applied else ImportJob.Status.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "status", "finished_at"])
    private_storage().delete(progress_name(job))
    return job
