"""Campaigns and the stacking setting: every change is on record, also from the admin."""

from datetime import timedelta

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign
from config.clock import shop_today
from config.errors import LoyaltyError
from config.models import SettingsChange
from tests.factories import CampaignFactory


def test_the_page_records_a_new_campaign(owner_client, owner, tiers):
    today = shop_today()
    response = owner_client.post(
        reverse("campaigns:create"),
        {
            "name": "Double days",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "schedule": "every_day",
            "segment": "all",
            "multiplier": "2",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    change = SettingsChange.objects.get()
    assert (change.action, change.object_label, change.by) == ("created", "Double days", owner)
    assert change.changes["multiplier"] == [None, "2"]


def test_an_edit_records_only_what_changed(owner, tiers):
    campaign = CampaignFactory(name="Double days", bonus_points=0)
    services.update_campaign(campaign=campaign, by=owner, bonus_points=20, tiers=[tiers["gold"]])
    change = SettingsChange.objects.get()
    assert change.changes == {"bonus_points": [0, 20], "tiers": [[], [tiers["gold"].pk]]}


def test_a_refused_edit_records_nothing(owner, tiers):
    campaign = CampaignFactory()
    with pytest.raises(LoyaltyError):
        services.update_campaign(campaign=campaign, by=owner, multiplier="0.5")
    assert not SettingsChange.objects.exists()


def test_the_admin_removes_through_the_service(owner_client, owner, tiers):
    campaign = CampaignFactory(name="Mistake")
    response = owner_client.post(
        reverse("admin:campaigns_campaign_delete", args=[campaign.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Campaign.objects.exists()
    change = SettingsChange.objects.get()
    assert (change.action, change.object_label, change.by) == ("deleted", "Mistake", owner)


def test_a_campaign_that_applied_to_a_sale_is_not_removed(owner, tiers, lifted_sale):
    today = shop_today()
    campaign = CampaignFactory(starts_on=today - timedelta(days=1))
    lifted_sale(campaign, today)
    with pytest.raises(LoyaltyError) as refused:
        services.delete_campaign(campaign=campaign, by=owner)
    assert refused.value.code == "campaign_used"
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    assert not SettingsChange.objects.exists()


def test_the_stacking_setting_is_recorded(owner, tiers):
    services.set_stacking(stacking="add", by=owner)
    services.set_stacking(stacking="add", by=owner)  # no change, no record
    change = SettingsChange.objects.get()
    assert (change.model, change.changes) == (
        "campaigns.campaignsettings",
        {"stacking": ["best", "add"]},
    )
