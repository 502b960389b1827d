from django.contrib import admin, messages
from django.contrib.admin.options import csrf_protect_m
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config import inputs
from config.admin_site import ADMIN_IS_FOR_OWNERS
from config.errors import LoyaltyError
from config.roles import OWNER, STAFF


class BoundedAdmin(admin.ModelAdmin):
    """Dates and numbers read within the product's bounds (config.inputs):
    years 1900-2200, ASCII or full-width digits, what the column holds."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return super().formfield_for_dbfield(
            db_field, request, **{**inputs.formfield_kwargs(db_field), **kwargs}
        )


def _refused_form(form_class, refusal):
    """`form_class` whose validation ends with the service's refusal."""
    message = refusal.message if isinstance(refusal, LoyaltyError) else refusal.messages[0]
    field = getattr(refusal, "field", None)

    class Refused(form_class):
        def clean(self):
            data = super().clean()
            self.add_error(field if field in self.fields else None, message)
            return data

    return Refused


class ServiceAdmin(BoundedAdmin):
    """A ModelAdmin whose save_model (and delete_model) call a durable service.

    The admin wraps its add/change and delete views in a transaction; our
    services own their transactions (`atomic(durable=True)`) and refuse to
    nest. The service's own transaction gives the same all-or-nothing guarantee.
    A refusal from save_model (LoyaltyError, or a ValidationError) shows on
    the form, with what was typed, instead of a server error: the service
    wrote nothing, so the page is drawn again with the refusal as a form error.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return self._changeform_view(request, object_id, form_url, extra_context)
        except (LoyaltyError, ValidationError) as refusal:
            request._service_refusal = refusal
            return self._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        return _refused_form(form, refusal) if refusal is not None else form

    @csrf_protect_m
    def delete_view(self, request, object_id, extra_context=None):
        try:
            return self._delete_view(request, object_id, extra_context)
        except LoyaltyError as error:
            # A refusal the confirmation page could not foresee: say why, delete nothing.
            self.message_user(request, error.message, level=messages.ERROR)
            return self.response_post_save_change(request, None)


def _role(user):
    groups = {group.name for group in user.groups.all()}  # prefetched by the list
    if user.is_superuser or OWNER in groups:
        return _("Owner")
    if STAFF in groups:
        return _("Staff")
    return "–"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class LoyaltyUserAdmin(UserAdmin):
    """Django's user admin, saying what decides who opens the admin: the
    role (group), not "staff status"."""

    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_superuser"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("role"))
    def role(self, user):
        return _role(user)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "is_staff" in form.base_fields:
            form.base_fields["is_staff"].help_text = ADMIN_IS_FOR_OWNERS
        if "groups" in form.base_fields:
            form.base_fields["groups"].help_text = _(
                "Owner: the whole programme, the dashboard and this admin. "
                "Staff: the counter and the member pages."
            )
        return form
