from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config import spreadsheets
from config.clock import shop_today
from config.errors import LoyaltyError, NotYours
from config.roles import is_owner, is_store_manager, owner_required
from members.models import LifecycleRules
from reports import changes, charts, settlement
from reports import selectors as figures
from reports.export import EXPORTS
from reports.forms import (
    ChangesFilterForm,
    DashboardFilterForm,
    LifecycleRulesForm,
    SettlementForm,
)
from reports.services import dashboard_snapshot, refresh_is_interrupted, update_lifecycle_rules
from reports.snapshots import refresh_dashboard
from stores.selectors import active_stores, manages_store, stores_for


def _charts(
    *, distribution, performance, sale_tiers, flow, lifecycle, movements, campaigns, **_tables
):
    months = [f"{m.month:%Y-%m}" for m in flow.months]
    held = {row.tier.pk: row for row in performance if row.tier}
    return {
        "pyramid": charts.pyramid_chart(distribution),
        # Both groupings side by side: the tier held today, and the sale's.
        "revenue": charts.bar_chart(
            [str(row.tier) for row in sale_tiers],
            [
                (
                    _("By the tier held today (%)"),
                    [
                        _percent(held[r.tier.pk].now.revenue_share) if r.tier.pk in held else 0
                        for r in sale_tiers
                    ],
                ),
                (
                    _("By the tier of the sale (%)"),
                    [_percent(r.now.revenue_share) for r in sale_tiers],
                ),
            ],
        ),
        "points": charts.bar_chart(
            months,
            [
                (_("Issued"), [m.issued for m in flow.months]),
                (_("Redeemed"), [m.redeemed for m in flow.months]),
                (_("Expired"), [m.expired for m in flow.months]),
            ],
        ),
        "outstanding": charts.line_chart(
            months, [m.outstanding for m in flow.months], name=_("Outstanding")
        ),
        "movements": charts.bar_chart(
            [f"{m.month:%Y-%m}" for m in movements],
            [
                (_("Upgrades"), [m.upgrades for m in movements]),
                (_("Downgrades"), [m.downgrades for m in movements]),
            ],
        ),
        "lifecycle": charts.bar_chart(
            [str(stage.label) for stage in lifecycle],
            [(_("Members"), [stage.members for stage in lifecycle])],
            height=180,
        ),
    }


def _percent(value):
    return 0 if value is None else round(value * 100, 1)


def _offered_stores():
    """The stores the owner's filter offers: none while there is one (one
    query, the page's only look at the stores)."""
    stores = list(active_stores())
    return stores if len(stores) > 1 else []


def _filters(request, *, stores=None, data=None):
    """(form, period, tier, store) from the query string (or `data`); period
    is None when invalid. `stores`: those the store filter offers (default:
    the owner's, every active store of a chain)."""
    data = request.GET if data is None else data
    stores = _offered_stores() if stores is None else stores
    form = DashboardFilterForm(data or None, stores=stores)
    if data and not form.is_valid():
        return form, None, None, None
    found = form.cleaned_data if form.is_bound else {}
    return form, found.get("period") or form.default, found.get("tier"), found.get("store")


@owner_required
@require_GET
def dashboard_view(request):
    form, period, tier, store = _filters(request)
    if period is None:
        return render(request, "reports/index.html", {"form": form}, status=400)
    snapshot = dashboard_snapshot(period=period, tier=tier, store=store)
    if getattr(snapshot, "refresh_error", None):
        messages.warning(request, snapshot.refresh_error)
    found = figures.snapshot_figures(snapshot)
    context = {
        "form": form,
        "period": period,
        "tier": tier,
        "store": store,
        "snapshot": snapshot,
        "interrupted": refresh_is_interrupted(snapshot),
        "query": request.GET.urlencode(),
    }
    if found is None:  # a worker is computing the first figures for this range
        context["computing"] = True
        return render(request, "reports/index.html", context)
    # The stores compared exist only with several stores: no query of its own.
    context.update(found, charts=_charts(**found), many_stores=bool(found.get("stores")))
    return render(request, "reports/index.html", context)


@owner_required
@require_GET
def snapshot_status_view(request):
    """Polled by the page while a worker computes: reloads it when done."""
    _form, period, tier, store = _filters(request)
    if period is None:
        return HttpResponse(status=400)
    snapshot = figures.find_snapshot(period=period, tier=tier, store=store)
    response = HttpResponse(status=204)
    if snapshot is not None and (
        snapshot.refresh_queued_at is None or refresh_is_interrupted(snapshot)
    ):
        # The worker is done (show its figures) or went silent (say so).
        response["HX-Refresh"] = "true"
    return response


