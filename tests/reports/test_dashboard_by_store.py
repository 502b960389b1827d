"""The dashboard filtered by store: sales figures count the sales made
there, points figures the ledger entries made there, member figures the
members whose home store it is. A single shop sees no store filter; a store
manager sees only their stores' figures."""

import csv
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse

from config.clock import shop_today
from loyalty.sale import record_purchase
from members.models import DashboardSnapshot
from points.refund import refund_purchase
from reports.periods import Period
from reports.selectors import dashboard_figures, find_snapshot, snapshot_figures
from reports.snapshots import refresh_dashboards
from reports.tasks import refresh_dashboard_snapshot
from stores.models import Store
from tests.factories import MemberFactory, StoreFactory, store_manager_user

URL = reverse("dashboard:index")


@pytest.fixture
def two_stores(db):
    """A small chain: the main street shop and the mall counter (and the
    shop's first store, which the migrations make)."""
    return StoreFactory(name="Main Street"), StoreFactory(name="Mall")


def _chain(tiers, two_stores):
    """Ann (home: Main Street) buys 1000 at Main Street and 400 at the Mall;
    Bo (home: Mall) buys 300 at the Mall."""
    main, mall = two_stores
    ann = MemberFactory(tier=tiers["member"], home_store=main)
    bo = MemberFactory(tier=tiers["member"], home_store=mall)
    sales = {
        "ann-main": record_purchase(member=ann, amount="1000", idempotency_key="a1", store=main),
        "ann-mall": record_purchase(member=ann, amount="400", idempotency_key="a2", store=mall),
        "bo-mall": record_purchase(member=bo, amount="300", idempotency_key="b1", store=mall),
    }
    return ann, bo, sales


def _programme_row(found):
    return next(row for row in found["performance"] if row.tier is None)


def test_a_store_filter_counts_only_that_stores_sales_and_points(tiers, two_stores):
    main, mall = two_stores
    _ann, _bo, sales = _chain(tiers, two_stores)
    period = Period.default()

    at_main = dashboard_figures(period=period, store=main)
    at_mall = dashboard_figures(period=period, store=mall)
    everywhere = dashboard_figures(period=period)

    paid = {key: sale.amount_paid for key, sale in sales.items()}
    assert _programme_row(at_main).now.revenue == paid["ann-main"]
    assert _programme_row(at_main).now.purchases == 1
    assert _programme_row(at_mall).now.revenue == paid["ann-mall"] + paid["bo-mall"]
    assert _programme_row(at_mall).now.purchases == 2
    assert _programme_row(everywhere).now.revenue == sum(paid.values())
    assert paid["ann-main"] > 0 and paid["bo-mall"] > 0
    assert at_main["flow"].now.issued == sales["ann-main"].points_earned
    assert at_mall["flow"].now.issued == (
        sales["ann-mall"].points_earned + sales["bo-mall"].points_earned
    )
    assert everywhere["flow"].now.issued == sum(sale.points_earned for sale in sales.values())


def test_a_buyer_from_another_store_keeps_the_ratios_at_or_below_100_percent(tiers, two_stores):
    _main, mall = two_stores
    _chain(tiers, two_stores)

    row = _programme_row(dashboard_figures(period=Period.default(), store=mall))

    # Bo (home: Mall) and Ann (home: Main Street, who bought at the Mall).
    assert (row.now.members, row.now.buyers) == (2, 2)
    assert row.now.active_ratio == 1


def test_members_figures_count_the_members_whose_home_store_it_is(tiers, two_stores):
    main, mall = two_stores
    _chain(tiers, two_stores)
    MemberFactory(tier=tiers["member"], home_store=mall)

    assert dashboard_figures(period=Period.default(), store=main)["distribution"].total == 1
    assert dashboard_figures(period=Period.default(), store=mall)["distribution"].total == 2
    assert dashboard_figures(period=Period.default())["distribution"].total == 3


def test_a_refund_counts_at_the_store_that_made_it(tiers, two_stores):
    main, mall = two_stores
    _ann, _bo, sales = _chain(tiers, two_stores)
    refund_purchase(purchase=sales["ann-main"], idempotency_key="r1", store=mall)
    paid = {key: sale.amount_paid for key, sale in sales.items()}

    at_main = _programme_row(dashboard_figures(period=Period.default(), store=main))
    at_mall = _programme_row(dashboard_figures(period=Period.default(), store=mall))

    assert at_main.now.revenue == paid["ann-main"]
    assert at_mall.now.revenue == paid["ann-mall"] + paid["bo-mall"] - paid["ann-main"]


