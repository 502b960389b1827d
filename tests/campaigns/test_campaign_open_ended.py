"""A campaign may have no last day, and "running now" means "applies today"."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from campaigns.models import Campaign
from campaigns.results import campaign_results, is_frozen
from campaigns.selectors import campaign_overview
from campaigns.services import create_campaign
from config.clock import shop_today
from reports.campaign_figures import campaign_figures
from reports.periods import Period
from tests.factories import CampaignFactory


def _form(**overrides):
    data = {
        "name": "Every 18th double",
        "starts_on": shop_today().isoformat(),
        "ends_on": "",
        "schedule": "month_days",
        "month_days": "18",
        "segment": "all",
        "min_spend": "0",
        "multiplier": "2",
        "bonus_points": "0",
        "priority": "0",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_the_form_saves_a_campaign_without_a_last_day(owner_client, tiers):
    response = owner_client.post(reverse("campaigns:create"), _form())
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.ends_on is None
    far = shop_today().replace(year=shop_today().year + 5, day=18)
    assert campaign.runs_on(far) and not campaign.has_ended(far)


def test_a_new_campaign_form_leaves_the_last_day_empty(owner_client, tiers):
    response = owner_client.get(reverse("campaigns:create"))
    assert response.context["form"]["ends_on"].value() is None


def test_the_form_wraps_each_days_field_for_its_schedule(owner_client, tiers):
    body = owner_client.get(reverse("campaigns:create")).content.decode()
    # Without :has() (or any script) every field is in the page and works.
    for schedule, field in (
        ("weekdays", "weekdays"),
        ("month_days", "month_days"),
        ("dates", "dates"),
    ):
        wrapper = body.split(f'data-schedule="{schedule}"')[1].split("data-schedule=")[0]
        assert f'name="{field}"' in wrapper
    assert 'class="campaign-form"' in body


def test_running_now_lists_only_campaigns_that_apply_today(tiers):
    today = shop_today()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    CampaignFactory(name="Every day", starts_on=yesterday)
    CampaignFactory(
        name="Not today", starts_on=yesterday, schedule="dates", dates=[tomorrow.isoformat()]
    )
    CampaignFactory(name="Paused", starts_on=yesterday, is_active=False)
    CampaignFactory(name="Open", starts_on=yesterday, ends_on=None)
    overview = campaign_overview(today=today)
    assert [c.name for c in overview["running"]] == ["Every day", "Open"]
    assert {c.name for c in overview["upcoming"]} == {"Not today", "Paused"}
    assert overview["calendar"][1]["day"] == tomorrow
    assert "Not today" in [c.name for c in overview["calendar"][1]["campaigns"]]


def test_a_campaign_on_the_18th_is_running_only_on_an_18th(tiers):
    first = shop_today().replace(day=1)
    CampaignFactory(
        name="18th", starts_on=first, ends_on=None, schedule="month_days", month_days=[18]
    )
    assert [c.name for c in campaign_overview(today=first.replace(day=18))["running"]] == ["18th"]
    assert campaign_overview(today=first.replace(day=17))["running"] == []


def test_an_open_ended_campaign_has_results_and_is_never_frozen(tiers, lifted_sale):
    today = shop_today()
    campaign = CampaignFactory(starts_on=today - timedelta(days=3), ends_on=None)
    lifted_sale(campaign, today - timedelta(days=1))
    results = campaign_results(campaign)
    assert results["sales_count"] == 1 and results["refunded_later"] == 0
    assert not is_frozen(campaign, today + timedelta(days=400))


def test_the_dashboard_counts_an_open_ended_campaign(tiers):
    today = shop_today()
    CampaignFactory(name="Open", starts_on=today - timedelta(days=40), ends_on=None)
    period = Period(start=today.replace(day=1), end=today)
    assert [row.campaign.name for row in campaign_figures(period=period)] == ["Open"]


def test_the_service_accepts_no_last_day_and_checks_dates_against_the_first(owner, tiers):
    today = shop_today()
    campaign = create_campaign(
        by=owner,
        name="Dates",
        starts_on=today,
        ends_on=None,
        schedule="dates",
        dates=[today + timedelta(days=100)],
        multiplier=Decimal("2"),
    )
    assert campaign.ends_on is None and campaign.window_label == f"from {today.isoformat()}"
