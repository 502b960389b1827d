"""Reads for the jobs page and the follow-up list."""

from automation.jobs import JOBS, summary_lines
from members.models import FollowUp, JobRun


def job_overview():
    """Each nightly job with its latest run (one query for all of them)."""
    latest = {}
    for run in JobRun.objects.order_by("job", "-run_for", "-started_at").distinct():
        latest.setdefault(run.job, run)
    return [
        {
            "name": name,
            "label": label,
            "last_run": latest.get(name),
            "summary": summary_lines(latest[name].summary) if name in latest else [],
        }
        for name, (_function, label) in JOBS.items()
    ]


def follow_up_list():
    return FollowUp.objects.filter(done_at__isnull=True).select_related("member", "member__tier")
