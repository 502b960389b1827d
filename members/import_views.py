"""Owner pages: import a customer file, export the member list, merge two records."""

from django.contrib import messages
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import LoyaltyError
from config.roles import owner_required
from importing import services as imports
from members import exporting, services
from members.filters import MemberFilter
from members.import_forms import ImportChoicesForm, ImportConfirmForm, ImportUploadForm, MergeForm
from members.models import ImportJob, Member
from members.selectors import member_list

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
            )
        except LoyaltyError as error:
            _add_error(form, error)
        else:
            return redirect("members:import_job", pk=job.pk)
    jobs = ImportJob.objects.select_related("created_by")[:RECENT_JOBS]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "members/import/upload.html", {"form": form, "jobs": jobs}, status=status
    )


def _job_context(job, **extra):
    preview = job.preview or {}
    context = {
        "job": job,
        "preview": preview,
        "result": job.result or {},
        "progress": imports.job_progress(job) if job.is_running else None,
        "choices_form": ImportChoicesForm(
            initial={
                "encoding": job.encoding,
                "update_existing": job.update_existing,
                "minguo_dates": job.minguo_dates,
            }
        ),
        "confirm_form": ImportConfirmForm(initial={"valid_rows_only": job.valid_rows_only}),
    }
    context.update(extra)
    return context


@owner_required
@require_GET
def import_job_view(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    return render(request, "members/import/job.html", _job_context(job))


@owner_required
@require_GET
def import_progress_view(request, pk):
    """The progress bar, polled by htmx; once the job is done the page reloads."""
    job = get_object_or_404(ImportJob, pk=pk)
    if not job.is_running:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "members/import/_progress.html", _job_context(job))


@owner_required
@require_POST
def import_recheck_view(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    form = ImportChoicesForm(request.POST)
    if form.is_valid():
        try:
            imports.recheck_import(job=job, by=request.user, **form.cleaned_data)
        except LoyaltyError as error:
            messages.error(request, error.message)
        return redirect("members:import_job", pk=job.pk)
    context = _job_context(job, choices_form=form)
    return render(request, "members/import/job.html", context, status=400)


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
            return redirect("members:import_job", pk=job.pk)
    context = _job_context(job, confirm_form=form)
    return render(request, "members/import/job.html", context, status=400)


@owner_required
@require_GET
def export_view(request, file_format):
    """The member list with the filters of the member list page."""
    member_filter = MemberFilter(request.GET or None, queryset=member_list())
    if member_filter.is_bound and not member_filter.is_valid():
        return HttpResponse(_("The filters are not valid."), status=400)
    queryset = member_filter.qs if member_filter.is_bound else member_list()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "xlsx":
        return FileResponse(
            exporting.write_xlsx(queryset),
            as_attachment=True,
            filename=f"members-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(
        exporting.csv_chunks(queryset), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return response


@owner_required
@require_http_methods(["GET", "POST"])
def merge_view(request, pk):
    """Merge a duplicate record into this member: first a summary, then confirm."""
    keep = get_object_or_404(Member.objects.select_related("tier"), pk=pk)
    form = MergeForm(request.POST or None, initial={"other": request.GET.get("other", "")})
    other = None
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["other"]
        if form.cleaned_data["confirm"]:
            try:
                services.merge_members(
                    keep=keep, absorb=other, by=request.user, reason=form.cleaned_data["reason"]
                )
            except LoyaltyError as error:
                _add_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(other)s is merged into %(name)s.")
                    % {"other": other.member_number, "name": keep.name},
                )
                return redirect("members:detail", pk=keep.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "members/import/merge.html",
        {"member": keep, "form": form, "other": other},
        status=status,
    )
