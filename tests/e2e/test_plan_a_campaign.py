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
    page.get_by_text("Set-up", exact=True).click()
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("button", name="New campaign").click()
    # Not "Name": the names in each Chinese script are labelled "Name in …".
    page.get_by_role("textbox", name="Name *", exact=True).fill("Gold 18th double")
    # Every day is chosen: no days field shows until a schedule needs one.
    assert not page.get_by_role("textbox", name="Days of the month").is_visible()
    assert not page.get_by_role("checkbox", name="Monday").is_visible()
    page.get_by_role("radio", name="Chosen days of the month").check()
    assert not page.get_by_role("checkbox", name="Monday").is_visible()
    assert not page.get_by_role("textbox", name="Dates").is_visible()
    page.get_by_role("textbox", name="Days of the month").fill("18")  # no last day
    page.get_by_label("Gold").check()
    page.get_by_label("Points multiplier").fill("2")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=saved")

    campaign = Campaign.objects.get()
    assert campaign.month_days == [18]
    assert campaign.multiplier == 2
    assert [t.name for t in campaign.tiers.all()] == ["Gold"]
    assert "day 18 of each month" in page.content()
    assert campaign.ends_on is None
    # "Running now" is the campaigns that apply today: this one only on an 18th.
    running = page.locator("section", has=page.get_by_role("heading", name="Running now"))
    assert ("Gold 18th double" in running.inner_text()) == (shop_today().day == 18)
