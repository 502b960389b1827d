from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import LoyaltyError
from config.roles import is_owner, owner_required, staff_required
from members import exporting, services
from members.filters import MemberFilter, shown_fields
from members.forms import MemberForm, MemberStatusForm, MemberTagsForm, MergeForm
from members.models import Member
from members.selectors import (
    SORTS,
    STAGES,
    get_member,
    lifecycle_stage,
    member_list,
    sort_key,
    sorted_members,
)
from stores.devices import device_store
from stores.selectors import has_many_stores

PAGE_SIZE = 50

# The list's sortable headings, in table order; the direction a first click
# sorts (names A to Z, figures largest first).
HEADINGS = [
    ("name", pgettext_lazy("person", "Name"), ""),
    ("tier", _lazy("Tier"), "-"),
    ("balance", _lazy("Points"), "-"),
    ("spend", _lazy("Lifetime spend"), "-"),
    ("last_purchase", _lazy("Last purchase"), "-"),
    ("joined", _lazy("Joined"), "-"),
]


# Service field names that the member form calls otherwise.
FORM_FIELDS = {"referred_by": "referrer"}


def _form_error(form, error: LoyaltyError):
    field = FORM_FIELDS.get(error.field, error.field)
    field = field if field in form.fields else None
    form.add_error(field, error.message)
    return getattr(error, "existing_member", None)


def _headings(request, sort):
    """Each sortable heading's link: the same filters, the first page, and the
    column's order (the other direction when it is already sorted by it)."""
    others = request.GET.copy()
    others.pop("page", None)
    others.pop("sort", None)
    headings = []
    for key, label, first in HEADINGS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        next_sort = ("" if descending else "-") + key if current else first + key
        query = others.copy()
        query["sort"] = next_sort
        direction = ("descending" if descending else "ascending") if current else ""
        headings.append(
            {"key": key, "label": label, "url": "?" + query.urlencode(), "sorted": direction}
        )
    return {heading["key"]: heading for heading in headings}


@staff_required
def member_list_view(request):
    member_filter = MemberFilter(request.GET or None, queryset=member_list())
    queryset = member_filter.qs if member_filter.is_bound else member_list()
    sort = sort_key(request.GET.get("sort"))
    tier = member_filter.form.cleaned_data.get("tier") if member_filter.is_bound else None
    paginator = Paginator(sorted_members(queryset, sort, tier=tier), PAGE_SIZE)
    # The list's own count: the sorted query may join the sort keys (sorted_members).
    paginator.count = queryset.count()
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    selection = query.copy()
    selection.pop("sort", None)
    return render(
        request,
        "members/member_list.html",
        {
            "filter": member_filter,
            "page": page,
            "query": query.urlencode(),
            "bulk_params": [(key, selection.getlist(key)) for key in selection],
            "sort": sort if sort.lstrip("-") in SORTS else "",
            "headings": _headings(request, sort),
            # A single shop's list shows no store filter.
            "filter_fields": shown_fields(member_filter.form, many_stores=has_many_stores()),
        },
    )


@staff_required
def member_detail_view(request, pk):
    try:
        member = get_member(pk)
    except Member.DoesNotExist:
        return render(request, "404.html", status=404)
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "stage": STAGES[lifecycle_stage(member)],
            "status_form": MemberStatusForm(initial={"status": member.status}),
            "tags_form": MemberTagsForm(initial={"tags": list(member.tags.all())}),
            # A single shop's page shows no store.
            "many_stores": has_many_stores(),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def member_create_view(request):
    existing = None
    form = MemberForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.enrol_member(
                phone=data["phone"],
                name=data["name"],
                email=data["email"],
                birthday=data["birthday"],
                gender=data["gender"],
                referred_by=data["referrer"],
                notes=data["notes"],
                by=request.user,
                store=device_store(request).for_write(),
            )
        except LoyaltyError as error:
            existing = _form_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is enrolled as member %(number)s.")
                % {"name": member.name, "number": member.member_number},
            )
            return redirect("members:detail", pk=member.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "members/member_form.html",
        {"form": form, "existing": existing, "creating": True},
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def member_edit_view(request, pk):
    member = get_object_or_404(Member.objects.select_related("referred_by"), pk=pk)
    existing = None
    initial = {
        "phone": member.phone,
        "name": member.name,
        "email": member.email,
        "birthday": member.birthday,
        "gender": member.gender,
        "referrer": member.referred_by.member_number if member.referred_by else "",
        "notes": member.notes,
        "messages_opt_out": member.messages_opt_out,
    }
    form = MemberForm(request.POST or None, initial=initial)
    locked = services.referrer_locked(member=member, by=request.user)
    if locked:
        # Shown, not editable: the service would refuse a change anyway.
        form.fields["referrer"].disabled = True
        form.fields["referrer"].help_text = locked
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_member(
                member=member,
                by=request.user,
                phone=data["phone"],
                name=data["name"],
                email=data["email"],
                birthday=data["birthday"],
                gender=data["gender"],
                referred_by=data["referrer"],
                notes=data["notes"],
                messages_opt_out=data["messages_opt_out"],
            )
        except LoyaltyError as error:
            existing = _form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("members:detail", pk=member.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "members/member_form.html",
        {"form": form, "member": member, "existing": existing, "creating": False},
        status=status,
    )


@require_http_methods(["POST"])
def member_status_view(request, pk):
    """Blocking a member stops earning and spending: an owner's decision."""
    if not is_owner(request.user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    member = get_object_or_404(Member, pk=pk)
    form = MemberStatusForm(request.POST)
    if form.is_valid():
        services.update_member(member=member, by=request.user, status=form.cleaned_data["status"])
        messages.success(request, _("Status changed."))
    return redirect("members:detail", pk=member.pk)


@owner_required
@require_GET
def export_view(request, file_format):
    """The member list with the filters of the member list page."""
    member_filter = MemberFilter(request.GET or None, queryset=member_list())
    if member_filter.is_bound and not member_filter.is_valid():
        return HttpResponse(_("The filters are not valid."), status=400)
    queryset = member_filter.qs if member_filter.is_bound else member_list()
    return exporting.file_response(queryset, file_format)


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
                _form_error(form, error)
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
        "members/member_merge.html",
        {"member": keep, "form": form, "other": other},
        status=status,
    )
