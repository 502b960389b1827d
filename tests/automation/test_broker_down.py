"""With the broker (Redis) unreachable, the actions that need a worker say
so in the user's language and leave nothing half-started; once it is back,
"try again" works. Eager mode is off here: tasks really go to a broker, at
a closed port on this machine."""

import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery import app
from importing import services as imports
from members.models import DashboardSnapshot, ImportJob, JobRun
from tests.importing.conftest import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "The background worker cannot be reached right now"


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free, and nobody listens once closed


def _reset_pools():
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings, english):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = url, False
    _reset_pools()
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    _reset_pools()


def _broker_back(settings):
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _reset_pools()


def test_an_upload_says_so_and_leaves_no_job_checking(
    owner_client, tiers, broker_down, private_storage, settings
):
    upload = SimpleUploadedFile("list.csv", csv_bytes([["手機", "姓名"], ["0912345678", "陳"]]))
    response = owner_client.post(reverse("importing:upload"), {"file": upload, "encoding": "auto"})
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED  # not "Checking the file" for good
    assert MESSAGE in job.result["file_error"]

    _broker_back(settings)
    imports.retry_import(job=job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.PREVIEWED


def test_the_message_is_in_the_users_language(owner_client, tiers, broker_down, private_storage):
    upload = SimpleUploadedFile("list.csv", csv_bytes([["手機", "姓名"], ["0912345678", "陳"]]))
    response = owner_client.post(
        reverse("importing:upload"),
        {"file": upload, "encoding": "auto"},
        headers={"accept-language": "zh-TW"},
    )
    assert response.status_code == 400
    assert "背景工作程式目前無法連線" in response.content.decode()
    assert "背景工作程式目前無法連線" in ImportJob.objects.get().result["file_error"]


def test_a_new_dashboard_range_says_so_and_is_not_left_computing(owner_client, tiers, broker_down):
    response = owner_client.get(
        reverse("dashboard:index"), {"start": "2026-01-01", "end": "2026-01-31"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert MESSAGE in body
    assert "snapshot-computing" not in body  # no spinner that never ends
    assert not DashboardSnapshot.objects.filter(refresh_queued_at__isnull=False).exists()


def test_refresh_now_says_so_and_queues_nothing(owner_client, tiers, broker_down):
    response = owner_client.post(reverse("dashboard:refresh"), follow=True)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not DashboardSnapshot.objects.filter(refresh_queued_at__isnull=False).exists()


def test_run_now_says_so_and_leaves_no_run(owner_client, tiers, broker_down, settings):
    url = reverse("automation:run_job", args=["send_messages"])
    response = owner_client.post(url, follow=True)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not JobRun.objects.exists()

    _broker_back(settings)
    owner_client.post(url)
    assert JobRun.objects.get(job="send_messages").status == JobRun.Status.DONE


def test_a_sign_in_code_is_sent_by_the_web_process(client, tiers, broker_down, settings):
    """A member asking for a code gets it, not an error page: with no worker
    to hand it to, the request sends it through the outbox itself."""
    from django.core.cache import cache

    from automation.channels import MemorySmsBackend
    from members.models import OutboundMessage
    from tests.factories import MemberFactory

    cache.clear()
    settings.SMS_BACKEND = "automation.channels.MemorySmsBackend"
    MemorySmsBackend.sent.clear()
    member = MemberFactory(phone="+886912345678")
    response = client.post(reverse("portal:sign_in"), {"phone": "0912345678"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sign_in_code")
    assert len(MemorySmsBackend.texts_to(member.phone)) == 1
    assert OutboundMessage.objects.get().status == OutboundMessage.Status.SENT


def test_applying_the_rules_now_says_so_and_leaves_nothing_running(
    owner_client, tiers, broker_down, settings
):
    from tests.factories import MemberFactory
    from tiers import rules_now
    from tiers.models import RulesApplication

    MemberFactory(tier=tiers["member"])
    plan = rules_now.plan_rules_now()
    form = {"rules_version": plan.rules_version, "as_of": str(plan.as_of)}
    response = owner_client.post(reverse("tiers:apply"), form)
    assert response.status_code == 409
    assert MESSAGE in response.content.decode()
    assert not RulesApplication.objects.exists()

    _broker_back(settings)
    response = owner_client.post(reverse("tiers:apply"), form)
    assert response.status_code == 302
    assert RulesApplication.objects.get().status == RulesApplication.Status.DONE
