"""Owner pages: import a customer file."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import LoyaltyError
from config.roles import owner_required
from importing import services as imports
from importing.forms import ImportChoicesForm, ImportConfirmForm, ImportUploadForm
from importing.results import verdict_label, verdict_of
from members.models import ImportJob

RECENT_JOBS = 10


def _add_error(form, error: LoyaltyError):
    form.add_error(error.field if error.field in form.fields else None, error.message)


@owner_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = imports.start_import(
                upload=data["file"],
                by=request.user,
                language=get_language(),
                encoding=data["encoding"],
                update_existing=data["update_existing"],
                minguo_dates=data["minguo_dates"],
                phone_region=data["phone_region"],
                date_order=data["date_order"],
            )
        except LoyaltyError as error:
            _add_error(form, error)
        else:
            return redirect("importing:job", pk=job.pk)
    jobs = list(ImportJob.objects.select_related("created_by")[:RECENT_JOBS])
    for job in jobs:
        job.interrupted = imports.is_interrupted(job)
        job.shown_status = _shown_status(job)
    status = 400 if request.method == "POST" else 200
    return render(request, "importing/upload.html", {"form": form, "jobs": jobs}, status=status)


def _shown_status(job) -> str:
    """The status, where a previewed file says whether it can be imported."""
    if job.status == ImportJob.Status.PREVIEWED:
        return verdict_label(verdict_of(job.preview or {})[0])
    return job.get_status_display()


def _choices_form(job, data=None, initial=None):
    """The preview's choices, with a drop-down per column of the header read."""
    preview = job.preview or {}
    return ImportChoicesForm(
        data,
        initial=initial,
        headers=preview.get("headers") or [],
        fields=preview.get("column_fields") or [],
        sample=(preview.get("sample") or [[]])[0],
    )


def _job_context(job, **extra):
    preview = job.preview or {}
    interrupted = imports.is_interrupted(job)
    verdict, reason = verdict_of(preview)
    result_verdict, result_reason = verdict_of(job.result or {})
    context = {
        "result_verdict": result_verdict,
        "result_reason": result_reason,
        "job": job,
        "shown_status": _shown_status(job),
        "verdict": verdict,
        "verdict_reason": reason,
        "preview": preview,
        "result": job.result or {},
        "interrupted": interrupted,
        "can_try_again": imports.can_try_again(job),
        "progress": imports.job_progress(job) if job.is_running and not interrupted else None,
        "choices_form": _choices_form(
            job,
            initial={
                "encoding": job.encoding,
                "update_existing": job.update_existing,
                "minguo_dates": job.minguo_dates,
                # Empty on a job: the form's initial, the shop settings'.
                **({"phone_region": job.phone_region} if job.phone_region else {}),
                **({"date_order": job.date_order} if job.date_order else {}),
            },
        ),
        "confirm_form": ImportConfirmForm(initial={"valid_rows_only": job.valid_rows_only}),
    }
    context.update(extra)
    return context


@owner_required
@require_GET
def import_job_view(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    return render(request, "importing/job.html", _job_context(job))


@owner_required
@require_GET
def import_progress_view(request, pk):
    """The progress bar, polled by htmx; once the job is done the page reloads."""
    job = get_object_or_404(ImportJob, pk=pk)
    if not job.is_running or imports.is_interrupted(job):
        # Done, or gone silent: the page shows the outcome or "try again".
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "importing/_progress.html", _job_context(job))


@owner_required
@require_POST
def import_recheck_view(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    form = _choices_form(job, request.POST)
    if form.is_valid():
        try:
            imports.recheck_import(
                job=job,
                by=request.user,
                columns=form.chosen_columns(),
                **form.reading_choices(),
            )
        except LoyaltyError as error:
            if error.field != "columns" and error.field not in form.fields:
                messages.error(request, error.message)
                return redirect("importing:job", pk=job.pk)
            # A column chosen wrong: the page again, the error at its drop-down.
            _add_error(form, error)
        else:
            return redirect("importing:job", pk=job.pk)
    context = _job_context(job, choices_form=form)
    return render(request, "importing/job.html", context, status=400)


@owner_required
@require_POST
def import_confirm_view(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    form = ImportConfirmForm(request.POST)
    if form.is_valid():
        try:
            imports.confirm_import(
                job=job, by=request.user, valid_rows_only=form.cleaned_data["valid_rows_only"]
            )
        except LoyaltyError as error:
            _add_error(form, error)
        else:
            return redirect("importing:job", pk=job.pk)
    context = _job_context(job, confirm_form=form)
    return render(request, "importing/job.html", context, status=400)


@owner_required
@require_POST
def import_retry_view(request, pk):
    """Try again an import that was interrupted or stopped unexpectedly."""
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        imports.retry_import(job=job, by=request.user)
    except LoyaltyError as error:
        messages.error(request, error.message)
    return redirect("importing:job", pk=job.pk)
