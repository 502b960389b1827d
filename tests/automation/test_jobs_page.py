from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from members.models import FollowUp, JobRun
from tests.factories import MemberFactory


def test_jobs_page_lists_every_job(owner_client, tiers):
    response = owner_client.get(reverse("automation:jobs"))
    assert response.status_code == 200
    assert "Birthday gifts" in response.content.decode()


def test_run_now_runs_the_job_and_shows_its_summary(
    owner_client, tiers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("automation:run_job", args=["send_messages"]))
    assert response.status_code == 302
    run = JobRun.objects.get(job="send_messages")
    assert run.status == "done"
    body = owner_client.get(reverse("automation:jobs")).content.decode()
    assert "sent" in body


def test_summaries_are_worded_in_the_readers_language(owner_client, tiers):
    for job, summary in [
        ("tier_review", {"due": False}),
        ("birthday_rewards", {"members_gifted": 1, "points_given": 100}),
    ]:
        JobRun.objects.create(
            job=job,
            run_for=timezone.localdate(),
            status="done",
            started_at=timezone.now(),
            summary=summary,
        )
    body = owner_client.get(reverse("automation:jobs"), headers={"accept-language": "zh-hant"})
    page = body.content.decode()
    assert "今天需審核</span> 否" in page
    assert "獲贈會員</span> 1" in page
    assert "members_gifted" not in page
    assert "False" not in page


def test_run_now_requires_post(owner_client, tiers):
    response = owner_client.get(reverse("automation:run_job", args=["send_messages"]))
    assert response.status_code == 405


def test_staff_cannot_see_or_run_jobs(staff_client, tiers):
    assert staff_client.get(reverse("automation:jobs")).status_code == 403
    assert (
        staff_client.post(reverse("automation:run_job", args=["send_messages"])).status_code == 403
    )
    assert not JobRun.objects.exists()


def test_staff_mark_a_follow_up_done(staff_client, tiers):
    member = MemberFactory(last_purchase_at=timezone.now() - timedelta(days=200))
    follow_up = FollowUp.objects.create(
        member=member, created_on=timezone.localdate(), dedup_key="x"
    )
    assert member.name in staff_client.get(reverse("automation:follow_ups")).content.decode()
    staff_client.post(
        reverse("automation:follow_up_done", args=[follow_up.pk]), {"outcome": "called"}
    )
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None
    assert follow_up.outcome == "called"
    assert member.name not in staff_client.get(reverse("automation:follow_ups")).content.decode()