@owner_required
@require_POST
def refresh_view(request):
    """The owner's "Refresh now": recompute (or queue) and go back to the page."""
    form, period, tier, store = _filters(request, data=request.POST)
    if period is None or not request.POST:
        return redirect("dashboard:index")
    snapshot = dashboard_snapshot(period=period, tier=tier, store=store, refresh=True)
    if getattr(snapshot, "refresh_error", None):
        messages.error(request, snapshot.refresh_error)
    elif not settings.CELERY_TASK_ALWAYS_EAGER:
        messages.info(
            request,
            _("The figures are being computed again; the page shows them when they are ready."),
        )
    query = {key: value for key, value in request.POST.items() if key in form.fields}
    return redirect(
        f"{reverse('dashboard:index')}?{urlencode(query)}" if query else reverse("dashboard:index")
    )


@owner_required
@require_GET
def export_view(request, figure):
    export = EXPORTS.get(figure)
    if export is None:
        raise Http404
    form, period, tier, store = _filters(request)
    if period is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    # The same figures the page shows: the snapshot, computed now if there is none yet.
    found = figures.snapshot_figures(dashboard_snapshot(period=period, tier=tier, store=store))
    if found is None:
        found = figures.snapshot_figures(refresh_dashboard(period=period, tier=tier, store=store))
    header, rows = export(period=period, found=found)
    name = f"{figure}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return spreadsheets.csv_response(filename=name, header=header, rows=rows)


@owner_required
@require_http_methods(["GET", "POST"])
def lifecycle_rules_view(request):
    rules = LifecycleRules.current()
    initial = {
        "new_days": rules.new_days,
        "active_days": rules.active_days,
        "churned_days": rules.churned_days,
    }
    form = LifecycleRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_lifecycle_rules(by=request.user, **form.cleaned_data)
        except LoyaltyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Lifecycle stages saved."))
            return redirect("dashboard:index")
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/lifecycle_rules.html", {"form": form}, status=status)


CHANGES_PER_PAGE = 50


@owner_required
@require_GET
def changes_view(request):
    """Every change to the rules, newest first, in the owner's words."""
    form = ChangesFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "reports/changes.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    found = changes.settings_changes(
        area=data.get("what"), by=data.get("by"), start=data.get("start"), end=data.get("end")
    )
    page = Paginator(found, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/changes.html",
        {
            "form": form,
            "page": page,
            "rows": changes.change_rows(page.object_list),
            "query": query.urlencode(),
        },
    )


@owner_required
@require_GET
def settlement_view(request):
    """What each store owes the others for points earned in one and spent in
    another, for a range of shop days; ?format=csv downloads it."""
    form = SettlementForm(request.GET or None, today=shop_today())
    if form.is_bound and not form.is_valid():
        return render(request, "reports/settlement.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    start = data.get("start") or form.default_start
    end = data.get("end") or form.default_end
    found = settlement.settlement(start=start, end=end)
    if request.GET.get("format") == "csv":
        header, rows = settlement.csv_rows(found)
        name = f"settlement-{start:%Y%m%d}-{end:%Y%m%d}.csv"
        return spreadsheets.csv_response(filename=name, header=header, rows=rows)
    query = request.GET.copy()
    query["format"] = "csv"
    context = {"form": form, "found": found, "csv_query": query.urlencode()}
    return render(request, "reports/settlement.html", context)


@require_GET
def store_dashboard_view(request):
    """The stores' figures for their managers (and owners): the dashboard's
    filter offering only the user's stores. One row per store they manage
    from the stores compared, and with a store chosen (or when they manage
    just one) that store's dashboard figures. ?store= of a store they do not
    manage is answered 403, before anything is read."""
    if not (is_owner(request.user) or is_store_manager(request.user)):
        raise PermissionDenied
    store_id = request.GET.get("store") or None
    if store_id is not None:
        try:
            store_id = int(store_id)
        except ValueError:
            raise Http404 from None
        if not manages_store(request.user, store_id):
            raise NotYours(_("This store's figures are for its managers and the owners."))
    mine = list(stores_for(request.user))
    form = DashboardFilterForm(
        request.GET or None,
        stores=mine if len(mine) > 1 else [],  # a manager of one store has nothing to choose
        all_stores_label=_("All your stores"),
    )
    if request.GET and not form.is_valid():
        return render(request, "reports/store_dashboard.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    period, tier, store = data.get("period") or form.default, data.get("tier"), data.get("store")
    if store is None and len(mine) == 1:
        store = mine[0]
    snapshot = dashboard_snapshot(period=period, tier=tier if store else None, store=store)
    found = figures.snapshot_figures(snapshot)
    if found is None:
        snapshot = refresh_dashboard(period=period, tier=tier if store else None, store=store)
        found = figures.snapshot_figures(snapshot)
    rows = [
        row
        for row in found["stores"]
        if row.store_id is not None
        and manages_store(request.user, row.store_id)
        and (store is None or row.store_id == store.pk)
    ]
    context = {"form": form, "period": period, "rows": rows, "store": store, "tier": tier}
    if store is not None:  # the programme's figures are the owners'; a store's, its managers'
        context.update(found, charts=_charts(**found), snapshot=snapshot)
    return render(request, "reports/store_dashboard.html", context)
