from django import forms
from django.contrib import admin

from config.admin import ServiceAdmin
from config.errors import LoyaltyError
from tiers import programme as ladder
from tiers.forms import DiscountField
from tiers.models import Tier, TierChange, TierProgramme, TierSettingsAudit, UpgradeReward
from tiers.programme import PROGRAMME_FIELDS, TIER_FIELDS


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TierAdminForm(forms.ModelForm):
    retail_discount = DiscountField(label=Tier._meta.get_field("retail_discount").verbose_name)
    wholesale_discount = DiscountField(
        label=Tier._meta.get_field("wholesale_discount").verbose_name
    )

    class Meta:
        model = Tier
        fields = TIER_FIELDS

    def _post_clean(self):
        # The ladder checks of save_tier, as form errors on the page rather
        # than a refusal in save_model, where the admin can no longer show one.
        super()._post_clean()
        if self.errors:
            return
        tier = self.instance
        others = Tier.objects.exclude(pk=tier.pk) if tier.pk else Tier.objects.all()
        try:
            ladder.validate_ladder([*others, tier], edited=tier)
        except LoyaltyError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)


@admin.register(Tier)
class TierAdmin(ServiceAdmin):
    form = TierAdminForm
    list_display = [
        "rank",
        "name",
        "is_active",
        "retail_discount_label",
        "wholesale_discount_label",
        "points_multiplier",
        "upgrade_bonus_points",
    ]
    list_display_links = ["name"]
    ordering = ["rank"]
    fields = TIER_FIELDS

    def has_delete_permission(self, request, obj=None):
        # Tiers are deactivated (members move, history stays), never deleted.
        return False

    def save_model(self, request, obj, form, change):
        # One door: the admin saves through the same service as the tier pages.
        data = {name: form.cleaned_data[name] for name in TIER_FIELDS if name in form.cleaned_data}
        original = Tier.objects.get(pk=obj.pk) if change else None
        # A refusal shows on the form (config.admin.ServiceAdmin).
        saved = ladder.save_tier(tier=original, by=request.user, **data)
        obj.pk = saved.pk


@admin.register(TierProgramme)
class TierProgrammeAdmin(ServiceAdmin):
    fields = PROGRAMME_FIELDS
    list_display = ["__str__", "window", "frequency", "grace_days", "downgrade"]

    def has_add_permission(self, request):
        return not TierProgramme.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in PROGRAMME_FIELDS}
        ladder.save_programme(by=request.user, **data)


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "member", "kind", "from_tier", "to_tier", "reason", "by"]
    list_filter = ["kind", "to_tier"]
    list_select_related = ["member", "from_tier", "to_tier", "by"]
    search_fields = ["member__member_number", "member__phone", "member__name"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(TierSettingsAudit)
class TierSettingsAuditAdmin(ReadOnlyAdmin):
    list_display = ["at", "subject", "label", "changes", "by"]
    list_filter = ["subject"]


@admin.register(UpgradeReward)
class UpgradeRewardAdmin(ReadOnlyAdmin):
    # The note says why a reward was not given (out of stock, not for that tier).
    list_display = ["created_at", "member", "tier", "year", "points", "note"]
    list_select_related = ["member", "tier"]
    raw_id_fields = ["member"]
