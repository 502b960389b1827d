from django.contrib import admin


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose save_model calls a durable service.

    The admin wraps its add/change view in a transaction; our services own
    their transactions (`atomic(durable=True)`) and refuse to nest. The
    service's own transaction gives the same all-or-nothing guarantee.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)
