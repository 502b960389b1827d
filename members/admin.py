from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from config.admin import BoundedAdmin, ServiceAdmin
from config.errors import LoyaltyError
from members import services
from members.models import (
    AutomationSettings,
    BirthdayGift,
    FollowUp,
    ImportJob,
    JobRun,
    Member,
    MemberMerge,
    MessageTemplate,
    OutboundMessage,
)
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

    # The same checks enrol_member and update_member make, shown as field
    # errors instead of failing in save_model.
    def _checked(self, check, name):
        try:
            return check(self.cleaned_data[name])
        except LoyaltyError as error:
            raise forms.ValidationError(error.message) from None

    def clean_phone(self):
        return self._checked(normalize_phone, "phone")

    def clean_name(self):
        return self._checked(services.clean_name, "name")

    def clean_email(self):
        return self._checked(services.clean_email, "email")

    def clean_birthday(self):
        return self._checked(services.clean_birthday, "birthday")

    def clean_referred_by(self):
        referrer = self.cleaned_data["referred_by"]
        member = self.instance
        if member.pk and (referrer.pk if referrer else None) != member.referred_by_id:
            refusal = services.referrer_refusal(
                member=member, referrer=referrer, by=getattr(self, "acting_user", None)
            )
            if refusal:
                raise forms.ValidationError(refusal.message)
        return referrer


@admin.register(Member)
class MemberAdmin(ImportExportMixin, ServiceAdmin):
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
        "opening_lifetime_spend",
        "opening_window_spend",
        "opening_window_purchases",
        "opening_as_of",
        "opening_purchases",
        "opening_last_purchase_on",
    ]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        # Members carry a ledger and sales; they are blocked or merged, never deleted.
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class per request
        form.acting_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        # One door per operation: the admin writes through the same services
        # as the member pages, so their rules hold here too.
        # A refusal past the form (a race: the phone taken meanwhile) shows on
        # the form (config.admin.ServiceAdmin).
        data = {name: form.cleaned_data[name] for name in MemberAdminForm.Meta.fields}
        if change:
            services.update_member(member=obj, by=request.user, **data)
        else:
            status = data.pop("status")
            opt_out = data.pop("messages_opt_out")
            member = services.enrol_member(by=request.user, **data)
            services.update_member(
                member=member, by=request.user, status=status, messages_opt_out=opt_out
            )
            # The admin goes on to log and redirect with this object.
            obj.__dict__.update(Member.objects.get(pk=member.pk).__dict__)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["purpose", "channel", "language", "is_active", "body"]
    list_filter = ["purpose", "channel", "language", "is_active"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "member",
        "purpose",
        "channel",
        "status",
        "attempts",
        "last_error",
    ]
    list_filter = ["status", "purpose", "channel"]
    search_fields = ["member__name", "member__phone", "address"]
    list_select_related = ["member"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AutomationSettings)
class AutomationSettingsAdmin(BoundedAdmin):
    def has_add_permission(self, request):
        return not AutomationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BirthdayGift)
class BirthdayGiftAdmin(admin.ModelAdmin):
    """Shown here; edited on the Birthday gifts page, which checks that each
    tier's reward is open to that tier."""

    list_display = ["tier", "points", "reward"]
    list_select_related = ["tier", "reward"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "run_for", "status", "started_at", "finished_at", "attempts"]
    list_filter = ["job", "status"]
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["member", "created_on", "done_at", "done_by", "outcome"]
    list_filter = ["done_at"]
    list_select_related = ["member", "done_by"]
    raw_id_fields = ["member"]


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
