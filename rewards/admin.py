from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from config.admin import ServiceAdmin
from config.errors import LoyaltyError
from rewards import services
from rewards.forms import RewardForm
from rewards.models import Coupon, Reward, RewardRedemption


@admin.register(Reward)
class RewardAdmin(ServiceAdmin):
    form = RewardForm
    list_display = [
        "name",
        "kind",
        "points_cost",
        "stock",
        "min_tier",
        "limit_per_member",
        "valid_from",
        "valid_to",
        "is_active",
        "sort_order",
    ]
    list_filter = ["kind", "is_active", "min_tier"]
    search_fields = ["name", "name_en", "name_zh_hant", "name_zh_hans"]
    list_select_related = ["min_tier"]

    def has_delete_permission(self, request, obj=None):
        # Redemptions point at rewards; switch a reward off instead.
        return False

    def save_model(self, request, obj, form, change):
        # One door: the admin saves through the same service as the owner's pages.
        stock_seen = form.cleaned_data.get("stock_seen")
        # The form checked the terms; only a race (stock moved) refuses here,
        # and config.admin.ServiceAdmin shows that on the form.
        services.save_reward(reward=obj, by=request.user, stock_seen=stock_seen)


class CouponInline(admin.TabularInline):
    model = Coupon
    extra = 0
    can_delete = False
    fields = ["code", "value", "percent", "valid_from", "expires_on", "used_at", "voided_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RewardRedemption)
class RewardRedemptionAdmin(admin.ModelAdmin):
    """Read-only record; fulfil and cancel go through the services."""

    list_display = [
        "created_at",
        "member",
        "reward",
        "quantity",
        "points_spent",
        "source",
        "status",
        "by",
    ]
    list_filter = ["status", "source", "reward", "created_at"]
    search_fields = ["member__member_number", "member__phone", "member__name", "reward__name"]
    list_select_related = ["member", "reward", "by"]
    raw_id_fields = ["member"]
    inlines = [CouponInline]
    actions = ["fulfil_selected", "cancel_selected"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, operation, done_message):
        done = 0
        for redemption in queryset:
            try:
                operation(redemption=redemption, by=request.user)
            except LoyaltyError as error:
                self.message_user(request, f"{redemption}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Mark as handed over"), permissions=["view"])
    def fulfil_selected(self, request, queryset):
        self._each(
            request, queryset, services.fulfil_redemption, _("%(count)d marked as handed over.")
        )

    @admin.action(description=_("Cancel and return the points"), permissions=["view"])
    def cancel_selected(self, request, queryset):
        self._each(request, queryset, services.cancel_redemption, _("%(count)d cancelled."))


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["display_code", "member", "value", "percent", "expires_on", "used_at"]
    list_filter = ["expires_on", "used_at", "voided_at"]
    search_fields = ["code", "member__member_number", "member__phone", "member__name"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
