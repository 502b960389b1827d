"""The counter: find a member, show the card, record a sale, print a receipt.

One page; each step answers htmx with a partial and a plain request with the
whole page, so the counter still works when JavaScript does not.
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.errors import LoyaltyError
from config.roles import staff_required
from counter import selectors
from counter import services as counter_services
from counter.forms import CounterEnrolForm, FindForm, SaleForm
from loyalty.sale import record_purchase
from members.models import Member
from members.phones import try_normalize_phone
from members.services import enrol_member
from points.models import Purchase
from rewards.forms import RedeemForm
from rewards.models import Reward
from rewards.services import redeem_reward
from stores.devices import device_store
from stores.models import Store
from stores.selectors import has_many_stores

PAGE = "counter/counter.html"
SALE_RECORDED = "counter-sale-recorded"


def at_device_store(view):
    """The view learns the store this device records at (request.device_store,
    remembered per device: stores.devices) and the response remembers it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.device_store = device_store(request)
        return request.device_store.apply(view(request, *args, **kwargs))

    return wrapper


def _store_id(request):
    """The device's store for a write, or a refusal when it has not chosen one."""
    return request.device_store.for_write()


def _page_context(request, partial=None):
    find_form = FindForm()
    if partial:
        # The step shown below wants the cursor (the amount, a name to enrol).
        find_form.fields["q"].widget.attrs.pop("autofocus", None)
    return {
        "find_form": find_form,
        "partial": partial,
        "recent_sales": selectors.recent_sales(user=request.user),
    }


def _render(request, partial, context, status=200):
    """The partial for htmx, the whole counter page around it otherwise."""
    if request.htmx:
        return render(request, partial, context, status=status)
    return render(request, PAGE, {**_page_context(request, partial), **context}, status=status)


def _form_error(form, error: LoyaltyError):
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return getattr(error, "existing_member", None)


def _member_or_404(pk):
    try:
        return selectors.counter_member(pk)
    except Member.DoesNotExist:
        raise Http404 from None


def _card_context(member, sale_form=None):
    sale_form = sale_form or SaleForm()
    return {"card": selectors.member_card(member), "sale_form": sale_form}


@staff_required
@require_GET
def counter_view(request):
    device = device_store(request, check=True)
    if device.must_choose:
        return redirect(f"{reverse('stores:choose')}?next={reverse('counter:index')}")
    context = _page_context(request)
    if device.store_id is not None and has_many_stores():
        # A single shop never sees which store it is (it has only one).
        context["counter_store"] = Store.objects.filter(pk=device.store_id).first()
        context["may_change_store"] = device.choices > 1
    return device.apply(render(request, PAGE, context))


@staff_required
@require_GET
def find_view(request):
    form = FindForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if not query:
        if request.htmx:
            return render(request, "counter/_empty.html")
        return redirect("counter:index")
    found = selectors.find_members(query)
    if found.member:
        return _render(request, "counter/_card.html", _card_context(found.member))
    if found.matches:
        return _render(request, "counter/_pick_list.html", {"found": found})
    phone = try_normalize_phone(query)
    enrol_form = CounterEnrolForm(prefix="enrol", initial={"phone": phone or ""})
    context = {"found": found, "enrol_form": enrol_form.focus_first_gap()}
    return _render(request, "counter/_enrol.html", context)


@staff_required
@require_GET
def card_view(request, pk):
    member = _member_or_404(pk)
    return _render(request, "counter/_card.html", _card_context(member))


@staff_required
@require_POST
@at_device_store
def enrol_view(request):
    form = CounterEnrolForm(request.POST, prefix="enrol")
    existing = None
    if form.is_valid():
        try:
            member = enrol_member(
                phone=form.cleaned_data["phone"],
                name=form.cleaned_data["name"],
                by=request.user,
                store=_store_id(request),
            )
        except LoyaltyError as error:
            existing = _form_error(form, error)
        else:
            member = selectors.counter_member(member.pk)
            context = {**_card_context(member), "just_enrolled": True}
            return _render(request, "counter/_card.html", context)
    context = {"enrol_form": form.focus_first_gap(), "existing": existing}
    return _render(request, "counter/_enrol.html", context, status=400)


@staff_required
@require_GET
def receipt_view(request, pk):
    try:
        sale = selectors.sale_for_receipt(pk, user=request.user)
    except Purchase.DoesNotExist:
        raise Http404 from None
    return render(request, "counter/receipt.html", {"sale": sale})


