"""An import whose worker or database died is shown as interrupted after the
heartbeat timeout, with "try again"; a retry runs once, never twice at once."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from config.errors import LoyaltyError
from importing import services as imports
from importing import tasks
from members.models import ImportJob, Member
from tests.importing.conftest import csv_bytes

ROWS = [["手機", "姓名"], ["0912345678", "陳美玲"], ["0912345679", "黃志豪"]]


def _job(owner, *, status=ImportJob.Status.IMPORTING, silent_for=timedelta(minutes=6)):
    """A job whose worker took it and then fell silent `silent_for` ago."""
    job = ImportJob(
        original_name="list.csv",
        status=status,
        created_by=owner,
        preview={"created": 2, "updated": 0, "error_rows": 0},
        attempt=1,
    )
    job.file.save("list.csv", ContentFile(csv_bytes(ROWS)), save=False)
    job.save()
    then = timezone.now() - silent_for
    ImportJob.objects.filter(pk=job.pk).update(created_at=then, started_at=then, heartbeat_at=then)
    return ImportJob.objects.get(pk=job.pk)


@pytest.fixture
def queued(monkeypatch):
    """Tasks handed to the broker, not run: [(task name, args)]."""
    sent = []
    for name in ("preview_import", "apply_import"):
        task = getattr(tasks, name)
        monkeypatch.setattr(task, "delay", lambda *args, _n=name: sent.append((_n, args)))
    return sent


def test_a_silent_running_import_is_interrupted(tiers, owner):
    assert imports.is_interrupted(_job(owner))
    assert not imports.is_interrupted(_job(owner, silent_for=timedelta(minutes=1)))


def test_the_timeout_is_a_setting(tiers, owner, settings):
    job = _job(owner, silent_for=timedelta(seconds=30))
    assert not imports.is_interrupted(job)
    settings.JOB_HEARTBEAT_TIMEOUT = 10
    assert imports.is_interrupted(job)


def test_the_job_page_says_interrupted_and_offers_try_again(owner_client, tiers, owner):
    job = _job(owner)
    response = owner_client.get(reverse("importing:job", args=[job.pk]))
    body = response.content.decode()
    assert "This import was interrupted" in body
    assert reverse("importing:retry", args=[job.pk]) in body
    assert "import-progress" not in body  # no progress bar that never ends
    listing = owner_client.get(reverse("importing:upload")).content.decode()
    assert "Interrupted" in listing


def test_the_progress_poll_reloads_the_page_when_interrupted(owner_client, tiers, owner):
    response = owner_client.get(reverse("importing:progress", args=[_job(owner).pk]))
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_try_again_imports_the_file(owner_client, tiers, owner, django_capture_on_commit_callbacks):
    job = _job(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("importing:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.attempt == 2
    assert Member.objects.count() == 2


def test_an_interrupted_preview_is_checked_again(
    owner_client, tiers, owner, django_capture_on_commit_callbacks
):
    job = _job(owner, status=ImportJob.Status.PREVIEWING)
    with django_capture_on_commit_callbacks(execute=True):
        imports.retry_import(job=job, by=owner)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.preview["created"] == 2
    assert not Member.objects.exists()


def test_try_again_twice_queues_one_run(tiers, owner, queued, django_capture_on_commit_callbacks):
    job = _job(owner)
    with django_capture_on_commit_callbacks(execute=True):
        imports.retry_import(job=job, by=owner)
        with pytest.raises(LoyaltyError):
            imports.retry_import(job=job, by=owner)  # alive again: nothing to retry
    assert queued == [("apply_import", (job.pk, 2))]


def test_the_old_attempts_task_does_nothing_after_a_retry(
    tiers, owner, queued, django_capture_on_commit_callbacks
):
    job = _job(owner)
    with django_capture_on_commit_callbacks(execute=True):
        imports.retry_import(job=job, by=owner)
    imports.run_apply(job_id=job.pk, attempt=1)  # the dead worker's task, redelivered
    assert not Member.objects.exists()
    imports.run_apply(job_id=job.pk, attempt=2)
    assert Member.objects.count() == 2
    imports.run_apply(job_id=job.pk, attempt=2)  # delivered twice: runs once
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE


def test_a_task_taken_by_a_live_worker_is_not_run_again(tiers, owner, queued):
    job = _job(owner, silent_for=timedelta(seconds=5))  # taken, and alive
    imports.run_apply(job_id=job.pk, attempt=1)
    assert not Member.objects.exists()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.IMPORTING


def test_a_running_import_cannot_be_retried(tiers, owner):
    with pytest.raises(LoyaltyError):
        imports.retry_import(job=_job(owner, silent_for=timedelta(seconds=5)), by=owner)


def test_a_file_with_wrong_rows_is_not_retried(tiers, owner):
    job = _job(owner)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, result={"applied": False, "error_rows": 1}
    )
    with pytest.raises(LoyaltyError):
        imports.retry_import(job=ImportJob.objects.get(pk=job.pk), by=owner)


def test_a_crash_offers_try_again(
    owner_client, tiers, owner, monkeypatch, django_capture_on_commit_callbacks
):
    job = _job(owner)
    real = imports.run_import

    def crash(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(imports, "run_import", crash)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        imports.retry_import(job=job, by=owner)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.result["stopped"] == "apply_import"
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert "stopped unexpectedly" in page and reverse("importing:retry", args=[job.pk]) in page
    monkeypatch.setattr(imports, "run_import", real)
    with django_capture_on_commit_callbacks(execute=True):
        imports.retry_import(job=job, by=owner)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    assert Member.objects.count() == 2


def test_retry_requires_post(owner_client, tiers, owner):
    job = _job(owner)
    assert owner_client.get(reverse("importing:retry", args=[job.pk])).status_code == 405


def test_retry_is_owner_only(staff_client, tiers, owner):
    job = _job(owner)
    assert staff_client.post(reverse("importing:retry", args=[job.pk])).status_code == 403
    assert ImportJob.objects.get(pk=job.pk).attempt == 1


def test_retry_of_a_finished_import_says_so(owner_client, tiers, owner):
    job = _job(owner)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE)
    response = owner_client.post(reverse("importing:retry", args=[job.pk]), follow=True)
    assert "nothing to try again" in response.content.decode()
