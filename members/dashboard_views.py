import csv

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.clock import shop_today
from config.errors import LoyaltyError
from config.roles import owner_required
from members import dashboard_charts as charts
from members import dashboard_selectors as figures
from members.dashboard_export import EXPORTS
from members.dashboard_forms import DashboardFilterForm, LifecycleRulesForm
from members.dashboard_services import update_lifecycle_rules
from members.models import LifecycleRules


def _charts(distribution, performance, flow, lifecycle, movements):
    months = [f"{m.month:%Y-%m}" for m in flow.months]
    tier_rows = [row for row in performance if row.tier]
    return {
        "pyramid": charts.pyramid_chart(distribution),
        "revenue": charts.bar_chart(
            [str(row.tier) for row in tier_rows],
            [
                (
                    _("Revenue share, this period (%)"),
                    [_percent(r.now.revenue_share) for r in tier_rows],
                ),
                (_("Previous period (%)"), [_percent(r.before.revenue_share) for r in tier_rows]),
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


def _figures(period, tier) -> dict:
    """The page's figures, kept DASHBOARD_CACHE_SECONDS (default 300) in the
    Django cache per period, tier and shop day: at a million members they
    aggregate years of sales and ledger rows (seconds), so an owner moving
    between tabs or filters reuses them. A sale shows on the dashboard at the
    latest that many seconds later. 0 turns the cache off."""
    seconds = getattr(settings, "DASHBOARD_CACHE_SECONDS", 300)
    key = f"dashboard:{period.start}:{period.end}:{tier.pk if tier else '-'}:{shop_today()}"
    found = cache.get(key) if seconds else None
    if found is None:
        counts = figures.member_counts(period=period)  # one pass over the members
        found = {
            "distribution": figures.tier_distribution(counts),
            "performance": figures.tier_performance(period=period, tier=tier, counts=counts),
            "flow": figures.points_flow(period=period, tier=tier),
            "lifecycle": figures.lifecycle_counts(tier=tier, counts=counts),
            "movements": figures.tier_movements(period=period, tier=tier),
            "campaigns": figures.campaign_figures(period=period, tier=tier),
        }
        if seconds:
            cache.set(key, found, seconds)
    return found


@owner_required
@require_GET
def dashboard_view(request):
    form = DashboardFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "members/dashboard/index.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    period = data.get("period") or form.default
    tier = data.get("tier")
    found = _figures(period, tier)
    distribution, performance, flow, lifecycle, movements = (
        found[name] for name in ("distribution", "performance", "flow", "lifecycle", "movements")
    )
    query = request.GET.urlencode()
    return render(
        request,
        "members/dashboard/index.html",
        {
            "form": form,
            "period": period,
            "tier": tier,
            "distribution": distribution,
            "performance": performance,
            "flow": flow,
            "lifecycle": lifecycle,
            "movements": movements,
            "campaigns": found["campaigns"],
            "charts": _charts(distribution, performance, flow, lifecycle, movements),
            "query": query,
        },
    )


@owner_required
@require_GET
def export_view(request, figure):
    export = EXPORTS.get(figure)
    if export is None:
        raise Http404
    form = DashboardFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    data = form.cleaned_data if form.is_bound else {}
    period = data.get("period") or form.default
    header, rows = export(period=period, tier=data.get("tier"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{figure}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so spreadsheet programs read Chinese as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


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
    return render(request, "members/dashboard/lifecycle_rules.html", {"form": form}, status=status)
