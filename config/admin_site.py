"""The Django admin for owners only: its site and its log-in form
(installed by config.admin_app.LoyaltyAdminConfig)."""

from functools import update_wrapper

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from config.roles import is_owner

ADMIN_IS_FOR_OWNERS = _(
    "The admin opens only for owners (the Owner group), whatever this box says: "
    "counter staff with it ticked are still refused."
)


class OwnerAuthenticationForm(AdminAuthenticationForm):
    """The admin's log-in: a correct password lets in owners only (the role,
    not Django's "staff status" flag)."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)
        if not is_owner(user):
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class OwnerAdminSite(admin.AdminSite):
    """The Django admin, for owners only.

    Django lets in anyone whose "staff status" is ticked; here the role
    decides (config.roles.is_owner), so a Staff-group user with the box
    ticked, or with model permissions such as change_member, gets the 403
    page on every admin address instead of the forms behind it.
    """

    login_form = OwnerAuthenticationForm
    site_header = _("Loyalty Desk admin")
    site_title = _("Loyalty Desk admin")

    def has_permission(self, request):
        return request.user.is_active and is_owner(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def owners_only(request, *args, **kwargs):
            # Signed in but not an owner: refused outright, not sent to the
            # admin's log-in form (which would invite a second log-in).
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(owners_only, inner)
