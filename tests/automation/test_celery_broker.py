"""One scheduled job end to end: beat reads the schedule from the database,
sends the task through a real Redis broker, a worker runs it (no eager mode)."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from automation.messaging import queue_message
from members.models import JobRun, MessageTemplate, OutboundMessage
from tests.factories import MemberFactory

REDIS = ("127.0.0.1", 6379)


def _redis_up():
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_run_a_scheduled_job_through_redis(tmp_path, tiers):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share: PostgreSQL")
    if not _redis_up():
        pytest.fail("Redis is not running on 127.0.0.1:6379 (redis-server --daemonize yes)")

    MessageTemplate.objects.get_or_create(
        purpose="birthday", channel="sms", language="en", defaults={"body": "Hi {name}"}
    )
    member = MemberFactory(language="en")
    queue_message(member=member, purpose="birthday", context={}, dedup_key="broker-test")
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    PeriodicTask.objects.create(
        name="test: send messages",
        task="members.tasks.run_nightly_job",
        interval=every_second,
        kwargs=json.dumps({"job": "send_messages"}),
        one_off=True,
    )

    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "SECRET_KEY": "broker-test-" + "x" * 40,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
        "CELERY_QUEUE": queue,
    }
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    logs = tmp_path / "celery.log"
    with open(logs, "w") as log:
        worker = subprocess.Popen(
            [*celery, "worker", "--pool=solo", "-Q", queue, "-l", "info"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        beat = subprocess.Popen(
            [
                *celery,
                "beat",
                "-l",
                "info",
                "--max-interval",
                "1",
                "-s",
                str(tmp_path / "beat-schedule"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if JobRun.objects.filter(job="send_messages", status="done").exists():
                    break
                time.sleep(0.5)
        finally:
            for process in (beat, worker):
                process.terminate()
            for process in (beat, worker):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
    output = logs.read_text()
    run = JobRun.objects.filter(job="send_messages").first()
    assert run is not None and run.status == "done", output[-3000:]
    assert run.summary["sent"] == 1
    assert OutboundMessage.objects.get().status == "sent"
