"""The owner's import: upload, preview, choices, confirmation, outcome.

Each step is one door shared by the pages, the command and the Celery tasks.
The file is kept in private storage between the steps, so any web server
or worker can read it; the work runs as a Celery task (at once, in-process,
when no broker is configured).
"""

import json
import logging
from datetime import datetime

import phonenumbers
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config import heartbeat, locks, queue
from config.errors import LoyaltyError
from config.models import ShopSettings
from importing import limits, mapping, tasks
from importing.engine import ImportOptions, run_import
from importing.reader import ENCODINGS
from importing.results import CANNOT, READY_WITH_ERRORS, verdict_of
from members.columns import header_signature
from members.models import ImportJob, private_storage

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
# The step a job's task runs, by the status it runs in.
STEPS = {ImportJob.Status.PREVIEWING: "preview_import", ImportJob.Status.IMPORTING: "apply_import"}


def _options(job) -> ImportOptions:
    return ImportOptions(
        encoding=job.encoding,
        update_existing=job.update_existing,
        minguo_dates=job.minguo_dates,
        valid_rows_only=job.valid_rows_only,
        # Empty: the shop settings' region and order, read as the job runs.
        region=job.phone_region or None,
        date_order=job.date_order or None,
        columns=job.columns or {},
    )


def _check_reading(phone_region, date_order):
    if phone_region and phone_region not in phonenumbers.SUPPORTED_REGIONS:
        raise LoyaltyError(_("Choose one of the listed regions."), field="phone_region")
    if date_order and date_order not in ShopSettings.DateOrder.values:
        raise LoyaltyError(_("Choose one of the listed date orders."), field="date_order")


def _check_encoding(encoding):
    if encoding != "auto" and encoding not in ENCODINGS:
        raise LoyaltyError(_("Choose one of the listed encodings."), field="encoding")


def _queue(job, status):
    """Put `job` in `status` and hand its step to a worker once committed:
    a new attempt, not started, alive as of now. Call inside a transaction
    that then saves the job. If the broker is down the job ends "not
    imported" with the reason (try again offers to queue it anew) and
    BrokerUnavailable reaches the caller."""
    job.status = status
    job.attempt += 1
    job.started_at = None
    job.heartbeat_at = timezone.now()
    job.finished_at = None
    attempt = job.attempt

    def unsent():
        with translation.override(job.language):
            reason = queue.broker_down_message()
        _record_stop(job.pk, attempt, reason=reason, step=STEPS[status])

    # job.pk is read at commit: a new job has one by then.
    task = getattr(tasks, STEPS[status])
    transaction.on_commit(lambda: queue.send(task, job.pk, attempt, on_failure=unsent))


QUEUE_FIELDS = ["status", "attempt", "started_at", "heartbeat_at", "finished_at"]


