"""Tags: the owner's page of tags, and a member's tags set from their page."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import LoyaltyError
from config.roles import owner_required, staff_required
from members import tags as tag_services
from members.forms import MemberTagsForm, TagForm
from members.models import Member, Tag


def _save(request, form, tag):
    try:
        tag_services.save_tag(tag=tag, names=form.cleaned_data, by=request.user)
    except LoyaltyError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    return True


@owner_required
@require_http_methods(["GET", "POST"])
def tag_list_view(request):
    """Every tag with its member count, and a form to add one."""
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save(request, form, None):
        messages.success(request, _("Tag added."))
        return redirect("members:tags")
    tags = Tag.objects.annotate(member_count=Count("members")).order_by("name")
    status = 400 if form.errors else 200
    return render(request, "members/tag_list.html", {"form": form, "tags": tags}, status=status)


@owner_required
@require_http_methods(["GET", "POST"])
def tag_edit_view(request, pk):
    tag = get_object_or_404(Tag, pk=pk)
    initial = {field: getattr(tag, field) for field in tag_services.NAME_FIELDS}
    form = TagForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            tag_services.delete_tag(tag=tag, by=request.user)
            messages.success(request, _("Tag deleted."))
            return redirect("members:tags")
        if form.is_valid() and _save(request, form, tag):
            messages.success(request, _("Tag saved."))
            return redirect("members:tags")
    status = 400 if form.errors else 200
    return render(request, "members/tag_edit.html", {"form": form, "tag": tag}, status=status)


@staff_required
@require_POST
def member_tags_view(request, pk):
    """The member page's tag boxes: the member's tags become the ticked ones."""
    member = get_object_or_404(Member, pk=pk)
    form = MemberTagsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Those tags no longer exist; reload the page."))
    else:
        tag_services.set_member_tags(member=member, tags=form.cleaned_data["tags"], by=request.user)
        messages.success(request, _("Tags saved."))
    return redirect("members:detail", pk=member.pk)
