from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ServiceAdmin
from config.errors import LoyaltyError
from members import services
from members.models import LifecycleRules, Member
from members.phones import normalize_phone

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


@admin.register(Member)
class MemberAdmin(ServiceAdmin):
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

    def has_delete_permission(self, request, obj=None):
        # Members carry a ledger and sales; they are blocked or merged, never deleted.
        return False

    def save_model(self, request, obj, form, change):
        # One door per operation: the admin writes through the same services
        # as the member pages, so their rules hold here too.
        data = {name: form.cleaned_data[name] for name in MemberAdminForm.Meta.fields}
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
                # The admin goes on to log and redirect with this object.
                obj.__dict__.update(Member.objects.get(pk=member.pk).__dict__)
        except LoyaltyError as error:
            # Only a race (the phone taken meanwhile) gets here past the form.
            self.message_user(request, error.message, level="error")
            raise


@admin.register(LifecycleRules)
class LifecycleRulesAdmin(admin.ModelAdmin):
    list_display = ["__str__", "new_days", "active_days", "churned_days"]

    def has_add_permission(self, request):
        return not LifecycleRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
