from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config import shop
from config.errors import NotYours
from config.forms import ShopSettingsForm
from config.roles import is_owner, owner_required


def _first_page(*names):
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return reverse("members:list")


def home(request):
    """Staff start at the counter, owners at the dashboard."""
    if is_owner(request.user):
        return redirect(_first_page("dashboard:index", "counter:index"))
    return redirect(_first_page("counter:index"))


@owner_required
@require_http_methods(["GET", "POST"])
def shop_settings_view(request):
    """The owner's page for the shop's own facts (config.shop)."""
    form = ShopSettingsForm(request.POST or None, current=shop.shop_settings())
    if request.method == "POST" and form.is_valid():
        shop.save_shop_settings(by=request.user, **form.cleaned_data)
        messages.success(request, _("Shop settings saved."))
        return redirect("shop_settings")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "time_zone": settings.TIME_ZONE}
    return render(request, "config/shop_settings.html", context, status=status)


@login_not_required
def permission_denied(request, exception=None):
    # A refusal that says why (config.errors.NotYours) shows its reason;
    # any other means an owner's page.
    reason = getattr(exception, "message", None) if isinstance(exception, NotYours) else None
    return render(request, "403.html", {"reason": reason}, status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request):
    """The 500 page, in the reader's language (the language cookie or the
    browser's Accept-Language). It reads no database: the fault may be the
    database itself, so no session, user or shop settings row is touched
    (the shop's name is this process's copy of the settings, if any)."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        body = loader.get_template("500.html").render(
            {"shop_name": shop.shop_name_from_memory(), "language": translation.get_language()}
        )
    return HttpResponseServerError(body)


@login_not_required
def admin_login(request):
    """The admin's log-in form, except for a signed-in user it would not let in
    (counter staff): they get the owner-only 403 page, not a second log-in."""
    if request.user.is_authenticated and not admin.site.has_permission(request):
        raise PermissionDenied
    return admin.site.login(request)
