"""The dashboard's stored figures: at a million members they take seconds to
compute (issue 10: the page must answer in under 500 ms), so the page shows
the latest snapshot and a worker recomputes it."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone

from automation.jobs import run_job
from members.models import DashboardSnapshot, JobRun
from reports import selectors as figures
from reports.member_figures import lifecycle_counts, member_counts
from reports.periods import Period
from reports.services import dashboard_snapshot, update_lifecycle_rules
from reports.snapshots import refresh_dashboard, refresh_dashboards
from reports.tasks import refresh_dashboard_snapshot
from reports.tier_figures import tier_distribution, tier_performance
from tests.factories import MemberFactory
from tests.reports.dashboard_shop import PERIOD, build_shop

URL = "/dashboard/"
PERIOD_QUERY = {"start": "2026-01-01", "end": "2026-03-31"}
BROKER = {"CELERY_TASK_ALWAYS_EAGER": False, "DASHBOARD_FRESH_SECONDS": 300}


@pytest.fixture
def shop(tiers):
    return build_shop(tiers)


@pytest.fixture
def queued():
    """The worker's task, replaced so the tests see what would be queued."""
    with mock.patch("reports.tasks.refresh_dashboard_snapshot.delay") as delay:
        yield delay


def _same(rows, other):
    return [vars(row) for row in rows] == [vars(row) for row in other]


def _members_on_page(response):
    return response.context["distribution"].total


def test_one_member_pass_gives_the_same_figures_as_each_selector_alone(shop, tiers):
    counts = member_counts(period=PERIOD)
    alone = tier_distribution()
    shared = tier_distribution(counts)
    assert [(row.tier, row.members) for row in shared.rows] == [
        (row.tier, row.members) for row in alone.rows
    ]
    assert shared.total == alone.total
    for tier in (None, *tiers.values()):
        alone = tier_performance(period=PERIOD, tier=tier)
        shared = tier_performance(period=PERIOD, tier=tier, counts=counts)
        for one, other in zip(alone, shared, strict=True):
            assert vars(one.now) == vars(other.now)
            assert vars(one.before) == vars(other.before)
        assert _same(
            lifecycle_counts(tier=tier),
            lifecycle_counts(tier=tier, counts=counts),
        )


def test_a_stored_snapshot_gives_back_the_figures_it_was_made_from(shop, tiers):
    snapshot = refresh_dashboard(period=PERIOD, tier=tiers["member"])
    stored = figures.snapshot_figures(DashboardSnapshot.objects.get(pk=snapshot.pk))
    fresh = figures.dashboard_figures(period=PERIOD, tier=tiers["member"])
    assert [vars(row.now) for row in stored["performance"]] == [
        vars(row.now) for row in fresh["performance"]
    ]
    assert stored["flow"].outstanding == fresh["flow"].outstanding == 370
    assert [stage.members for stage in stored["lifecycle"]] == [
        stage.members for stage in fresh["lifecycle"]
    ]
    assert snapshot.tier_key == tiers["member"].pk
    assert snapshot.shop_day == timezone.localdate()


@override_settings(DASHBOARD_FRESH_SECONDS=300)
def test_the_page_shows_a_fresh_snapshot_without_computing_again(
    owner_client, shop, django_assert_max_num_queries
):
    first = owner_client.get(URL, PERIOD_QUERY)
    assert first.status_code == 200
    assert _members_on_page(first) == 6
    MemberFactory.create_batch(2)
    with django_assert_max_num_queries(8):  # session, user, the form's tiers, the snapshot
        again = owner_client.get(URL, PERIOD_QUERY)
    assert _members_on_page(again) == 6  # as of the snapshot
    assert "NT$157" in again.content.decode()
    assert "Figures as of" in again.content.decode()
    # Another range is another snapshot.
    other = owner_client.get(URL, {"start": "2026-02-01", "end": "2026-03-31"})
    assert "From 2026-02-01 to 2026-03-31" in other.content.decode()
    assert _members_on_page(other) == 8
    assert DashboardSnapshot.objects.count() == 2


