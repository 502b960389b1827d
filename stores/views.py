"""Stores: the owner's list and form, and the page where a device says which
store it works for (stores.devices)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import LoyaltyError
from config.roles import owner_required, staff_required
from stores import devices, selectors, services
from stores.forms import ChooseStoreForm, StoreForm
from stores.models import Store


@owner_required
@require_GET
def store_list_view(request):
    stores = selectors.all_stores().prefetch_related("staff")
    return render(request, "stores/store_list.html", {"stores": stores})


def _store_form_page(request, store):
    form = StoreForm(request.POST or None, instance=store, staff_choices=services.staff_choices())
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_store(
                store=form.save(commit=False), staff=form.cleaned_data["staff"], by=request.user
            )
        except LoyaltyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("“%(store)s” is saved.") % {"store": saved.display_name})
            return redirect("stores:list")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "store": store}
    return render(request, "stores/store_form.html", context, status=status)


@owner_required
@require_http_methods(["GET", "POST"])
def store_create_view(request):
    return _store_form_page(request, Store())


@owner_required
@require_http_methods(["GET", "POST"])
def store_edit_view(request, pk):
    return _store_form_page(request, get_object_or_404(Store, pk=pk))


@owner_required
@require_POST
def store_deactivate_view(request, pk):
    store = get_object_or_404(Store, pk=pk)
    try:
        services.deactivate_store(store=store, by=request.user)
    except LoyaltyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(store)s” is closed.") % {"store": store.display_name})
    return redirect("stores:list")


def _next(request, target):
    hosts = {request.get_host()}
    if target and url_has_allowed_host_and_scheme(target, hosts, request.is_secure()):
        return target
    return "counter:index"


@staff_required
@require_http_methods(["GET", "POST"])
def choose_view(request):
    """Which store this device works for: only the user's own stores."""
    stores = selectors.stores_for(request.user)
    error = None
    if request.method == "POST":
        form = ChooseStoreForm(request.POST)
        if form.is_valid():
            try:
                device = devices.choose(request, form.cleaned_data["store"])
            except LookupError:
                error = _("Choose one of your stores.")
            else:
                return device.apply(redirect(_next(request, form.cleaned_data["next"])))
        else:
            error = _("Choose one of your stores.")
    current = devices.device_store(request).store_id
    context = {
        "stores": stores,
        "current": current,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "error": error,
    }
    return render(request, "stores/choose.html", context, status=400 if error else 200)
