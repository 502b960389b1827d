"""The owner's segments: list, create or edit with a live count, delete; the RFM grid."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import LoyaltyError
from config.roles import owner_required
from members.filters import MemberFilter, shown_fields
from members.models import Member
from segments import rfm, services
from segments.models import Segment
from segments.selectors import (
    EXPIRING,
    as_query,
    clean_criteria,
    list_link_query,
    segment_preview,
    segments_with_counts,
)
from stores.selectors import has_many_stores


@owner_required
@require_GET
def segment_list_view(request):
    segments = segments_with_counts()
    return render(request, "segments/segment_list.html", {"segments": segments})


def _initial(segment) -> QueryDict:
    query = as_query(segment.criteria)
    query["name"] = segment.name
    if segment.criteria.get(EXPIRING):
        query[EXPIRING] = str(segment.criteria[EXPIRING])
    return query


@owner_required
@require_http_methods(["GET", "POST"])
def segment_edit_view(request, pk=None):
    """Create or change a segment; the count and a sample follow the form (htmx)."""
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    error = None
    if request.method == "POST":
        data = request.POST
        if request.POST.get("delete") and segment is not None:
            try:
                services.delete_segment(segment=segment, by=request.user)
            except LoyaltyError as refused:
                messages.error(request, refused.message)
                return redirect("segments:edit", pk=segment.pk)
            messages.success(request, _("Segment deleted."))
            return redirect("segments:list")
        try:
            saved = services.save_segment(
                segment=segment, name=data.get("name"), criteria=data, by=request.user
            )
        except LoyaltyError as refused:
            error = refused
        else:
            messages.success(request, _("Segment saved."))
            return redirect("segments:edit", pk=saved.pk)
    else:
        data = _initial(segment) if segment else None
    filter_form = MemberFilter(data, queryset=Member.objects.none()).form
    preview = _preview(data or QueryDict())
    return render(
        request,
        "segments/segment_form.html",
        {
            "segment": segment,
            "filter_fields": shown_fields(
                filter_form, many_stores=has_many_stores(), leave_out=("q",)
            ),
            "name": (data or {}).get("name", ""),
            "expiring_days": (data or {}).get(EXPIRING, ""),
            "error": error,
            **preview,
        },
        status=400 if error else 200,
    )


def _preview(data) -> dict:
    try:
        criteria = clean_criteria(data)
    except LoyaltyError as refused:
        return {"preview_error": refused.message}
    count, sample = segment_preview(criteria)
    return {"count": count, "sample": sample, "list_query": list_link_query(criteria)}


@owner_required
@require_GET
def segment_preview_view(request):
    """The live count and sample for the form's current values (an htmx swap)."""
    return render(request, "segments/partials/preview.html", _preview(request.GET))


@owner_required
@require_GET
def rfm_view(request):
    """Members by recency × frequency quintiles, with their money; each cell
    links to its members on the member list."""
    money = request.GET.get("money", "")
    money = int(money) if money in {"1", "2", "3", "4", "5"} else None
    grid = rfm.rfm_grid(money_score=money)
    return render(
        request,
        "segments/rfm.html",
        {"grid": grid, "money": money, "list_url": reverse("members:list")},
    )