@override_settings(DASHBOARD_FRESH_SECONDS=300)
def test_refresh_now_recomputes_the_range_on_the_page(owner_client, shop, tiers):
    owner_client.get(URL, {**PERIOD_QUERY, "tier": tiers["member"].pk})
    MemberFactory.create_batch(2, tier=tiers["member"])
    response = owner_client.post(
        "/dashboard/refresh/", {**PERIOD_QUERY, "tier": tiers["member"].pk}, follow=True
    )
    assert response.status_code == 200
    assert _members_on_page(response) == 8
    assert response.context["tier"] == tiers["member"]
    assert response.context["period"] == PERIOD


def test_staff_may_not_refresh(staff_client, tiers):
    assert staff_client.post("/dashboard/refresh/").status_code == 403
    assert staff_client.get("/dashboard/status/").status_code == 403


def test_refresh_is_a_post(owner_client, tiers):
    assert owner_client.get("/dashboard/refresh/").status_code == 405


@override_settings(DASHBOARD_FRESH_SECONDS=300)
def test_a_snapshot_from_yesterday_is_not_fresh(shop):
    snapshot = refresh_dashboard(period=PERIOD)
    assert figures.snapshot_is_fresh(snapshot)
    assert not figures.snapshot_is_fresh(snapshot, now=snapshot.computed_at + timedelta(days=1))
    assert not figures.snapshot_is_fresh(
        snapshot, now=snapshot.computed_at + timedelta(seconds=301)
    )


def test_a_snapshot_of_another_layout_counts_as_missing(shop):
    snapshot = refresh_dashboard(period=PERIOD)
    DashboardSnapshot.objects.filter(pk=snapshot.pk).update(layout=figures.FIGURES_LAYOUT + 1)
    snapshot.refresh_from_db()
    assert figures.snapshot_figures(snapshot) is None
    DashboardSnapshot.objects.filter(pk=snapshot.pk).update(
        layout=figures.FIGURES_LAYOUT, figures=b"not a pickle"
    )
    snapshot.refresh_from_db()
    assert figures.snapshot_figures(snapshot) is None


@override_settings(**BROKER)
def test_with_a_broker_a_stale_snapshot_is_shown_while_one_refresh_is_queued(
    owner_client, shop, queued
):
    snapshot = refresh_dashboard(period=PERIOD)
    DashboardSnapshot.objects.filter(pk=snapshot.pk).update(
        computed_at=snapshot.computed_at - timedelta(hours=1)
    )
    MemberFactory.create_batch(2)
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda f, **kw: f()):
        first = owner_client.get(URL, PERIOD_QUERY)
        again = owner_client.get(URL, PERIOD_QUERY)
    assert _members_on_page(first) == _members_on_page(again) == 6  # the stale figures
    assert "Newer figures are being computed." in first.content.decode()
    queued.assert_called_once_with("2026-01-01", "2026-03-31", None)
    # The page polls; nothing to reload until the worker is done.
    status = owner_client.get("/dashboard/status/", PERIOD_QUERY)
    assert status.status_code == 204 and "HX-Refresh" not in status
    refresh_dashboard(period=PERIOD)  # what the worker runs
    status = owner_client.get("/dashboard/status/", PERIOD_QUERY)
    assert status["HX-Refresh"] == "true"
    assert _members_on_page(owner_client.get(URL, PERIOD_QUERY)) == 8


@override_settings(**BROKER)
def test_with_a_broker_a_range_never_computed_says_so_and_queues_it(owner_client, shop, queued):
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda f, **kw: f()):
        response = owner_client.get(URL, PERIOD_QUERY)
    assert response.status_code == 200
    assert response.context["computing"] is True
    assert "distribution" not in response.context
    assert "being computed" in response.content.decode()
    queued.assert_called_once()
    # A refresh lost with its worker is queued again after ten minutes.
    DashboardSnapshot.objects.update(refresh_queued_at=timezone.now() - timedelta(minutes=11))
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda f, **kw: f()):
        owner_client.get(URL, PERIOD_QUERY)
    assert queued.call_count == 2


