"""Joining by QR (/join/): phone, the code sent to it, name. The shop's
poster carries this page's QR; a member's referral link adds ?ref=CODE."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.errors import LoyaltyError
from portal import services
from portal.access import client_address, public_page, sign_in
from portal.forms import JoinForm, PhoneForm, new_key
from portal.links import referrer_for_code
from portal.models import MemberSession, PortalSettings

JOIN_PHONE = "member_join_phone"
JOIN_REFERRAL = "member_join_referral"


def _closed(request):
    return render(request, "portal/join_closed.html", status=403)


@public_page
@require_http_methods(["GET", "POST"])
def join_view(request):
    """Step 1: the phone. A phone already a member is sent to sign in."""
    if not PortalSettings.current().join_open:
        return _closed(request)
    if request.GET.get("ref"):
        request.session[JOIN_REFERRAL] = request.GET["ref"][:20]
    form = PhoneForm(request.POST or None)
    member_phone = None
    if request.method == "POST" and form.is_valid():
        try:
            phone = services.clean_phone(form.cleaned_data["phone"])
            if services.member_for_phone(phone) is not None:
                member_phone = form.cleaned_data["phone"]
                raise LoyaltyError(
                    _("This phone is already a member. Sign in instead."),
                    field="phone",
                    code="already_member",
                )
            services.send_sign_in_code(
                phone=phone, address=client_address(request), language=request.LANGUAGE_CODE
            )
        except LoyaltyError as error:
            form.add_error("phone", error.message)
        else:
            request.session[JOIN_PHONE] = phone
            return redirect("portal_join:details")
    return render(
        request,
        "portal/join.html",
        {"form": form, "member_phone": member_phone},
        status=400 if form.errors else 200,
    )


@public_page
@require_http_methods(["GET", "POST"])
def join_details_view(request):
    """Step 2: the code, the name and the optional details. Each form carries
    its own key: sent twice (a double tap), it creates one member."""
    if not PortalSettings.current().join_open:
        return _closed(request)
    phone = request.POST.get("phone") or request.session.get(JOIN_PHONE)
    if not phone:
        return redirect("portal_join:join")
    form = JoinForm(
        request.POST or None,
        initial={
            "phone": phone,
            "key": new_key(),
            "referral": request.session.get(JOIN_REFERRAL, ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referrer = None
            if data["referral"]:
                referrer = referrer_for_code(data["referral"])
                if referrer is None:
                    raise LoyaltyError(
                        _("No member has this referral code: check it, or leave it empty."),
                        field="referral",
                        code="referral_unknown",
                    )
            member, created = services.join(
                phone=data["phone"],
                code=data["code"],
                name=data["name"],
                email=data["email"],
                birthday=data["birthday"],
                referrer=referrer,
                key=data["key"],
            )
        except LoyaltyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            sign_in(request, member=member, via=MemberSession.Via.JOIN)
            if created:
                messages.success(
                    request,
                    _("Welcome, %(name)s! You are member %(number)s.")
                    % {"name": member.name, "number": member.member_number},
                )
            return redirect(reverse("portal:home"))
    return render(
        request,
        "portal/join_details.html",
        {"form": form, "phone": phone},
        status=400 if form.errors else 200,
    )