def test_a_stores_lifecycle_stages_link_to_its_members_on_the_list(tiers, two_stores, owner_client):
    main, mall = two_stores
    _chain(tiers, two_stores)
    MemberFactory(tier=tiers["member"], home_store=mall)

    at_mall = dashboard_figures(period=Period.default(), store=mall)["lifecycle"]
    everywhere = dashboard_figures(period=Period.default())["lifecycle"]

    assert sum(stage.members for stage in at_mall) == 2
    assert all(stage.url.startswith("/members/?stage=") for stage in everywhere)
    # Each link lists the store's members of the stage: as many as it counts.
    for stage in at_mall:
        assert f"home_store={mall.pk}" in stage.url
        listed = owner_client.get(stage.url).context["page"].paginator.count
        assert listed == stage.members, stage.stage


def test_a_stores_outstanding_points_are_its_own_net(tiers, two_stores):
    main, mall = two_stores
    ann = MemberFactory(tier=tiers["member"], home_store=main)
    earned = record_purchase(member=ann, amount="1000", idempotency_key="e", store=main)
    record_purchase(member=ann, amount="500", points_to_redeem=100, idempotency_key="s", store=mall)
    mall_earned = ann.purchases.get(idempotency_key="s").points_earned

    at_main = dashboard_figures(period=Period.default(), store=main)["flow"]
    at_mall = dashboard_figures(period=Period.default(), store=mall)["flow"]

    assert at_main.outstanding == earned.points_earned
    assert at_mall.outstanding == mall_earned - 100
    assert at_mall.now.redeemed == 100
    assert at_main.now.redeemed == 0


def test_the_owner_filters_the_page_by_store(owner_client, tiers, two_stores):
    main, mall = two_stores
    _ann, _bo, sales = _chain(tiers, two_stores)

    page = owner_client.get(URL, {"store": mall.pk})

    assert page.status_code == 200
    assert page.context["store"] == mall
    assert 'name="store"' in page.content.decode()
    assert _programme_row(page.context).now.revenue == (
        sales["ann-mall"].amount_paid + sales["bo-mall"].amount_paid
    )
    assert 'id="store-note"' in page.content.decode()
    assert f'<input type="hidden" name="store" value="{mall.pk}">' in page.content.decode()


def test_a_store_that_is_not_one_of_the_shops_is_a_400(owner_client, tiers, two_stores):
    assert owner_client.get(URL, {"store": "999999"}).status_code == 400


def test_the_filter_is_absent_with_one_store(owner_client, tiers):
    assert Store.objects.filter(is_active=True).count() == 1  # the migrations' store
    page = owner_client.get(URL)

    assert page.status_code == 200
    assert 'name="store"' not in page.content.decode()
    # A store id in the address changes nothing.
    assert owner_client.get(URL, {"store": "1"}).context["store"] is None


def test_the_filter_is_absent_with_one_active_store(owner_client, tiers, two_stores):
    Store.objects.exclude(pk=two_stores[0].pk).update(is_active=False)
    assert 'name="store"' not in owner_client.get(URL).content.decode()


def test_refresh_keeps_the_store(owner_client, tiers, two_stores):
    mall = two_stores[1]
    response = owner_client.post(reverse("dashboard:refresh"), {"store": mall.pk})
    assert response.status_code == 302
    assert f"store={mall.pk}" in response.url


def test_a_manager_sees_their_stores_dashboard_figures(client, tiers, two_stores):
    main, mall = two_stores
    _ann, _bo, sales = _chain(tiers, two_stores)
    client.force_login(store_manager_user(username="mgr", stores=[mall]))

    page = client.get(reverse("dashboard:stores"))

    assert page.status_code == 200
    assert page.context["store"] == mall  # their only store, chosen for them
    assert _programme_row(page.context).now.revenue == (
        sales["ann-mall"].amount_paid + sales["bo-mall"].amount_paid
    )
    assert page.context["distribution"].total == 1
    assert 'name="store"' not in page.content.decode()  # nothing to choose
    assert "/dashboard/export/" not in page.content.decode()  # the owner's CSVs


