"""The admin's pages for what the dashboard owns: the lifecycle day counts
(saved through reports.services, like the dashboard's settings page) and the
record of every change to the rules, read-only."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from config.admin import ServiceAdmin
from config.errors import LoyaltyError
from config.models import SettingsChange
from members.models import LifecycleRules
from reports import changes, services


class LifecycleRulesAdminForm(forms.ModelForm):
    class Meta:
        model = LifecycleRules
        fields = list(services.LIFECYCLE_FIELDS)

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.check_lifecycle_rules(**data)
            except LoyaltyError as error:
                self.add_error(error.field, error.message)
        return data


@admin.register(LifecycleRules)
class LifecycleRulesAdmin(ServiceAdmin):
    form = LifecycleRulesAdminForm
    list_display = ["__str__", "new_days", "active_days", "churned_days"]

    def has_add_permission(self, request):
        return not LifecycleRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # One door: recorded, and the dashboard's snapshots made stale.
        data = {name: form.cleaned_data[name] for name in services.LIFECYCLE_FIELDS}
        rules = services.update_lifecycle_rules(by=request.user, **data)
        obj.pk = rules.pk


class _ChangesInWords(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # One query per kind of linked row for the whole page, not per line.
        for row in changes.change_rows(self.result_list):
            row.change.in_words = row


class AreaFilter(admin.SimpleListFilter):
    title = _("What")
    parameter_name = "what"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _models) in changes.AREAS.items()]

    def queryset(self, request, queryset):
        area = changes.AREAS.get(self.value())
        return queryset.filter(model__in=area[1]) if area else queryset


@admin.register(SettingsChange)
class SettingsChangeAdmin(admin.ModelAdmin):
    """Who changed which rule, when, from what to what; written by the services only."""

    list_display = ["at", "what", "subject", "changes_in_words", "by"]
    list_filter = [AreaFilter, "action", "at"]
    search_fields = ["object_label", "by__username"]
    list_select_related = ["by"]
    date_hierarchy = "at"
    fields = ["at", "by", "what", "subject", "action", "changes_in_words", "changes"]
    readonly_fields = fields
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return _ChangesInWords

    def _in_words(self, obj):
        if not hasattr(obj, "in_words"):
            obj.in_words = changes.change_rows([obj])[0]
        return obj.in_words

    @admin.display(description=_("What"))
    def what(self, obj):
        return self._in_words(obj).area

    @admin.display(description=_("Name"))
    def subject(self, obj):
        return self._in_words(obj).subject

    @admin.display(description=_("Changes"))
    def changes_in_words(self, obj):
        return format_html_join(
            "", "<div>{}</div>", ((text,) for text in self._in_words(obj).texts)
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
