from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns import results, selectors, services
from campaigns.forms import CampaignForm, StackingForm
from campaigns.models import Campaign
from config.clock import shop_today
from config.errors import LoyaltyError
from config.roles import owner_required


def _form_error(form, error: LoyaltyError):
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _get_campaign(pk):
    return get_object_or_404(
        Campaign.objects.select_related("saved_segment").prefetch_related("tiers"), pk=pk
    )


def _list_page(request, stacking_form, status=200):
    return render(
        request,
        "campaigns/campaign_list.html",
        {**selectors.campaign_overview(), "today": shop_today(), "stacking_form": stacking_form},
        status=status,
    )


@owner_required
@require_GET
def campaign_list_view(request):
    return _list_page(request, StackingForm(initial={"stacking": selectors.stacking_setting()}))


@owner_required
@require_http_methods(["GET", "POST"])
def campaign_create_view(request):
    today = shop_today()
    form = CampaignForm(request.POST or None, initial={"starts_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(by=request.user, **form.cleaned_data)
        except LoyaltyError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Campaign “%(name)s” saved.") % {"name": campaign.name})
            return redirect("campaigns:list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "campaigns/campaign_form.html", {"form": form, "creating": True}, status=status
    )


@owner_required
@require_http_methods(["GET", "POST"])
def campaign_edit_view(request, pk):
    campaign = _get_campaign(pk)
    form = CampaignForm(request.POST or None, initial=CampaignForm.initial_for(campaign))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(campaign=campaign, by=request.user, **form.cleaned_data)
        except LoyaltyError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Campaign “%(name)s” saved.") % {"name": campaign.name})
            return redirect("campaigns:list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "campaigns/campaign_form.html",
        {"form": form, "campaign": campaign, "frozen": results.is_frozen(campaign)},
        status=status,
    )


@owner_required
@require_GET
def campaign_results_view(request, pk):
    campaign = _get_campaign(pk)
    return render(
        request,
        "campaigns/campaign_results.html",
        {"campaign": campaign, "results": results.campaign_results(campaign)},
    )


@owner_required
@require_POST
def stacking_view(request):
    form = StackingForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    services.set_stacking(stacking=form.cleaned_data["stacking"], by=request.user)
    messages.success(request, _("Stacking rule saved."))
    return redirect("campaigns:list")
