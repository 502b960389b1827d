"""The staff side of the member pages (/members/pages/): the owner's
settings and join poster, and a member's page link and sign-out."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.roles import owner_required, staff_required
from members.models import Member
from members.services import sign_out_everywhere
from portal import services
from portal.forms import PortalSettingsForm
from portal.models import PortalSettings


@owner_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    current = PortalSettings.current()
    form = PortalSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("portal_staff:settings")
    return render(
        request,
        "portal/staff/settings.html",
        {"form": form, "join_url": request.build_absolute_uri(reverse("portal_join:join"))},
        status=400 if form.errors else 200,
    )


@owner_required
@require_GET
def poster_view(request):
    """A printable A4 poster with the shop's join QR code."""
    return render(
        request,
        "portal/staff/poster.html",
        {"join_url": request.build_absolute_uri(reverse("portal_join:join"))},
    )


@staff_required
@require_POST
def send_link_view(request, pk):
    member = get_object_or_404(Member, pk=pk)
    sent = services.send_member_link(member=member)
    if sent:
        messages.success(
            request,
            _("The link to their page is on its way to %(name)s.") % {"name": member.name},
        )
    else:
        messages.error(request, _("There is no active message template to send the link."))
    return redirect("members:detail", pk=member.pk)


@owner_required
@require_POST
def sign_out_view(request, pk):
    member = get_object_or_404(Member, pk=pk)
    sign_out_everywhere(member=member, by=request.user)
    messages.success(
        request,
        _("%(name)s is signed out of their pages on every phone; earlier links no longer work.")
        % {"name": member.name},
    )
    return redirect("members:detail", pk=member.pk)
