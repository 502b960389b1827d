from django.contrib.auth.decorators import login_not_required
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
        return redirect(_first_page("dashboard:index", "points:counter"))
    return redirect(_first_page("points:counter"))


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
