from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render


def home(request):
    return redirect("members:list")


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
