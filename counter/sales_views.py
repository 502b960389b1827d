"""The sales page: every sale the user may see, its receipt to reprint, and a
refund in full or in part from there (counter.services.refund_sale)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.errors import LoyaltyError
from config.roles import staff_required
from counter import selectors
from counter import services as counter_services
from counter.forms import RefundForm, SalesFilterForm
from points.models import Purchase
from stores.devices import device_store
from stores.selectors import has_many_stores, stores_for

PAGE_SIZE = 50


@staff_required
@require_GET
def sales_view(request):
    # A single shop has no store filter or column.
    many = has_many_stores()
    form = SalesFilterForm(
        request.GET or None,
        cashiers=selectors.cashiers(),
        stores=stores_for(request.user) if many else None,
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sales = selectors.sales_history(user=request.user, **filters)
    page = Paginator(sales, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "show_stores": many}
    return render(request, "counter/sales.html", context)


def _sale_or_404(request, pk):
    """The sale for this user, under the receipt's rule (NotYours is the 403 page)."""
    try:
        return selectors.sale_for_receipt(pk, user=request.user)
    except Purchase.DoesNotExist:
        raise Http404 from None


def _detail(request, sale, refund_form=None, status=200):
    refusal = selectors.refund_refusal(sale, user=request.user)
    refunds = selectors.sale_refunds(sale)
    # A sale paid only with points refunds once, with no money.
    open_to_refund = selectors.refundable_left(sale) > 0 or (
        sale.amount_paid <= 0 and sale.points_redeemed and not refunds
    )
    context = {
        "sale": sale,
        "refunds": refunds,
        "refundable_left": selectors.refundable_left(sale),
        "refund_refusal": refusal if open_to_refund else None,
        "refund_form": (refund_form or RefundForm()) if open_to_refund and not refusal else None,
    }
    return render(request, "counter/sale_detail.html", context, status=status)


@staff_required
@require_GET
def sale_detail_view(request, pk):
    return _detail(request, _sale_or_404(request, pk))


@staff_required
@require_POST
def sale_refund_view(request, pk):
    sale = _sale_or_404(request, pk)
    form = RefundForm(request.POST)
    device = device_store(request)
    if form.is_valid():
        try:
            refund = counter_services.refund_sale(
                purchase=sale,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                by=request.user,
                # Recorded at the store this device works for.
                store=device.store_id,
            )
        except LoyaltyError as error:
            form.add_error("amount" if error.field == "amount" else None, error.message)
        else:
            messages.success(
                request,
                _("Refund of sale #%(id)s recorded.") % {"id": sale.pk},
            )
            return device.apply(redirect("counter:sale_detail", pk=refund.purchase_id))
    return device.apply(_detail(request, sale, refund_form=form, status=400))
