from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from config.errors import LoyaltyError
from members import services
from members.models import ImportJob, LifecycleRules, Member, MemberMerge
from members.phones import normalize_phone
from members.resources import MemberResource

admin.site.site_header = _("Loyalty Desk administration")
admin.site.site_title = _("Loyalty Desk")
admin.site.index_title = _("Programme set-up")


class MemberAdminForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "phone",
            "name",
            "email",
            "birthday",
            "gender",
            "referred_by",
            "notes",
            "status",
            "messages_opt_out",
        ]

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except LoyaltyError as error:
            raise forms.ValidationError(error.message) from None


@admin.register(Member)
class MemberAdmin(ImportExportMixin, admin.ModelAdmin):
    # Import and export need members.import_member / export_member (see
    # IMPORT_EXPORT_*_PERMISSION_CODE): owners only.
    resource_classes = [MemberResource]
    form = MemberAdminForm
    list_display = [
        "member_number",
        "name",
        "phone",
        "tier",
        "points_balance",
        "lifetime_spend",
        "joined_on",
        "status",
    ]
    list_filter = ["tier", "status", "joined_on", "gender"]
    search_fields = ["member_number", "phone", "name", "name_key", "email"]
    list_select_related = ["tier"]
    raw_id_fields = ["referred_by"]
    readonly_fields = [
        "member_number",
        "tier",
        "tier_since",
        "joined_on",
        "points_balance",
        "lifetime_spend",
        "purchase_count",
        "last_purchase_at",
    ]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        # One door per operation: the admin writes through the same services
        # as the member pages, so their rules hold here too.
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if change:
                services.update_member(member=obj, by=request.user, **data)
            else:
                status = data.pop("status")
                opt_out = data.pop("messages_opt_out")
                member = services.enrol_member(by=request.user, **data)
                services.update_member(
                    member=member, by=request.user, status=status, messages_opt_out=opt_out
                )
                obj.pk = member.pk
        except LoyaltyError as error:
            from django.core.exceptions import ValidationError

            raise ValidationError(error.message) from None


@admin.register(LifecycleRules)
class LifecycleRulesAdmin(admin.ModelAdmin):
    list_display = ["__str__", "new_days", "active_days", "churned_days"]

    def has_add_permission(self, request):
        return not LifecycleRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Imports are made on the Import page; here they can be looked up."""

    list_display = ["original_name", "status", "created_at", "created_by", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MemberMerge)
class MemberMergeAdmin(admin.ModelAdmin):
    list_display = ["kept", "absorbed", "points", "created_at", "by"]
    raw_id_fields = ["kept", "absorbed"]
    readonly_fields = [field.name for field in MemberMerge._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
