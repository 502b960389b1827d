from datetime import date, timedelta
from decimal import Decimal

from django.urls import reverse

from campaigns.models import Campaign
from config.clock import shop_today
from tests.factories import CampaignFactory


def _form(**overrides):
    today = shop_today()
    data = {
        "name": "Every 18th double",
        "description": "",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=90)).isoformat(),
        "schedule": "month_days",
        "month_days": "18",
        "dates": "",
        "segment": "all",
        "min_spend": "0",
        "multiplier": "2",
        "bonus_points": "0",
        "priority": "0",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_create_works(owner_client, tiers):
    response = owner_client.post(
        reverse("campaigns:create"), _form(tiers=[tiers["gold"].pk], month_days="8，18 28")
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.month_days == [8, 18, 28]
    assert campaign.multiplier == Decimal("2")
    assert list(campaign.tiers.all()) == [tiers["gold"]]
    assert campaign.created_by.username == "owner"


def test_create_form_shows(owner_client, tiers):
    response = owner_client.get(reverse("campaigns:create"))
    assert response.status_code == 200
    assert "Gold" in response.content.decode()


def test_create_weekdays_and_dates(owner_client, tiers):
    today = shop_today()
    owner_client.post(
        reverse("campaigns:create"), _form(name="Weekend", schedule="weekdays", weekdays=[5, 6])
    )
    day = today + timedelta(days=3)
    owner_client.post(
        reverse("campaigns:create"), _form(name="Listed", schedule="dates", dates=day.isoformat())
    )
    assert Campaign.objects.get(name="Weekend").weekdays == [5, 6]
    listed = Campaign.objects.get(name="Listed")
    assert listed.dates == [day.isoformat()] and listed.month_days == []


def test_create_rejects_end_before_start(owner_client, tiers):
    today = shop_today()
    response = owner_client.post(
        reverse("campaigns:create"),
        _form(ends_on=(today - timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 400
    assert "before the first day" in str(response.context["form"].errors["ends_on"])
    assert not Campaign.objects.exists()


def test_create_rejects_a_campaign_without_effect(owner_client, tiers):
    response = owner_client.post(reverse("campaigns:create"), _form(multiplier="1"))
    assert response.status_code == 400
    assert "multiplier" in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_create_rejects_unreadable_dates(owner_client, tiers):
    response = owner_client.post(
        reverse("campaigns:create"), _form(schedule="dates", dates="next friday")
    )
    assert response.status_code == 400
    assert "dates" in response.context["form"].errors


def test_create_errors_are_translated(owner_client, tiers):
    response = owner_client.post(
        reverse("campaigns:create"),
        _form(month_days="32"),
        headers={"accept-language": "zh-hant"},
    )
    assert response.status_code == 400
    assert "32" in str(response.context["form"].errors["month_days"])
    assert "日" in str(response.context["form"].errors["month_days"])


def test_create_form_labels_the_campaign_name_not_a_persons_name(owner_client, tiers):
    response = owner_client.get(reverse("campaigns:create"), headers={"accept-language": "zh-hant"})
    page = response.content.decode()
    assert '<label for="id_name">名稱' in page
    assert "姓名" not in page


def test_create_is_for_owners_only(staff_client, tiers):
    assert staff_client.get(reverse("campaigns:create")).status_code == 403
    assert staff_client.post(reverse("campaigns:create"), _form()).status_code == 403
    assert not Campaign.objects.exists()


def test_edit_works(owner_client, tiers):
    campaign = CampaignFactory(name="Old")
    response = owner_client.post(
        reverse("campaigns:edit", args=[campaign.pk]), _form(name="New", bonus_points="20")
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "New" and campaign.bonus_points == 20


def test_edit_shows_the_campaign(owner_client, tiers):
    campaign = CampaignFactory(name="Shown", tiers=[tiers["silver"]])
    response = owner_client.get(reverse("campaigns:edit", args=[campaign.pk]))
    assert response.status_code == 200
    assert response.context["form"].initial["tiers"] == [tiers["silver"]]


def test_edit_missing_campaign_is_404(owner_client, tiers):
    assert owner_client.get(reverse("campaigns:edit", args=[999])).status_code == 404


def test_edit_is_for_owners_only(staff_client, tiers):
    campaign = CampaignFactory(name="Kept")
    response = staff_client.post(reverse("campaigns:edit", args=[campaign.pk]), _form())
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "Kept"


def test_edit_rejects_put(owner_client, tiers):
    campaign = CampaignFactory()
    assert owner_client.put(reverse("campaigns:edit", args=[campaign.pk])).status_code == 405


def test_ended_campaign_without_sales_can_still_be_fixed(owner_client, tiers):
    campaign = CampaignFactory(starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 31))
    response = owner_client.post(
        reverse("campaigns:edit", args=[campaign.pk]),
        _form(name="Renamed", starts_on="2026-01-01", ends_on="2026-01-31"),
    )
    assert response.status_code == 302


def test_edit_of_ended_campaign_that_applied_is_refused(owner_client, tiers, lifted_sale):
    today = shop_today()
    start, end = today - timedelta(days=20), today - timedelta(days=10)
    campaign = CampaignFactory(name="Done", starts_on=start, ends_on=end)
    lifted_sale(campaign, today - timedelta(days=15))
    page = owner_client.get(reverse("campaigns:edit", args=[campaign.pk]))
    assert page.context["frozen"] is True
    response = owner_client.post(
        reverse("campaigns:edit", args=[campaign.pk]),
        _form(name="Rewritten", starts_on=start.isoformat(), ends_on=end.isoformat()),
    )
    assert response.status_code == 400
    assert "can no longer be changed" in str(response.context["form"].non_field_errors())
    campaign.refresh_from_db()
    assert campaign.name == "Done"
