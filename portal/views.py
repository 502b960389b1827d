"""The members' own pages (/my/): sign in, card, programme, rewards, history, profile.

No view takes a member's id or number from its address: `member_required`
puts the signed-in member on the request, and everything shown is theirs.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.clock import shop_today
from config.errors import LoyaltyError
from config.shop import shop_settings
from members.services import sign_out_everywhere
from portal import exporting, selectors, services
from portal.access import (
    client_address,
    current_session,
    member_required,
    public_page,
    sign_in,
    sign_out,
)
from portal.forms import CodeForm, PhoneForm, ProfileForm, RedeemForm, new_key
from portal.links import LinkRefused, read_link_token, referral_code
from portal.models import MemberSession, PortalSettings
from rewards.models import Reward
from rewards.selectors import catalogue_for_member, group_catalogue
from rewards.services import redeem_reward
from stores.selectors import active_stores, has_many_stores

LEDGER_PAGE_SIZE = 25
SIGN_IN_PHONE = "member_sign_in_phone"


def _field_error(form, error: LoyaltyError):
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _next_page(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/my/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return reverse("portal:home")


# Getting in -------------------------------------------------------------------------


@public_page
@require_GET
def link_view(request, token):
    """A receipt's QR code or a message's link: signs this phone in."""
    days = PortalSettings.current().sign_in_days
    try:
        holder = read_link_token(token, max_age_days=days)
    except LinkRefused as refused:
        return _link_refused(request, expired=refused.expired)
    member = services.member_for_id(holder.member_id)
    if member is None or member.signin_generation != holder.generation:
        return _link_refused(request, expired=False)
    sign_in(request, member=member, via=MemberSession.Via.LINK)
    return redirect("portal:home")


def _link_refused(request, *, expired):
    return render(
        request,
        "portal/link_refused.html",
        {"expired": expired, "form": PhoneForm()},
        status=400,
    )


@public_page
@require_http_methods(["GET", "POST"])
def sign_in_view(request):
    """Step 1 of signing in by code: the phone number."""
    if request.method == "GET" and current_session(request) is not None:
        return redirect("portal:home")
    form = PhoneForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    not_member = False
    if request.method == "POST" and form.is_valid():
        try:
            phone = services.clean_phone(form.cleaned_data["phone"])
            member = services.member_for_phone(phone)
            if member is None:
                not_member = True
                raise LoyaltyError(
                    _("No member has this phone number."), field="phone", code="not_member"
                )
            services.send_sign_in_code(phone=phone, member=member, address=client_address(request))
        except LoyaltyError as error:
            _field_error(form, error)
        else:
            request.session[SIGN_IN_PHONE] = phone
            url = reverse("portal:sign_in_code")
            nxt = request.POST.get("next", "")
            return redirect(f"{url}?next={nxt}" if nxt.startswith("/my/") else url)
    return render(
        request,
        "portal/sign_in.html",
        {
            "form": form,
            "not_member": not_member,
            "join_open": PortalSettings.current().join_open,
            "next": request.GET.get("next", "") or request.POST.get("next", ""),
        },
        status=400 if form.errors else 200,
    )


@public_page
@require_http_methods(["GET", "POST"])
def sign_in_code_view(request):
    """Step 2: the code from the SMS."""
    phone = request.POST.get("phone") or request.session.get(SIGN_IN_PHONE)
    if not phone:
        return redirect("portal:sign_in")
    form = CodeForm(request.POST or None, initial={"phone": phone, "key": new_key()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.check_sign_in_code(phone=data["phone"], code=data["code"], key=data["key"])
            member = services.member_for_phone(data["phone"])
            if member is None:
                raise LoyaltyError(_("No member has this phone number."), code="not_member")
        except LoyaltyError as error:
            _field_error(form, error)
        else:
            sign_in(request, member=member, via=MemberSession.Via.CODE)
            return redirect(_next_page(request))
    return render(
        request,
        "portal/sign_in_code.html",
        {"form": form, "phone": phone, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def sign_out_view(request):
    sign_out(request)
    messages.success(request, _("You are signed out on this phone."))
    return redirect("portal:sign_in")


@member_required
@require_POST
def sign_out_everywhere_view(request):
    sign_out_everywhere(member=request.member)
    request.session.flush()
    messages.success(
        request,
        _("You are signed out on every phone, and earlier links no longer work."),
    )
    return redirect("portal:sign_in")


# The member's pages -------------------------------------------------------------------


def _page(request, template, context=None, status=200):
    member = request.member
    return render(
        request,
        template,
        {"member": member, "tier": member.tier, **(context or {})},
        status=status,
    )


@member_required
@require_GET
def home_view(request):
    """The card: the codes the counter scans, the tier, the balance, the next step."""
    member = request.member
    campaigns = selectors.member_campaigns(member)
    today = shop_today()
    return _page(
        request,
        "portal/home.html",
        {
            "standing": selectors.standing(member, today=today),
            "today_campaigns": campaigns[0][1] if campaigns and campaigns[0][0] == today else [],
            "referral_url": request.build_absolute_uri(
                reverse("portal_join:join") + "?ref=" + referral_code(member)
            ),
            "section": "home",
        },
    )


@member_required
@require_GET
def programme_view(request):
    """The tier, its benefits, progress, grace, points expiring, campaigns."""
    member = request.member
    return _page(
        request,
        "portal/programme.html",
        {
            "standing": selectors.standing(member),
            "campaign_days": selectors.member_campaigns(member),
            "ladder": selectors.ladder(),
            "today": shop_today(),
            "section": "programme",
        },
    )


@member_required
@require_GET
def history_view(request):
    member = request.member
    page = Paginator(selectors.points_history(member), LEDGER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _page(
        request,
        "portal/history.html",
        {
            "sales": selectors.recent_sales(member),
            "entries": page,
            "redemptions": selectors.redemptions(member),
            "section": "history",
        },
    )


# Rewards -------------------------------------------------------------------------------


@member_required
@require_GET
def rewards_view(request):
    items = catalogue_for_member(member=request.member)
    return _page(
        request,
        "portal/rewards.html",
        {"groups": group_catalogue(items), "section": "rewards"},
    )


def _catalogue_item(member, pk):
    for item in catalogue_for_member(member=member):
        if item.reward.pk == pk:
            return item
    raise Http404


@member_required
@require_http_methods(["GET", "POST"])
def reward_view(request, pk):
    """One reward, and redeeming it: the counter's service, stock, limits
    and idempotency (each form carries its own key)."""
    member = request.member
    item = _catalogue_item(member, pk)
    # In a chain the member says where they will collect goods.
    collect = item.reward.kind == "goods" and has_many_stores()
    form = RedeemForm(
        request.POST or None,
        initial={"key": new_key()},
        stores=active_stores() if collect else None,
    )
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            redemption = redeem_reward(
                member=member,
                reward=item.reward,
                idempotency_key=f"member-page:{form.cleaned_data['key']}",
                store=form.cleaned_data.get("store"),
            )
        except LoyaltyError as refusal:
            error = refusal.message
        else:
            if item.reward.is_coupon:
                messages.success(
                    request,
                    _("“%(reward)s” is yours: show the coupon's code at the counter.")
                    % {"reward": item.reward.display_name},
                )
                return redirect("portal:coupons")
            messages.success(
                request,
                _("“%(reward)s” is yours: collect it at the counter.")
                % {"reward": item.reward.display_name},
            )
            return redirect(reverse("portal:coupons") + f"#redemption-{redemption.pk}")
    if request.method == "POST" and error is None and form.errors:
        error = _("The form was incomplete: try again.")
    return _page(
        request,
        "portal/reward.html",
        {"item": item, "form": form, "error": error, "section": "rewards"},
        status=400 if error else 200,
    )


@member_required
@require_GET
def reward_image_view(request, pk):
    reward = get_object_or_404(Reward, pk=pk, is_active=True)
    if not reward.image:
        raise Http404
    try:
        return FileResponse(reward.image.open("rb"))
    except FileNotFoundError:
        raise Http404 from None


@member_required
@require_GET
def coupons_view(request):
    member = request.member
    return _page(
        request,
        "portal/coupons.html",
        {
            "coupons": selectors.coupons(member),
            "waiting": selectors.waiting_for_hand_over(member),
            "section": "rewards",
        },
    )


# The profile ---------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def profile_view(request):
    member = request.member
    initial = {
        "name": member.name,
        "email": member.email,
        "birthday": member.birthday,
        "sms": not (member.messages_opt_out or member.sms_opt_out),
        "email_messages": not (member.messages_opt_out or member.email_opt_out),
        "language": member.language,
    }
    form = ProfileForm(
        request.POST or None, initial=initial, birthday_locked=member.birthday is not None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_profile(
                member=member,
                name=data["name"],
                email=data["email"],
                birthday=None if member.birthday else data["birthday"],
                sms=data["sms"],
                email_messages=data["email_messages"],
                language=data["language"],
            )
        except LoyaltyError as error:
            _field_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:profile")
    return _page(
        request,
        "portal/profile.html",
        {
            "form": form,
            "phones": selectors.signed_in_phones(member),
            "this_session": request.member_session,
            "referral_code": referral_code(member),
            "referral_url": request.build_absolute_uri(
                reverse("portal_join:join") + "?ref=" + referral_code(member)
            ),
            "section": "profile",
        },
        status=400 if form.errors else 200,
    )


@member_required
@require_GET
def data_view(request):
    """Everything the programme holds about the member, as one CSV file."""
    member = request.member
    response = StreamingHttpResponse(
        exporting.member_data_rows(member), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="my-data-{shop_today().isoformat()}.csv"'
    )
    return response


# Add to home screen ---------------------------------------------------------------------


@public_page
@require_GET
def manifest_view(request):
    name = shop_settings().name
    return JsonResponse(
        {
            "name": name,
            "short_name": name[:12],
            "start_url": reverse("portal:home"),
            "scope": reverse("portal:home"),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1b4d89",
            "icons": [
                {"src": static("portal/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("portal/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
