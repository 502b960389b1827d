from datetime import date

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _

from campaigns import results, services
from campaigns.models import Campaign, CampaignSettings
from config.admin import ServiceAdmin
from config.errors import LoyaltyError


class CampaignAdminForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = list(services.CAMPAIGN_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, points keep their usual cash value (the service reads 1).
        if "redemption_multiplier" in self.fields:  # read-only when frozen
            self.fields["redemption_multiplier"].required = False
        if "saved_segment" in self.fields:
            self.fields["saved_segment"].empty_label = _("Everyone")

    def clean(self):
        # The same checks the services make, shown as form errors instead of
        # failing in save_model.
        data = super().clean()
        if self.errors:
            return data
        fields = {name: data.get(name) for name in services.CAMPAIGN_FIELDS}
        try:
            fields["dates"] = [date.fromisoformat(str(d)) for d in fields["dates"] or []]
            if self.instance.pk:
                services.ensure_editable(self.instance)
            self.cleaned_services_data = services.clean_campaign(**fields)
        except (TypeError, ValueError):
            self.add_error(
                None,
                _(
                    "Write weekdays as [0, …, 6] (0 is Monday), days of the month as "
                    '[18] and dates as ["2026-12-18"].'
                ),
            )
        except LoyaltyError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        return data

    def _post_clean(self):
        # The services check the model's rules; the admin's instance stays as read.
        pass


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    form = CampaignAdminForm
    list_display = [
        "name",
        "starts_on",
        "ends_on",
        "schedule",
        "saved_segment",
        "segment",
        "multiplier",
        "bonus_points",
        "priority",
        "exclusive",
        "is_active",
    ]
    list_filter = ["is_active", "schedule", "saved_segment", "segment", "exclusive"]
    list_select_related = ["saved_segment"]
    search_fields = ["name", "description"]
    date_hierarchy = "starts_on"
    filter_horizontal = ["tiers"]

    def has_change_permission(self, request, obj=None):
        # An ended campaign that applied to sales is shown read-only.
        if obj is not None and results.is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not results.campaign_sales(obj).exists()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data.get(name) for name in services.CAMPAIGN_FIELDS}
        fields["dates"] = [date.fromisoformat(str(d)) for d in fields["dates"] or []]
        if change:
            saved = services.update_campaign(campaign=obj, by=request.user, **fields)
        else:
            saved = services.create_campaign(by=request.user, **fields)
        # The admin goes on to log and redirect with this object.
        obj.__dict__.update(Campaign.objects.get(pk=saved.pk).__dict__)

    def save_related(self, request, form, formsets, change):
        # The service already set the tiers.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.delete_campaign(campaign=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for campaign in queryset:
            try:
                services.delete_campaign(campaign=campaign, by=request.user)
            except LoyaltyError as error:
                self.message_user(request, error.message, level=messages.ERROR)


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(ServiceAdmin):
    list_display = ["__str__", "stacking"]
    fields = ["stacking"]

    def has_add_permission(self, request):
        return not CampaignSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.set_stacking(stacking=form.cleaned_data["stacking"], by=request.user)
        obj.pk = saved.pk
