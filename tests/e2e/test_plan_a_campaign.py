from decimal import Decimal

from campaigns.models import Campaign
from config.clock import shop_today
from tests.e2e.conftest import log_in
from tests.factories import TierFactory, owner_user


def test_owner_plans_an_every_18th_double_for_gold(page, transactional_db):
    TierFactory(rank=1, name="Member")
    TierFactory(rank=2, name="Gold", points_multiplier=Decimal("1.5"))
    owner_user(username="boss")

    log_in(page, "boss")
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("button", name="New campaign").click()
    page.get_by_role("textbox", name="Name").fill("Gold 18th double")
    page.get_by_label("Last day").fill(shop_today().replace(year=shop_today().year + 1).isoformat())
    page.get_by_role("radio", name="Chosen days of the month").check()
    page.get_by_role("textbox", name="Days of the month").fill("18")
    page.get_by_label("Gold").check()
    page.get_by_label("Points multiplier").fill("2")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=saved")

    campaign = Campaign.objects.get()
    assert campaign.month_days == [18]
    assert campaign.multiplier == 2
    assert [t.name for t in campaign.tiers.all()] == ["Gold"]
    assert "day 18 of each month" in page.content()
