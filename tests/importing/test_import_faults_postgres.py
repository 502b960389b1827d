"""Faults on PostgreSQL, where the import runs in one transaction: its
database connection killed mid-run, and its worker process killed mid-run.
Either way the job ends stopped or interrupted, never "Importing…" for
good, and "try again" imports the file."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.urls import reverse

from importing import services as imports
from importing import tasks
from members.models import ImportJob, Member
from tests.importing.conftest import csv_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 6000  # three batches of 2,000


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the import's one transaction and a second process need PostgreSQL")


def _rows():
    return [["手機", "姓名"], *([f"09{n:08d}", f"會員{n}"] for n in range(ROWS))]


def _previewed(owner):
    """An uploaded, previewed customer file, waiting for confirmation."""
    upload = SimpleUploadedFile("list.csv", csv_bytes(_rows()))
    job = imports.start_import(upload=upload, by=owner)  # previews at once (no broker)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    return job


def _terminate(pid):
    killer = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()


def test_the_import_connection_killed_mid_run_stops_the_job_and_try_again_works(
    tiers, owner, monkeypatch
):
    job = _previewed(owner)
    writer = imports._progress_writer
    calls = []

    def progress_then_kill(job):
        write = writer(job)

        def hook(done, total, errors):
            write(done, total, errors)
            calls.append(done)
            if len(calls) == 2:  # mid-run, inside the import's transaction
                _terminate(connection.connection.info.backend_pid)

        return hook

    monkeypatch.setattr(imports, "_progress_writer", progress_then_kill)
    with pytest.raises(DatabaseError):
        imports.confirm_import(job=job, by=owner)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "stopped unexpectedly" in job.result["file_error"]
    assert imports.can_try_again(job)
    assert not Member.objects.exists()  # all or nothing

    monkeypatch.setattr(imports, "_progress_writer", writer)
    imports.retry_import(job=job, by=owner)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Member.objects.count() == ROWS


WORKER = """
import sys, time
import django
django.setup()
from importing import engine, tasks

report = engine._Job.report_progress

def report_then_hang(self, **kwargs):
    report(self, **kwargs)
    time.sleep(120)  # killed here, mid-import, inside its transaction

engine._Job.report_progress = report_then_hang
tasks.apply_import(int(sys.argv[1]), int(sys.argv[2]))
"""


def test_a_worker_killed_mid_import_shows_interrupted_and_try_again_works(
    owner_client, tiers, owner, monkeypatch, private_storage, settings
):
    job = _previewed(owner)
    sent, delay = [], tasks.apply_import.delay
    monkeypatch.setattr(tasks.apply_import, "delay", lambda *args: sent.append(args))
    imports.confirm_import(job=job, by=owner)  # queued for a worker
    [(job_id, attempt)] = sent

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "PRIVATE_STORAGE_ROOT": str(private_storage),
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(job_id), str(attempt)],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while ImportJob.objects.get(pk=job_id).started_at is None:
            assert worker.poll() is None, worker.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker never took the job"
            time.sleep(0.2)
        time.sleep(1)  # into the first batches
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING  # nobody could write otherwise
    settings.JOB_HEARTBEAT_TIMEOUT = 2
    time.sleep(2.5)
    assert imports.is_interrupted(job)
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert "This import was interrupted" in page
    assert not Member.objects.exists()

    monkeypatch.setattr(tasks.apply_import, "delay", delay)  # tasks run here again
    imports.retry_import(job=job, by=owner)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Member.objects.count() == ROWS


def test_the_heartbeat_is_visible_while_the_import_transaction_runs(
    tiers, owner, monkeypatch, settings
):
    job = _previewed(owner)
    settings.JOB_HEARTBEAT_TIMEOUT = 1  # a beat at most every 0.2 s
    writer = imports._progress_writer
    seen = []

    def progress_and_look(job):
        write = writer(job)

        def hook(done, total, errors):
            time.sleep(0.3)
            write(done, total, errors)
            # What another web server sees now, mid-transaction.
            other = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT heartbeat_at FROM members_importjob WHERE id = %s", [job.pk]
                    )
                    seen.append(cursor.fetchone()[0])
            finally:
                other.close()

        return hook

    monkeypatch.setattr(imports, "_progress_writer", progress_and_look)
    imports.confirm_import(job=job, by=owner)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    assert len(seen) >= 3
    assert seen[-1] > seen[0]  # it moved while the import's transaction was open
