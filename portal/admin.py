from django.contrib import admin

from config.admin import BoundedAdmin
from portal.models import MemberSession, PortalSettings, SignInCode


@admin.register(PortalSettings)
class PortalSettingsAdmin(BoundedAdmin):
    list_display = ["__str__", "sign_in_days", "join_open"]

    def has_add_permission(self, request):
        return not PortalSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MemberSession)
class MemberSessionAdmin(admin.ModelAdmin):
    """Read-only: who is signed in where. "Sign out everywhere" is on the member page."""

    list_display = ["member", "via", "created_at", "last_seen_at", "expires_at", "revoked_at"]
    list_filter = ["via"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    exclude = ["id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignInCode)
class SignInCodeAdmin(admin.ModelAdmin):
    list_display = ["phone", "created_at", "attempts", "used_at", "locked_until", "address"]
    search_fields = ["phone"]
    exclude = ["code_hash", "used_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
