from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from automation.jobs import JOBS
from automation.selectors import follow_up_list, job_overview
from automation.services import complete_follow_up
from automation.tasks import run_nightly_job
from config.roles import owner_required, staff_required
from members.models import FollowUp


@owner_required
def jobs_view(request):
    return render(request, "automation/jobs.html", {"jobs": job_overview()})


@owner_required
@require_POST
def run_job_view(request, job):
    if job not in JOBS:
        messages.error(request, _("There is no such job."))
        return redirect("automation:jobs")
    transaction.on_commit(lambda: run_nightly_job.delay(job))
    messages.success(
        request,
        _("%(job)s started. Its summary appears below when it has run.") % {"job": JOBS[job][1]},
    )
    return redirect("automation:jobs")


@staff_required
def follow_ups_view(request):
    return render(request, "automation/follow_ups.html", {"follow_ups": follow_up_list()})


@staff_required
@require_POST
def follow_up_done_view(request, pk):
    follow_up = get_object_or_404(FollowUp, pk=pk)
    complete_follow_up(
        follow_up=follow_up, outcome=request.POST.get("outcome", "")[:200], by=request.user
    )
    messages.success(request, _("Marked as done."))
    return redirect("automation:follow_ups")
