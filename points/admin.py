from django import forms
from django.contrib import admin, messages

from config.admin import ServiceAdmin
from config.errors import LoyaltyError
from points import programme
from points.models import BehaviourRule, LedgerEntry, LotDraw, ProgrammeRules, Purchase, Refund


class ProgrammeRulesAdminForm(forms.ModelForm):
    class Meta:
        model = ProgrammeRules
        fields = list(programme.RULE_FIELDS)

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                programme.check_programme_rules(ProgrammeRules(**data))
            except LoyaltyError as error:
                self.add_error(error.field, error.message)
        return data


@admin.register(ProgrammeRules)
class ProgrammeRulesAdmin(ServiceAdmin):
    form = ProgrammeRulesAdminForm
    fields = [*programme.RULE_FIELDS, "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]
    list_display = ["__str__", "earn_points", "earn_per_amount", "redeem_points", "redeem_value"]

    def has_add_permission(self, request):
        return not ProgrammeRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # One door: the admin saves through the same service as the rules page
        # (the form already ran the service's checks, so this cannot refuse).
        changes = {name: form.cleaned_data[name] for name in programme.RULE_FIELDS}
        rules = programme.update_programme_rules(by=request.user, **changes)
        obj.pk = rules.pk


@admin.register(BehaviourRule)
class BehaviourRuleAdmin(ServiceAdmin):
    fields = list(programme.BEHAVIOUR_RULE_FIELDS)
    list_display = ["name", "action", "code", "points", "per_member_cap", "is_active"]
    list_filter = ["action", "is_active"]
    search_fields = ["name", "code"]

    # One door: added, changed and removed through the services, which record it.

    def save_model(self, request, obj, form, change):
        programme.save_behaviour_rule(rule=obj, by=request.user)

    def delete_model(self, request, obj):
        programme.delete_behaviour_rule(rule=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            try:
                programme.delete_behaviour_rule(rule=rule, by=request.user)
            except LoyaltyError as error:
                self.message_user(request, error.message, level=messages.ERROR)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger and the sales are written by the services only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The ledger's rows are shown, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LotDrawInline(ReadOnlyInline):
    model = LotDraw
    fk_name = "entry"
    fields = ["lot", "points"]
    readonly_fields = fields


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "member",
        "kind",
        "points",
        "remaining",
        "expires_on",
        "reason",
        "by",
    ]
    list_filter = ["kind", "created_at", "expires_on"]
    search_fields = ["member__member_number", "member__phone", "member__name", "reason"]
    list_select_related = ["member", "by"]
    date_hierarchy = "created_at"
    raw_id_fields = ["member", "purchase", "refund", "reverses", "behaviour_rule"]
    inlines = [LotDrawInline]
    show_full_result_count = False


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = [
        "created_at",
        "amount",
        "points_reversed",
        "points_returned",
        "points_shortfall",
        "reason",
        "by",
    ]
    readonly_fields = fields


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "member",
        "gross_amount",
        "discount_amount",
        "points_redeemed",
        "amount_paid",
        "points_earned",
        "refunded_amount",
        "by",
    ]
    list_filter = ["created_at", "wholesale", "tier"]
    search_fields = ["member__member_number", "member__phone", "member__name", "note"]
    list_select_related = ["member", "by"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    show_full_result_count = False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "purchase",
        "amount",
        "points_reversed",
        "points_returned",
        "points_shortfall",
        "by",
    ]
    list_select_related = ["purchase", "by"]
    search_fields = ["purchase__member__member_number", "reason"]
