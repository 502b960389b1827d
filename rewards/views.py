from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import LoyaltyError
from config.roles import owner_required, staff_required
from members.models import Member
from members.selectors import get_member
from rewards import selectors, services
from rewards.filters import RedemptionFilter
from rewards.forms import CancelForm, RedeemForm, RewardForm, StoreStockForm
from rewards.models import Reward, RewardRedemption, RewardStock
from stores.devices import device_store
from stores.selectors import active_stores, has_many_stores, stores_for, visible_store_ids

PAGE_SIZE = 50


def _back(request, fallback):
    """Where a fulfil/cancel button came from, if it is one of our pages."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


# The owner's catalogue -----------------------------------------------------------


@owner_required
@require_GET
def reward_list_view(request):
    context = {"rewards": selectors.owner_catalogue(), "many_stores": has_many_stores()}
    return render(request, "rewards/reward_list.html", context)


def _reward_form_page(request, reward):
    form = RewardForm(request.POST or None, request.FILES or None, instance=reward)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_reward(
                reward=form.save(commit=False),
                by=request.user,
                stock_seen=form.cleaned_data["stock_seen"],
            )
        except LoyaltyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("“%(reward)s” is saved.") % {"reward": saved.display_name})
            return redirect("rewards:list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "rewards/reward_form.html", {"form": form, "reward": reward}, status=status
    )


@owner_required
@require_http_methods(["GET", "POST"])
def reward_create_view(request):
    return _reward_form_page(request, Reward())


@owner_required
@require_http_methods(["GET", "POST"])
def reward_edit_view(request, pk):
    return _reward_form_page(request, get_object_or_404(Reward, pk=pk))


@staff_required
@require_GET
def reward_image_view(request, pk):
    """Served through Django so reward pictures need no separate media server."""
    reward = get_object_or_404(Reward, pk=pk)
    if not reward.image:
        raise Http404
    try:
        return FileResponse(reward.image.open("rb"))
    except FileNotFoundError:
        raise Http404 from None


# The catalogue for one member, at the counter -----------------------------------------


def _catalogue_page(request, member, *, form=None, error=None, status=200):
    items = selectors.catalogue_for_member(member=member, store_id=device_store(request).store_id)
    return render(
        request,
        "rewards/member_catalogue.html",
        {
            "member": member,
            "groups": selectors.group_catalogue(items),
            "redeem_key": RedeemForm.new_key(),
            "form": form,
            "error": error,
        },
        status=status,
    )


@staff_required
@require_GET
def member_catalogue_view(request, pk):
    try:
        member = get_member(pk)
    except Member.DoesNotExist:
        raise Http404 from None
    return _catalogue_page(request, member)


@staff_required
@require_POST
def redeem_view(request, pk):
    member = get_object_or_404(Member, pk=pk)
    form = RedeemForm(request.POST)
    if not form.is_valid():
        return _catalogue_page(request, get_member(pk), form=form, status=400)
    reward = get_object_or_404(Reward, pk=form.cleaned_data["reward"])
    device = device_store(request)
    try:
        redemption = services.redeem_reward(
            member=member,
            reward=reward,
            quantity=form.cleaned_data["quantity"],
            idempotency_key=f"redeem-form:{form.cleaned_data['idempotency_key']}",
            by=request.user,
            store=device.for_write(),
        )
    except LoyaltyError as error:
        page = _catalogue_page(request, get_member(pk), form=form, error=error, status=400)
        return device.apply(page)
    messages.success(
        request,
        _("%(member)s redeemed %(quantity)d × “%(reward)s” for %(points)d points.")
        % {
            "member": member.name,
            "quantity": redemption.quantity,
            "reward": reward.display_name,
            "points": redemption.points_spent,
        },
    )
    return device.apply(redirect("rewards:member_catalogue", pk=member.pk))


# Redemptions ---------------------------------------------------------------------


@staff_required
@require_GET
def redemption_list_view(request):
    visible = selectors.redemption_list(stores=visible_store_ids(request.user))
    many = has_many_stores()
    redemption_filter = RedemptionFilter(
        request.GET or None, queryset=visible, stores=stores_for(request.user) if many else None
    )
    queryset = redemption_filter.qs if redemption_filter.is_bound else visible
    page = Paginator(queryset.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rewards/redemption_list.html",
        {
            "filter": redemption_filter,
            "page": page,
            "query": query.urlencode(),
            "cancel_form": CancelForm(),
            "show_stores": many,
        },
    )


@staff_required
@require_POST
def fulfil_view(request, pk):
    redemption = get_object_or_404(RewardRedemption, pk=pk)
    try:
        services.fulfil_redemption(redemption=redemption, by=request.user)
    except LoyaltyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as handed over."))
    return _back(request, "rewards:redemptions")


@staff_required
@require_POST
def cancel_view(request, pk):
    redemption = get_object_or_404(RewardRedemption, pk=pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if redemption.status == RewardRedemption.Status.CANCELLED:
        messages.info(request, _("This redemption was already cancelled; nothing changed."))
        return _back(request, "rewards:redemptions")
    try:
        cancelled = services.cancel_redemption(
            redemption=redemption, by=request.user, reason=reason
        )
    except LoyaltyError as error:
        messages.error(request, error.message)
        return _back(request, "rewards:redemptions")
    if cancelled.points_spent:
        messages.success(
            request,
            _("Cancelled: %(points)d points returned to %(member)s.")
            % {"points": cancelled.points_spent, "member": cancelled.member.name},
        )
    else:
        messages.success(request, _("Redemption cancelled."))
    return _back(request, "rewards:redemptions")


@owner_required
@require_http_methods(["GET", "POST"])
def store_stock_view(request, pk):
    """How many of a goods reward each store holds (a chain)."""
    reward = get_object_or_404(Reward, pk=pk)
    current = dict(RewardStock.objects.filter(reward=reward).values_list("store_id", "quantity"))
    form = StoreStockForm(request.POST or None, stores=active_stores(), current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_store_stock(reward=reward, quantities=form.quantities(), by=request.user)
        except LoyaltyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Stock of “%(reward)s” saved.") % {"reward": reward.display_name}
            )
            return redirect("rewards:list")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "reward": reward}
    return render(request, "rewards/store_stock.html", context, status=status)
