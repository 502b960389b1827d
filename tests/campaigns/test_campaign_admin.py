from datetime import timedelta

from django.urls import reverse

from campaigns.models import Campaign, CampaignSettings
from config.clock import shop_today


def _form(**overrides):
    today = shop_today()
    data = {
        "name": "Weekend double",
        "description": "",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
        "schedule": "weekdays",
        "weekdays": "[5, 6]",
        "month_days": "[]",
        "dates": "[]",
        "segment": "all",
        "min_spend": "0",
        "multiplier": "2",
        "bonus_points": "0",
        "priority": "0",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_admin_add_creates_through_the_service(owner_client, tiers):
    response = owner_client.post(
        reverse("admin:campaigns_campaign_add"), _form(tiers=[tiers["gold"].pk])
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.weekdays == [5, 6]
    assert list(campaign.tiers.all()) == [tiers["gold"]]
    assert campaign.created_by.username == "owner"


def test_admin_add_shows_the_services_errors(owner_client, tiers):
    response = owner_client.post(
        reverse("admin:campaigns_campaign_add"), _form(weekdays="[]", multiplier="1")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Campaign.objects.exists()


def test_admin_changes_the_stacking_setting(owner_client, tiers):
    response = owner_client.post(
        reverse("admin:campaigns_campaignsettings_add"), {"stacking": "add"}
    )
    assert response.status_code == 302
    assert CampaignSettings.current().stacking == "add"


def test_admin_is_closed_to_staff(staff_client, tiers):
    response = staff_client.get(reverse("admin:campaigns_campaign_changelist"))
    assert response.status_code == 403  # the admin is for owners only


def test_admin_change_edits_through_the_service(owner_client, tiers):
    from tests.factories import CampaignFactory

    campaign = CampaignFactory(name="Before")
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, _form(name="After", bonus_points="5"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "After" and campaign.bonus_points == 5


def test_admin_shows_a_frozen_campaign_read_only(owner_client, tiers, lifted_sale):
    from tests.factories import CampaignFactory

    today = shop_today()
    campaign = CampaignFactory(
        name="Done", starts_on=today - timedelta(days=20), ends_on=today - timedelta(days=10)
    )
    lifted_sale(campaign, today - timedelta(days=15))
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = owner_client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert owner_client.post(url, _form(name="Rewritten")).status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "Done"
