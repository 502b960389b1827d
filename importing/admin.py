from django.contrib import admin

from importing.models import ColumnMapping


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    """Choices are made on the import's preview; here they can be looked up,
    or deleted so the next file with that header is read by its names."""

    list_display = ["__str__", "updated_at", "updated_by"]
    readonly_fields = ["headers", "fields", "updated_at", "updated_by"]
    exclude = ["signature"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