def test_a_manager_of_two_stores_chooses_among_them_only(client, tiers, two_stores):
    main, mall = two_stores
    other = StoreFactory(name="Airport")
    _ann, _bo, sales = _chain(tiers, two_stores)
    client.force_login(store_manager_user(username="mgr", stores=[main, mall]))

    page = client.get(reverse("dashboard:stores"))
    html = page.content.decode()
    assert 'name="store"' in html
    assert f'value="{other.pk}"' not in html
    assert "distribution" not in page.context  # no store chosen: the rows only

    chosen = client.get(reverse("dashboard:stores"), {"store": main.pk})
    assert _programme_row(chosen.context).now.revenue == sales["ann-main"].amount_paid


def test_a_manager_asking_for_a_store_not_theirs_gets_403(client, tiers, two_stores):
    main, mall = two_stores
    _chain(tiers, two_stores)
    client.force_login(store_manager_user(username="mgr", stores=[main]))

    response = client.get(reverse("dashboard:stores"), {"store": mall.pk})

    assert response.status_code == 403
    assert "distribution" not in (response.context or {})


def test_the_nightly_refresh_stores_each_stores_figures(tiers, two_stores):
    main, mall = two_stores
    _chain(tiers, two_stores)

    refresh_dashboards(day=shop_today())

    period = Period.default()
    for store in two_stores:
        snapshot = find_snapshot(period=period, store=store)
        assert snapshot is not None and snapshot.store_key == store.pk
    found = snapshot_figures(find_snapshot(period=period, store=main))
    assert _programme_row(found).now.purchases == 1
    assert find_snapshot(period=period).store_key == 0


def test_the_nightly_refresh_compares_the_stores_once_per_range(tiers, two_stores, monkeypatch):
    """The stores compared are the whole programme's, whatever the filter:
    read once per range, not again for each store's and tier's range."""
    from reports import selectors

    _chain(tiers, two_stores)
    calls = []
    compare = selectors.store_figures
    monkeypatch.setattr(selectors, "store_figures", lambda **kw: calls.append(kw) or compare(**kw))

    refresh_dashboards(day=shop_today())

    period = Period.default()
    assert len(calls) == 1
    snapshots = DashboardSnapshot.objects.filter(period_start=period.start, period_end=period.end)
    # Each store's range, besides the whole shop's and each tier's.
    assert snapshots.filter(store_key__gt=0).count() == Store.objects.filter(is_active=True).count()
    compared = {repr(snapshot_figures(snapshot)["stores"]) for snapshot in snapshots}
    assert len(compared) == 1


def test_the_csv_of_a_store_counts_its_sales_only(owner_client, tiers, two_stores):
    main, _mall = two_stores
    _ann, _bo, sales = _chain(tiers, two_stores)

    response = owner_client.get(reverse("dashboard:export", args=["tiers"]), {"store": main.pk})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    programme_now = next(row for row in rows if row[0] == "All tiers")
    # Tier held today, period, members, buyers, repeat buyers, purchases, revenue.
    assert programme_now[5] == "1"
    assert Decimal(programme_now[6]) == sales["ann-main"].amount_paid


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, DASHBOARD_FRESH_SECONDS=300)
def test_a_worker_is_asked_for_the_stores_figures_and_computes_them(
    owner_client, tiers, two_stores
):
    main, _mall = two_stores
    _ann, _bo, sales = _chain(tiers, two_stores)
    start, end = Period.default().start.isoformat(), Period.default().end.isoformat()
    query = {"start": start, "end": end, "store": main.pk}
    with (
        mock.patch("reports.tasks.refresh_dashboard_snapshot.delay") as queued,
        mock.patch("django.db.transaction.on_commit", side_effect=lambda f, **kw: f()),
    ):
        page = owner_client.get(URL, query)
    assert page.context["computing"]
    queued.assert_called_once_with(start, end, None, main.pk)

    refresh_dashboard_snapshot(*queued.call_args.args)  # what the worker does

    snapshot = DashboardSnapshot.objects.get(store_key=main.pk)
    assert (snapshot.period_start.isoformat(), snapshot.period_end.isoformat()) == (start, end)
    found = snapshot_figures(snapshot)
    assert _programme_row(found).now.revenue == sales["ann-main"].amount_paid
