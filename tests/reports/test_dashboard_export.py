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
            "Adjustments and merges",
            "Outstanding at the end",
        ],
        # Issued and redeemed net of the refunds made in each month.
        ["2026-01", "100", "30", "0", "0", "650"],
        ["2026-02", "220", "0", "0", "0", "870"],
        ["2026-03", "500", "0", "200", "50", "1220"],
    ]


def test_it_exports_the_tier_figures_for_both_periods(owner_client, shop):
    rows = _csv(owner_client.get("/dashboard/export/tiers.csv", PERIOD_QUERY))
    assert rows[0][0] == "Tier held today"
    member_now = next(r for r in rows if r[0] == "Member" and r[1].startswith("2026-01-01"))
    assert member_now[2:] == [
        "3",
        "2",
        "1",
        "3",
        "470.00",
        "0.6667",
        "1.5000",
        "156.67",
        "0.5000",
        "0.4608",
    ]
    gold_now = next(r for r in rows if r[0] == "Gold" and r[1].startswith("2026-01-01"))
    assert gold_now[8:11] == ["", "", ""]  # no sale: frequency, average order, repurchase
    assert [r[0] for r in rows[1:]].count("All tiers") == 2


def test_it_exports_the_revenue_by_the_tier_of_the_sale(owner_client, shop):
    response = owner_client.get("/dashboard/export/sale-tiers.csv", PERIOD_QUERY)
    assert 'filename="sale-tiers-20260101-20260331.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == [
        "Tier of the sale",
        "Period",
        "Purchases",
        "Revenue",
        "Average order value",
        "Revenue share",
    ]
    assert rows[5] == ["Member", "2026-01-01..2026-03-31", "4", "520.00", "130.00", "0.5098"]
    assert rows[6] == ["Member", "2025-10-03..2025-12-31", "1", "80.00", "80.00", "0.0506"]


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
