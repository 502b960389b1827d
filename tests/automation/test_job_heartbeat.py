"""Nightly jobs record a heartbeat per chunk; a run whose worker died shows
as interrupted and Run now runs it again; one alive is never run twice."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from automation import jobs
from automation.jobs import JobBusy, member_chunks, run_job
from config.clock import shop_today
from members.models import JobRun, Member
from tests.factories import MemberFactory


def _running(job="send_messages", silent_for=timedelta(minutes=6)):
    then = timezone.now() - silent_for
    return JobRun.objects.create(
        job=job,
        run_for=shop_today(),
        status=JobRun.Status.RUNNING,
        started_at=then,
        heartbeat_at=then,
        attempts=1,
    )


@pytest.mark.django_db(transaction=True)  # each beat commits, as in production
def test_each_chunk_is_a_heartbeat(tiers, monkeypatch, settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 1  # a beat at most every 0.2 s
    for _ in range(3):
        MemberFactory()
    seen = []

    def chunky(day):
        for _ids in member_chunks(Member.objects.all(), size=1):
            seen.append(JobRun.objects.get(job="send_messages").heartbeat_at)
            time.sleep(0.25)
        return {}

    monkeypatch.setitem(jobs.JOBS, "send_messages", (chunky, "Send messages"))
    run_job(job="send_messages", day=shop_today())
    assert len(seen) == 3
    assert seen[0] < seen[1] < seen[2]


def test_a_silent_run_shows_interrupted_on_the_jobs_page(owner_client, tiers):
    _running()
    body = owner_client.get(reverse("automation:jobs")).content.decode()
    assert "data-interrupted" in body and "Interrupted" in body


def test_a_run_alive_is_not_called_interrupted(owner_client, tiers):
    _running(silent_for=timedelta(seconds=10))
    assert "data-interrupted" not in owner_client.get(reverse("automation:jobs")).content.decode()


def test_run_now_runs_an_interrupted_job_again(owner_client, tiers):
    run = _running()
    owner_client.post(reverse("automation:run_job", args=["send_messages"]))
    run.refresh_from_db()
    assert run.status == JobRun.Status.DONE
    assert run.attempts == 2


def test_run_now_leaves_a_live_run_alone_and_says_so(owner_client, tiers):
    run = _running(silent_for=timedelta(seconds=10))
    response = owner_client.post(reverse("automation:run_job", args=["send_messages"]), follow=True)
    assert "already running" in response.content.decode()
    run.refresh_from_db()
    assert (run.status, run.attempts) == (JobRun.Status.RUNNING, 1)


def test_a_redelivered_task_does_not_run_beside_a_live_run(tiers):
    _running(silent_for=timedelta(seconds=10))
    with pytest.raises(JobBusy):
        run_job(job="send_messages", day=shop_today())
    assert JobRun.objects.get().attempts == 1


def test_a_failure_that_could_not_be_written_ends_interrupted(tiers, monkeypatch, settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 1
    run = _running(silent_for=timedelta(seconds=0))
    assert not jobs.run_is_interrupted(run)
    time.sleep(1.1)
    assert jobs.run_is_interrupted(JobRun.objects.get(pk=run.pk))


def test_run_now_requires_post_and_an_owner(client, staff, tiers):
    client.force_login(staff)
    url = reverse("automation:run_job", args=["send_messages"])
    assert client.post(url).status_code == 403
    assert not JobRun.objects.exists()
