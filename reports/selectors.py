"""The owner's dashboard: each figure is one selector made of a few aggregate
queries (no per-member Python), so the page stays fast at a million members.
The figures live by subject in periods, tier_figures, points_figures,
member_figures and campaign_figures; this module bundles them for the page
and reads the stored snapshots.

A period is a range of shop-local days, both ends included. Figures that
compare periods use the previous period of the same length, ending the day
before the period starts. A figure that would divide by zero is None, which
the page shows as a dash.

Money and points are net of refunds in the period of the refund
(Refund.created_at, and its ledger entries' time), as accounting counts
them. A per-tier figure groups by one tier above and below its line: the
tier a member holds today (the pyramid, tier_performance, the tier filter
of points_flow and lifecycle_counts) or the tier a sale was made in
(revenue_by_sale_tier), so no ratio passes 100 %.

What the page costs (for the benchmarks), each a single statement:
- member_counts: members grouped by tier in one pass, with the joined_on
  counts of tier_performance and the stage counts of lifecycle_counts; the
  page hands it to tier_distribution, tier_performance and lifecycle_counts
  (each alone runs its own member query, as the tests call them).
- tier_distribution: members grouped by tier (index member_tier_status_idx).
- tier_performance and revenue_by_sale_tier: members grouped by tier with
  two joined_on counts; the sales and the refunds of both periods in one
  pass (points_purchase.created_at index; the refunds, a few per cent of
  the sales, by a scan joined to their sales by primary key), grouped per
  member in SQL, then per tier of the sale, and per member joined to the
  member rows (primary key) for the tier held today.
- points_flow: the ledger from the previous period's start to now in one
  pass (points_ledgerentry.created_at index), grouped by month; the sum of
  members' cached balances. With a tier filter, both join members on tier.
- campaign_figures: campaign_results per campaign (campaigns.results).
- lifecycle_counts: members in one pass with four filtered counts.
- tier_movements: tier changes in the period (tiers_tierchange.at index).
No figure reads the ledger more than once.

At a million members those passes take seconds, so the page does not run
them per request: dashboard_figures() bundles them into a DashboardSnapshot
(snapshots.refresh_dashboard), kept fresh by a worker, and the page
reads the snapshot (find_snapshot, snapshot_figures).
"""

import pickle

from django.conf import settings
from django.utils import timezone

from config.clock import shop_date
from members.models import DashboardSnapshot
from reports.campaign_figures import campaign_figures
from reports.member_figures import lifecycle_counts, member_counts
from reports.periods import Period
from reports.points_figures import points_flow
from reports.store_figures import store_figures
from reports.tier_figures import (
    revenue_by_sale_tier,
    sales_by_tier,
    tier_distribution,
    tier_movements,
    tier_performance,
)

# Bump when the figures' dataclasses change shape or move: stored snapshots
# of the old layout then count as missing instead of failing to unpickle.
# 2: the dataclasses moved from members.dashboard_selectors into reports.
# 3: tiers grouped by the tier held today, sales by their own tier apart;
#    refunds counted in their own period.
# 4: the stores compared (a chain).
# 5: a store's lifecycle stage counts link to the member list (by home store).
FIGURES_LAYOUT = 5


def dashboard_figures(*, period: Period, tier=None, store=None, shared=None) -> dict:
    """Every figure the page shows, for one range, tier filter and store.

    With a store: sales figures count the sales and refunds made there
    (Purchase.store, Refund.store), points figures the ledger entries made
    there (LedgerEntry.store), member figures the members whose home store
    it is (Member.home_store). The stores compared stay whole.

    `shared`: a dict the caller keeps while computing several tier filters
    of the same range and store: the member pass, the sales by tier and the
    campaigns' results do not depend on the tier filter, so they are read
    once.
    """
    shared = {} if shared is None else shared
    if "counts" not in shared:  # one pass over the members for three figures
        shared["counts"] = member_counts(period=period, store=store)
    if "sales" not in shared:
        shared["sales"] = sales_by_tier(period, store)
    if "stores" not in shared:  # the stores compared: every tier's, whatever the filter
        shared["stores"] = store_figures(period=period)
    counts = shared["counts"]
    return {
        "distribution": tier_distribution(counts),
        "performance": tier_performance(
            period=period, tier=tier, counts=counts, sales=shared["sales"]
        ),
        "sale_tiers": revenue_by_sale_tier(period=period, tier=tier, sales=shared["sales"]),
        "flow": points_flow(period=period, tier=tier, store=store),
        "lifecycle": lifecycle_counts(tier=tier, counts=counts, store=store),
        "movements": tier_movements(period=period, tier=tier, store=store),
        "campaigns": campaign_figures(
            period=period, tier=tier, store=store, results=shared.setdefault("campaigns", {})
        ),
        "stores": shared["stores"],
    }


def find_snapshot(*, period: Period, tier=None, store=None):
    return DashboardSnapshot.objects.filter(
        period_start=period.start,
        period_end=period.end,
        tier_key=tier.pk if tier else 0,
        store_key=store.pk if store else 0,
    ).first()


def snapshot_figures(snapshot) -> dict | None:
    """The stored figures, or None when there are none of this code's layout."""
    if snapshot is None or snapshot.figures is None or snapshot.layout != FIGURES_LAYOUT:
        return None
    try:
        return pickle.loads(snapshot.figures)
    except Exception:  # a model or class renamed since: recompute, do not fail the page
        return None


def snapshot_is_fresh(snapshot, *, now=None) -> bool:
    """Computed today (lifecycle stages move with the day) and less than
    DASHBOARD_FRESH_SECONDS ago."""
    if (
        snapshot is None
        or snapshot.figures is None
        or snapshot.layout != FIGURES_LAYOUT
        or snapshot.computed_at is None
    ):
        return False
    now = now or timezone.now()
    age = (now - snapshot.computed_at).total_seconds()
    return snapshot.shop_day == shop_date(now) and age < settings.DASHBOARD_FRESH_SECONDS
