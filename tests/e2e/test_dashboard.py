from datetime import timedelta
from decimal import Decimal

from config.clock import shop_today
from tests.e2e.conftest import log_in
from tests.factories import (
    LedgerEntryFactory,
    MemberFactory,
    PurchaseFactory,
    TierFactory,
    owner_user,
    staff_user,
)
from tests.reports.dashboard_shop import at


def test_owner_sees_the_charts_drawn_with_data(page, transactional_db):
    base, top = TierFactory(rank=1, name="Member"), TierFactory(rank=2, name="Gold")
    today = shop_today()
    for n in range(6):
        member = MemberFactory(tier=top if n == 0 else base, points_balance=120)
        PurchaseFactory(
            member=member, created_at=at(today - timedelta(days=3 + n)), amount_paid=Decimal("250")
        )
        LedgerEntryFactory(member=member, points=120, created_at=at(today - timedelta(days=3 + n)))
    owner_user(username="boss")

    log_in(page, "boss")  # owners land on the dashboard
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    charts = page.locator("svg.chart[data-has-data=true]")
    assert charts.count() >= 4
    assert page.locator("svg.pyramid rect.tier").count() == 2
    assert page.locator("#points svg rect.bar").count() > 0
    # The figures sit beside the chart: six members, the points they earned.
    assert "720" in page.locator("#points-per-month").inner_text()

    page.get_by_label("Tier", exact=True).select_option(label="Gold")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/dashboard/?*tier=*")
    assert page.locator("#tier-figures tbody tr").count() == 1

    # A sale after the figures were computed shows after "Refresh now",
    # which keeps the tier filter.
    PurchaseFactory(member=MemberFactory(tier=top), amount_paid=Decimal("400"))
    assert "Figures as of" in page.locator("#snapshot-time").inner_text()
    page.get_by_role("button", name="Refresh now").click()
    page.wait_for_url("**/dashboard/?*tier=*")
    assert page.get_by_label("Tier", exact=True).input_value() == str(top.pk)
    assert "NT$650" in page.locator("#tier-figures").inner_text()

    page.locator("#lifecycle").get_by_role("link", name="Active", exact=True).click()
    page.wait_for_url("**/members/?stage=active*")


def test_staff_are_refused_the_dashboard(page, transactional_db):
    TierFactory(rank=1, name="Member")
    staff_user(username="cashier")
    log_in(page, "cashier")
    response = page.goto("/dashboard/")
    assert response.status == 403
