"""The owners' pages for tills: API keys (create, list, revoke), webhooks
(add, delivery log, send again) and the API's documentation page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api import docs, webhooks
from api.forms import ApiKeyForm, WebhookForm
from api.keys import create_api_key, revoke_api_key
from api.models import ApiKey, WebhookDelivery, WebhookEndpoint
from config.clock import shop_day_bounds
from config.errors import LoyaltyError
from config.roles import owner_required
from stores.selectors import active_stores


def _keys():
    return ApiKey.objects.select_related("created_by", "store")


def _key_form(data=None):
    # A single shop chooses no store: its keys record at the one store.
    stores = active_stores()
    return ApiKeyForm(data, stores=stores if len(stores) > 1 else None)


@owner_required
@require_http_methods(["GET", "POST"])
def keys_view(request):
    form = _key_form(request.POST or None)
    context = {"form": form, "keys": _keys(), "show_stores": "store" in form.fields}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = shop_day_bounds(data["expires_on"])[1] if data["expires_on"] else None
        stores = list(active_stores()[:2])
        try:
            api_key, text = create_api_key(
                name=data["name"],
                scopes=data["scopes"],
                expires_at=expires_at,
                by=request.user,
                store=data.get("store") or (stores[0] if len(stores) == 1 else None),
            )
        except LoyaltyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            # Shown on this answer only: it is stored nowhere but as a hash.
            context.update(form=_key_form(), keys=_keys(), new_key=api_key, key_text=text)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "api/keys.html", context, status=status)


@owner_required
@require_POST
def revoke_view(request, pk):
    api_key = revoke_api_key(api_key=get_object_or_404(ApiKey, pk=pk), by=request.user)
    messages.success(
        request, _("Key “%(name)s” revoked: it is refused from now on.") % {"name": api_key.name}
    )
    return redirect("api:keys")


@login_not_required
@require_GET
def docs_view(request):
    return render(request, "api/docs.html", {"doc": docs.document(request)})


@owner_required
@require_http_methods(["GET", "POST"])
def webhooks_view(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.register_webhook(
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                expiring_days=form.cleaned_data["expiring_days"],
                by=request.user,
            )
        except LoyaltyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Webhook added. Its signing secret is on its page."))
            return redirect("api:webhook", pk=endpoint.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "endpoints": WebhookEndpoint.objects.all()}
    return render(request, "api/webhooks.html", context, status=status)


@owner_required
@require_GET
def webhook_view(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    deliveries = endpoint.deliveries.prefetch_related("attempt_log")[:50]
    return render(request, "api/webhook.html", {"endpoint": endpoint, "deliveries": deliveries})


@owner_required
@require_POST
def webhook_active_view(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhooks.set_webhook_active(endpoint=endpoint, active=request.POST.get("active") == "1")
    return redirect("api:webhook", pk=pk)


@owner_required
@require_POST
def send_again_view(request, pk):
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    webhooks.send_again(delivery=delivery)
    messages.success(request, _("Queued again: it is sent within a minute."))
    return redirect("api:webhook", pk=delivery.endpoint_id)
