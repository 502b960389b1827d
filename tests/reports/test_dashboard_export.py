import csv
import io
from datetime import date

import pytest

from tests.reports.dashboard_shop import build_shop

PERIOD_QUERY = {"start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def shop(tiers):
    return build_shop(tiers)


def _csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_it_exports_the_points_per_month(owner_client, shop):
    response = owner_client.get("/dashboard/export/points.csv", PERIOD_QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="points-20260101-20260331.csv"' in response["Content-Disposition"]
    assert _csv(response) == [
        [
            "Month",
            "Issued",
            "Redeemed",
            "Expired",
            "Refunds and adjustments",
            "Outstanding at the end",
        ],
        ["2026-01", "100", "50", "0", "0", "650"],
        ["2026-02", "320", "0", "0", "-100", "870"],
        ["2026-03", "500", "0", "200", "50", "1220"],
    ]


def test_it_exports_the_tier_figures_for_both_periods(owner_client, shop):
    rows = _csv(owner_client.get("/dashboard/export/tiers.csv", PERIOD_QUERY))
    member_now = next(r for r in rows if r[0] == "Member" and r[1].startswith("2026-01-01"))
    assert member_now[2:] == [
        "3",
        "3",
        "1",
        "4",
        "550.00",
        "1.0000",
        "1.3333",
        "137.50",
        "0.3333",
        "0.5238",
    ]
    gold_now = next(r for r in rows if r[0] == "Gold" and r[1].startswith("2026-01-01"))
    assert gold_now[8:11] == ["", "", ""]  # no sale: frequency, average order, repurchase
    assert [r[0] for r in rows[1:]].count("All tiers") == 2


def test_it_exports_the_pyramid_and_the_lifecycle_stages(owner_client, shop):
    pyramid = _csv(owner_client.get("/dashboard/export/pyramid.csv"))
    assert pyramid[1] == ["Gold", "1", "0.1667", "5", "10", "above"]
    stages = _csv(owner_client.get("/dashboard/export/lifecycle.csv"))
    assert [row[0] for row in stages] == ["Stage", "New", "Active", "Dormant", "Churned"]
    assert sum(int(row[1]) for row in stages[1:]) == 6


def test_an_unknown_figure_is_not_found(owner_client, tiers):
    assert owner_client.get("/dashboard/export/salaries.csv").status_code == 404


def test_bad_dates_are_refused(owner_client, tiers):
    response = owner_client.get("/dashboard/export/points.csv", {"start": "2026-13-01"})
    assert response.status_code == 400


def test_staff_get_403(staff_client, tiers):
    assert staff_client.get("/dashboard/export/points.csv").status_code == 403


def test_it_exports_tier_movements_and_campaigns(owner_client, shop):
    from tests.factories import CampaignFactory

    CampaignFactory(name="Double days", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 7))
    moves = _csv(owner_client.get("/dashboard/export/movements.csv", PERIOD_QUERY))
    assert moves == [
        ["Month", "Upgrades", "Downgrades"],
        ["2026-01", "0", "0"],
        ["2026-02", "0", "0"],
        ["2026-03", "0", "0"],
    ]
    campaigns = _csv(owner_client.get("/dashboard/export/campaigns.csv", PERIOD_QUERY))
    assert campaigns[1][:3] == ["Double days", "2026-03-01", "2026-03-07"]
