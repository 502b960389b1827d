"""The owner's bulk changes to the members the member list selected."""

import uuid

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import LoyaltyError
from config.roles import owner_required
from loyalty import bulk
from loyalty.forms import BulkChangeForm
from members import exporting

# The member list's own parameters that say nothing about who is selected.
LIST_ONLY = ("page", "sort")


def _selection(query) -> QueryDict:
    selection = query.copy()
    for name in (*LIST_ONLY, "csrfmiddlewaretoken"):
        selection.pop(name, None)
    return selection


def _back_to_list(selection):
    filters = selection.copy()
    filters.pop("scope", None)
    filters.pop("member", None)
    return reverse("members:list") + (f"?{filters.urlencode()}" if filters else "")


def _outcome_message(outcome):
    if outcome.queued:
        return ngettext(
            "%(count)d member is being changed in the background; "
            "their history shows each change as it lands.",
            "%(count)d members are being changed in the background; "
            "their history shows each change as it lands.",
            outcome.queued,
        ) % {"count": outcome.queued}
    parts = [
        ngettext("%(count)d member changed.", "%(count)d members changed.", outcome.changed)
        % {"count": outcome.changed}
    ]
    if outcome.unchanged:
        parts.append(
            ngettext(
                "%(count)d already had this change and was left as is.",
                "%(count)d already had this change and were left as they are.",
                outcome.unchanged,
            )
            % {"count": outcome.unchanged}
        )
    if outcome.refused:
        parts.append(
            ngettext(
                "%(count)d refused: %(reasons)s", "%(count)d refused: %(reasons)s", outcome.refused
            )
            % {"count": outcome.refused, "reasons": "; ".join(outcome.reasons)}
        )
    return " ".join(parts)


def _run(request, form, selection, queryset):
    data = form.cleaned_data
    params = {
        "tier": data["tier"].pk if data["tier"] else None,
        "pinned_until": data["pinned_until"],
        "points": data["points"],
        "tag": data["tag"].pk if data["tag"] else None,
        "reason": data["reason"],
    }
    outcome = bulk.start_bulk_change(
        action=data["action"],
        member_ids=list(queryset.values_list("pk", flat=True)),
        params=params,
        key=data["key"],
        by=request.user,
    )
    level = messages.WARNING if outcome.refused else messages.SUCCESS
    messages.add_message(request, level, _outcome_message(outcome))
    return redirect(_back_to_list(selection))


@owner_required
@require_http_methods(["GET", "POST"])
def bulk_view(request):
    """Choose a change for the selected members, confirm it with their count, run it."""
    if request.method == "POST":
        form = BulkChangeForm(request.POST)
        selection = _selection(QueryDict(request.POST.get("selection", "")))
    else:
        selection = _selection(request.GET)
        form = BulkChangeForm(initial={"selection": selection.urlencode(), "key": uuid.uuid4().hex})
    queryset = bulk.selected_members(selection)
    count = queryset.count()
    if not count:
        messages.error(
            request, _("No member is selected: tick some members, or change the filters.")
        )
        return redirect(_back_to_list(selection))
    confirming = False
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm"]:
            try:
                return _run(request, form, selection, queryset)
            except LoyaltyError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
        else:
            confirming = True
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "loyalty/bulk.html",
        {
            "form": form,
            "count": count,
            "confirming": confirming,
            "selection": selection.urlencode(),
            "back": _back_to_list(selection),
            "background": count > bulk.INLINE_LIMIT,
        },
        status=status,
    )


@owner_required
@require_GET
def bulk_export_view(request, file_format):
    """The selected members as the member list's export writes them."""
    queryset = bulk.selected_members(_selection(request.GET))
    return exporting.file_response(queryset, file_format)
