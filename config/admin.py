from django.contrib import admin, messages
from django.contrib.admin.options import csrf_protect_m

from config.errors import LoyaltyError


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose save_model (and delete_model) call a durable service.

    The admin wraps its add/change and delete views in a transaction; our
    services own their transactions (`atomic(durable=True)`) and refuse to
    nest. The service's own transaction gives the same all-or-nothing guarantee.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)

    @csrf_protect_m
    def delete_view(self, request, object_id, extra_context=None):
        try:
            return self._delete_view(request, object_id, extra_context)
        except LoyaltyError as error:
            # A refusal the confirmation page could not foresee: say why, delete nothing.
            self.message_user(request, error.message, level=messages.ERROR)
            return self.response_post_save_change(request, None)