@transaction.atomic(durable=True)
def start_import(
    *,
    upload,
    by,
    language="en",
    encoding="auto",
    update_existing=False,
    minguo_dates=False,
    phone_region="",
    date_order="",
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
    if upload.size > limits.max_bytes():
        raise limits.too_large()  # kept out of storage; an Excel's content is checked later
    _check_encoding(encoding)
    _check_reading(phone_region, date_order)
    job = ImportJob(
        original_name=name[:255],
        size=upload.size,
        language=language or "en",
        encoding=encoding,
        update_existing=update_existing,
        minguo_dates=minguo_dates,
        phone_region=phone_region or "",
        date_order=date_order or "",
        created_by=by if by is not None and by.is_authenticated else None,
    )
    job.file.save(name, upload, save=False)
    _queue(job, ImportJob.Status.PREVIEWING)
    job.save()
    return job


def _locked(job) -> ImportJob:
    return locks.lock_job(ImportJob.objects, pk=job.pk)


@transaction.atomic(durable=True)
def recheck_import(
    *,
    job,
    encoding,
    update_existing,
    minguo_dates,
    phone_region=None,
    date_order=None,
    columns=None,
    by=None,
) -> ImportJob:
    """Preview the same file again with other choices (encoding, the phones'
    region, the date order, update or skip, Minguo, what each column holds);
    None keeps a choice. `columns`: {column index: field, or "" to ignore
    it} for the header row the preview showed; remembered for the next file
    with the same header."""
    job = _locked(job)
    if job.status != ImportJob.Status.PREVIEWED:
        raise LoyaltyError(_("This import is no longer waiting for confirmation."), code="state")
    _check_encoding(encoding)
    _check_reading(phone_region or "", date_order or "")
    job.encoding = encoding
    job.update_existing = update_existing
    job.minguo_dates = minguo_dates
    if phone_region is not None:
        job.phone_region = phone_region
    if date_order is not None:
        job.date_order = date_order
    if columns is not None:
        headers = (job.preview or {}).get("headers") or []
        chosen = mapping.check_choices(headers, columns)
        mapping.remember(headers=headers, chosen=chosen, by=by)
        job.columns = {
            "signature": header_signature(headers),
            "fields": {str(index): name for index, name in chosen.items()},
        }
    _queue(job, ImportJob.Status.PREVIEWING)
    job.save(
        update_fields=[
            "columns",
            "encoding",
            "update_existing",
            "minguo_dates",
            "phone_region",
            "date_order",
            *QUEUE_FIELDS,
        ]
    )
    return job


@transaction.atomic(durable=True)
def confirm_import(*, job, valid_rows_only=False, by=None) -> ImportJob:
    """The owner confirms: import the rows as previewed."""
    job = _locked(job)
    if job.status != ImportJob.Status.PREVIEWED:
        raise LoyaltyError(_("This import is no longer waiting for confirmation."), code="state")
    verdict, reason = verdict_of(job.preview or {})
    if verdict == CANNOT:
        raise LoyaltyError(reason, code="cannot_import")
    if verdict == READY_WITH_ERRORS and not valid_rows_only:
        raise LoyaltyError(
            _(
                "Some rows are wrong. Fix them and upload the file again, "
                "or choose to import only the valid rows."
            ),
            field="valid_rows_only",
            code="rows_wrong",
        )
    job.valid_rows_only = valid_rows_only
    _queue(job, ImportJob.Status.IMPORTING)
    job.save(update_fields=["valid_rows_only", *QUEUE_FIELDS])
    return job


def can_try_again(job, *, now=None) -> bool:
    """Whether "try again" may queue `job`'s step anew: it is interrupted
    (running, but silent past the heartbeat timeout) or it stopped without
    an answer (a crash, or the worker could not be reached). A file with
    wrong rows is not retried: it needs fixing."""
    if job.status in ImportJob.RUNNING:
        return is_interrupted(job, now=now)
    return job.status == ImportJob.Status.FAILED and bool((job.result or {}).get("stopped"))


def is_interrupted(job, *, now=None) -> bool:
    """A job marked running that has shown no sign of life for the timeout:
    its worker or the database died, or its failure could not be written."""
    if job.status not in ImportJob.RUNNING:
        return False
    return heartbeat.is_silent(
        job.heartbeat_at, job.started_at, _progress_time(job), job.created_at, now=now
    )


@transaction.atomic(durable=True)
def retry_import(*, job, by=None) -> ImportJob:
    """Try an interrupted or stopped import again, from the file kept in
    private storage. Safe: the import is all-or-nothing, so a run that died
    wrote nothing. The job row is locked while deciding, so two clicks (or
    two owners) queue one new attempt, and the old attempt's task, should it
    still arrive, no longer matches and does nothing."""
    job = _locked(job)
    if not can_try_again(job):
        raise LoyaltyError(
            _("This import is running or has finished: there is nothing to try again."),
            code="state",
        )
    step = (job.result or {}).get("stopped") if job.status == ImportJob.Status.FAILED else None
    if step is None:
        step = STEPS[job.status]
    applying = step == "apply_import"
    job.result = {}
    _queue(job, ImportJob.Status.IMPORTING if applying else ImportJob.Status.PREVIEWING)
    job.save(update_fields=["result", *QUEUE_FIELDS])
    return job


# -- the work, run by the tasks ------------------------------------------------


def progress_name(job) -> str:
    return f"imports/progress/{job.pk}.json"


def _progress_writer(job):
    storage = private_storage()
    name = progress_name(job)

    def write(done, total, errors):
        # Each batch is also a sign of life: on the job row (outside the
        # import's transaction, config.heartbeat) and, as "at", in this file,
        # which is all SQLite allows while the import holds its write lock.
        heartbeat.beat()
        at = timezone.now().isoformat()
        data = json.dumps({"done": done, "total": total, "errors": errors, "at": at})
        storage.delete(name)
        storage.save(name, ContentFile(data.encode()))

    return write


def _progress_time(job):
    if job.started_at is None:
        return None
    at = job_progress(job).get("at")
    try:
        return datetime.fromisoformat(at) if at else None
    except ValueError:
        return None


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


def _record_stop(job_id, attempt, *, reason, step):
    """The job ends "not imported" with `reason`, and try again offers to run
    `step` anew, unless a newer attempt has taken over. Written in its own
    transaction; after a lost database connection, on a new one."""
    values = {
        "status": ImportJob.Status.FAILED,
        "result": {"file_error": reason, "applied": False, "stopped": step},
        "finished_at": timezone.now(),
    }
    for _try in range(2):
        try:
            ImportJob.objects.filter(pk=job_id, attempt=attempt).update(**values)
            return
        except DatabaseError:
            if connection.in_atomic_block:
                break  # inside a caller's transaction: nothing to reconnect
            # The failure may be the connection itself (a restart, a killed
            # backend): drop it and try once on a fresh one.
            connection.close()
    # Not written: the job stays "running", goes silent and the page calls
    # it interrupted after JOB_HEARTBEAT_TIMEOUT.
    logger.error("import %s: could not record that it stopped", job_id)


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
        step = "apply_import" if apply else "preview_import"
        _record_stop(job.pk, job.attempt, reason=message, step=step)
        raise


def _claim(job_id, status, attempt):
    """The job, taken by this worker for `attempt`; None when there is
    nothing to do: the job moved on, a newer attempt was queued, or another
    worker already took this one (a redelivered task)."""
    with transaction.atomic():
        job = locks.lock_job(ImportJob.objects, pk=job_id)
        current = attempt is None or attempt == job.attempt
        if job.status != status or not current or job.started_at is not None:
            return None
        job.started_at = job.heartbeat_at = timezone.now()
        job.save(update_fields=["started_at", "heartbeat_at"])
    return job


def _finish(job, **values):
    """Write the outcome, unless a newer attempt has taken over meanwhile."""
    values["heartbeat_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(**values)
    private_storage().delete(progress_name(job))
    job.refresh_from_db()
    return job


def run_preview(*, job_id, attempt=None) -> ImportJob:
    """Read the whole file and record what importing it would do."""
    job = _claim(job_id, ImportJob.Status.PREVIEWING, attempt)
    if job is None:
        return ImportJob.objects.get(pk=job_id)  # a retried or stale task
    with heartbeat.pulse(ImportJob, job.pk):
        result = _run(job, apply=False)
    return _finish(job, preview=result.as_dict(), status=ImportJob.Status.PREVIEWED)


def run_apply(*, job_id, attempt=None) -> ImportJob:
    """Import the file: all rows, or none, or the valid ones as the owner chose."""
    job = _claim(job_id, ImportJob.Status.IMPORTING, attempt)
    if job is None:
        return ImportJob.objects.get(pk=job_id)  # a retried or stale task
    with heartbeat.pulse(ImportJob, job.pk):
        result = _run(job, apply=True)
    return _finish(
        job,
        result=result.as_dict(),
        status=ImportJob.Status.DONE if result.applied else ImportJob.Status.FAILED,
        finished_at=timezone.now(),
    )