def test_the_worker_task_stores_the_figures(shop, tiers):
    refresh_dashboard_snapshot("2026-01-01", "2026-03-31", tiers["silver"].pk)
    snapshot = DashboardSnapshot.objects.get(tier_key=tiers["silver"].pk)
    assert figures.snapshot_figures(snapshot)["performance"][0].now.revenue == 550
    refresh_dashboard_snapshot("2026-01-01", "2026-03-31", 999_999)  # a tier since deleted
    assert DashboardSnapshot.objects.count() == 1


def test_changed_lifecycle_rules_make_every_snapshot_stale(shop, owner):
    snapshot = refresh_dashboard(period=PERIOD)
    update_lifecycle_rules(new_days=10, active_days=30, churned_days=60, by=owner)
    snapshot.refresh_from_db()
    assert not figures.snapshot_is_fresh(snapshot)


def test_the_nightly_job_computes_the_default_range_for_every_tier(shop, tiers):
    today = timezone.localdate()
    default = Period.default(today=today)
    viewed = refresh_dashboard(period=PERIOD)  # a range an owner looked at yesterday
    DashboardSnapshot.objects.filter(pk=viewed.pk).update(
        viewed_at=timezone.now() - timedelta(days=1)
    )
    forgotten = refresh_dashboard(period=Period(date(2024, 1, 1), date(2024, 12, 31)))
    DashboardSnapshot.objects.filter(pk=forgotten.pk).update(
        viewed_at=timezone.now() - timedelta(days=40)
    )
    run = run_job(job="dashboard_refresh", day=today)
    assert run.status == JobRun.Status.DONE
    active = [tier.pk for tier in tiers.values() if tier.is_active]
    assert run.summary["snapshots"] == 1 + len(active) + 1
    assert run.summary["forgotten"] == 1
    kept = set(DashboardSnapshot.objects.values_list("period_start", "period_end", "tier_key"))
    assert kept == {
        (default.start, default.end, 0),
        *((default.start, default.end, pk) for pk in active),
        (PERIOD.start, PERIOD.end, 0),
    }
    assert not DashboardSnapshot.objects.filter(computed_at__isnull=True).exists()


@override_settings(DASHBOARD_FRESH_SECONDS=300)
def test_the_morning_page_reads_what_the_night_computed(
    owner_client, shop, django_assert_max_num_queries
):
    refresh_dashboards(day=timezone.localdate())
    with django_assert_max_num_queries(8):
        response = owner_client.get(URL)
    assert response.status_code == 200
    assert _members_on_page(response) == 6


@override_settings(DASHBOARD_FRESH_SECONDS=300)
def test_csv_exports_give_the_figures_the_page_shows(owner_client, shop):
    owner_client.get(URL, PERIOD_QUERY)
    MemberFactory.create_batch(2)
    body = owner_client.get("/dashboard/export/pyramid.csv", PERIOD_QUERY).content.decode()
    total = sum(int(line.split(",")[1]) for line in body.splitlines()[1:])
    assert total == 6


def test_dashboard_snapshot_refreshes_at_once_without_a_broker(shop):
    first = dashboard_snapshot(period=PERIOD)
    MemberFactory.create_batch(2)
    again = dashboard_snapshot(period=PERIOD)  # the tests' fresh time is 0
    assert figures.snapshot_figures(first)["distribution"].total == 6
    assert figures.snapshot_figures(again)["distribution"].total == 8
    assert again.pk == first.pk


def test_sharing_the_range_figures_across_tier_filters_changes_no_figure(shop, tiers):
    shared = {}
    for tier in (None, *tiers.values()):
        with_shared = figures.dashboard_figures(period=PERIOD, tier=tier, shared=shared)
        alone = figures.dashboard_figures(period=PERIOD, tier=tier)
        for name in ("performance",):
            assert [(row.tier, vars(row.now), vars(row.before)) for row in with_shared[name]] == [
                (row.tier, vars(row.now), vars(row.before)) for row in alone[name]
            ]
        assert [vars(row) for row in with_shared["campaigns"]] == [
            vars(row) for row in alone["campaigns"]
        ]
        assert with_shared["flow"].outstanding == alone["flow"].outstanding
        assert [s.members for s in with_shared["lifecycle"]] == [
            s.members for s in alone["lifecycle"]
        ]
    assert set(shared) == {"counts", "sales", "campaigns", "stores"}