@staff_required
@require_GET
def quote_view(request, pk):
    """The live preview under the sale form; refusals show next to their field."""
    use_max = bool(request.GET.get("use_max"))
    if not request.GET.get("amount", "").strip():
        _member_or_404(pk)
        # Nothing typed yet (or cleared): no preview and no complaint.
        return render(request, "counter/_quote.html", {"sale_form": SaleForm()})
    form = SaleForm(request.GET)
    form.fields["idempotency_key"].required = False
    context = {"sale_form": form}
    if not form.is_valid():
        _member_or_404(pk)
    else:
        data = form.cleaned_data
        terms = {
            "member": pk,
            "amount": data["amount"],
            "wholesale": data["wholesale"],
            "coupon_code": data["coupon"],
            # The campaigns of this device's store (remembered: no query).
            "store": device_store(request).store_id,
        }
        try:
            # The quote reads the member itself: no read before it.
            context["quote"] = selectors.quote_sale(
                points_to_redeem=data["points_to_redeem"], use_max=use_max, **terms
            )
        except Member.DoesNotExist:
            raise Http404 from None
        except LoyaltyError as error:
            _form_error(form, error)
            if error.field == "points_to_redeem":
                # The bill stands without those points: show it, the field says why.
                context["quote"] = selectors.quote_sale(points_to_redeem=0, **terms)
    response_keeps_last_quote = "quote" not in context and form.errors
    context["keeps_last_quote"] = response_keeps_last_quote
    if use_max and "quote" in context:
        # Put the figure in the points field too, with the cursor there: Enter confirms.
        points_form = SaleForm(initial={"points_to_redeem": context["quote"].points_to_redeem})
        points_form.fields["points_to_redeem"].widget.attrs["autofocus"] = True
        context.update(points_form=points_form)
    if "quote" in context:
        context["points_hint"] = selectors.points_hint(context["quote"])
    response = render(request, "counter/_quote.html", context)
    if response_keeps_last_quote:
        # No figures to show for what is typed: the last quote stays on screen
        # (only the field errors, out of band, change).
        response["HX-Reswap"] = "none"
    return response


@staff_required
@require_POST
@at_device_store
def sale_view(request, pk):
    form = SaleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            # The service locks and loads the member itself: no read before it.
            sale = record_purchase(
                member=pk,
                amount=data["amount"],
                points_to_redeem=data["points_to_redeem"],
                wholesale=data["wholesale"],
                coupon_code=data["coupon"],
                idempotency_key=data["idempotency_key"],
                by=request.user,
                store=_store_id(request),
            )
        except Member.DoesNotExist:
            raise Http404 from None
        except LoyaltyError as error:
            _form_error(form, error)
        else:
            if not request.htmx:
                return redirect("counter:receipt", pk=sale.pk)
            context = {"sale": selectors.receipt(sale)}
            response = render(request, "counter/_sale_done.html", context)
            # The recent-sales list reloads itself on this event (recent_view):
            # the receipt comes back sooner, and confirm keeps its query budget.
            response["HX-Trigger"] = SALE_RECORDED
            return response
    member = _member_or_404(pk)
    context = _card_context(member, form.focus_first_error())
    return _render(request, "counter/_card.html", context, status=400)


@staff_required
@require_GET
def rewards_view(request, pk):
    """The card's rewards panel: what the member can redeem now, one button each."""
    member = _member_or_404(pk)
    context = {
        "member": member,
        "rewards": selectors.redeemable_rewards(member, store_id=device_store(request).store_id),
        "redeem_key": RedeemForm.new_key(),
    }
    return render(request, "counter/_rewards.html", context)


@staff_required
@require_POST
@at_device_store
def redeem_view(request, pk):
    """Redeem one reward from the card; the card comes back with the new balance.

    The key comes from the panel, so a double click or a retry redeems once."""
    member = _member_or_404(pk)
    form = RedeemForm(request.POST)
    context = {}
    if not form.is_valid():
        context["redeem_error"] = _("Choose the reward again: the form was incomplete.")
    else:
        reward = get_object_or_404(Reward, pk=form.cleaned_data["reward"])
        try:
            context["redeemed"] = redeem_reward(
                member=member,
                reward=reward,
                quantity=form.cleaned_data["quantity"],
                idempotency_key=f"counter-redeem:{form.cleaned_data['idempotency_key']}",
                by=request.user,
                store=_store_id(request),
            )
        except LoyaltyError as error:
            context["redeem_error"] = error.message
    member = selectors.counter_member(member.pk)
    status = 400 if "redeem_error" in context else 200
    return _render(
        request, "counter/_card.html", {**_card_context(member), **context}, status=status
    )


@staff_required
@require_GET
def recent_view(request):
    """The recent-sales list alone, which reloads after each sale."""
    context = {"recent_sales": selectors.recent_sales(user=request.user)}
    return render(request, "counter/_recent.html", context)


@staff_required
@require_POST
@at_device_store
def undo_view(request, pk):
    """Undo a sale; the result area shows the refund and the find box is next."""
    sale = get_object_or_404(Purchase, pk=pk)
    context = {}
    try:
        refund = counter_services.undo_sale(
            purchase=sale, by=request.user, store=_store_id(request)
        )
    except LoyaltyError as error:
        context["undo_error"] = error.message
    else:
        context["undone"] = refund
        context["balance_now"] = selectors.counter_member(sale.member_id).points_balance
    context["recent_sales"] = selectors.recent_sales(user=request.user)
    status = 400 if "undo_error" in context else 200
    if request.htmx:
        return render(request, "counter/_undone.html", {**context, "oob": True}, status=status)
    page = {**_page_context(request), "partial": "counter/_undone.html", **context}
    return render(request, PAGE, page, status=status)
