from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from config.roles import is_owner


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


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def admin_login(request):
    """The admin's log-in form, except for a signed-in user it would not let in
    (counter staff): they get the owner-only 403 page, not a second log-in."""
    if request.user.is_authenticated and not admin.site.has_permission(request):
        raise PermissionDenied
    return admin.site.login(request)
