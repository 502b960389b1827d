from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from automation.forms import BirthdayGiftsForm, FollowUpFilterForm
from automation.jobs import JOBS
from automation.selectors import (
    birthday_settings,
    follow_up_list,
    follow_up_stores,
    job_overview,
    tiers_without_birthday_reward,
)
from automation.services import complete_follow_up, run_job_now, save_birthday_gifts
from config.errors import LoyaltyError
from config.roles import owner_required, staff_required
from members.models import FollowUp


@owner_required
def jobs_view(request):
    return render(request, "automation/jobs.html", {"jobs": job_overview()})


@owner_required
@require_POST
def run_job_view(request, job):
    try:
        run_job_now(job=job, by=request.user)
    except LoyaltyError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(job)s started. Its summary appears below when it has run.")
            % {"job": JOBS[job][1]},
        )
    return redirect("automation:jobs")


@owner_required
@require_http_methods(["GET", "POST"])
def birthday_gifts_view(request):
    current = birthday_settings()
    form = BirthdayGiftsForm(request.POST or None, **current)
    if request.method == "POST" and form.is_valid():
        try:
            save_birthday_gifts(by=request.user, **form.settings())
        except LoyaltyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Birthday gifts saved."))
            return redirect("automation:birthday_gifts")
    return render(
        request,
        "automation/birthday_gifts.html",
        {
            "form": form,
            "default_reward": current["settings_row"].birthday_reward,
            "unreached": tiers_without_birthday_reward(**current),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_GET
def follow_ups_view(request):
    """The churned members to call that the user sees (their stores' members
    for a store manager), with a store filter when there are stores to choose."""
    stores, no_home_store = follow_up_stores(request.user)
    form = FollowUpFilterForm(request.GET or None, stores=stores, no_home_store=no_home_store)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "follow_ups": [], "show_stores": bool(stores)}
        return render(request, "automation/follow_ups.html", context, status=400)
    store = form.cleaned_data.get("store") if form.is_bound else None
    context = {
        "form": form,
        "follow_ups": follow_up_list(user=request.user, store=store),
        "show_stores": bool(stores),
    }
    return render(request, "automation/follow_ups.html", context)


@staff_required
@require_POST
def follow_up_done_view(request, pk):
    follow_up = get_object_or_404(FollowUp, pk=pk)
    complete_follow_up(
        follow_up=follow_up, outcome=request.POST.get("outcome", "")[:200], by=request.user
    )
    messages.success(request, _("Marked as done."))
    return redirect("automation:follow_ups")
