from datetime import timedelta

from django.urls import reverse

from campaigns.models import Campaign, CampaignSettings
from config.clock import shop_today
from tests.factories import CampaignFactory


def test_list_requires_login(client, db):
    response = client.get(reverse("campaigns:list"))
    assert response.status_code == 302


def test_list_is_for_owners_only(staff_client, tiers):
    assert staff_client.get(reverse("campaigns:list")).status_code == 403


def test_list_shows_running_upcoming_and_ended(owner_client, tiers):
    today = shop_today()
    CampaignFactory(name="Now on", starts_on=today - timedelta(days=1))
    CampaignFactory(name="Soon", starts_on=today + timedelta(days=3))
    CampaignFactory(
        name="Gone", starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=20)
    )
    response = owner_client.get(reverse("campaigns:list"))
    assert response.status_code == 200
    assert [c.name for c in response.context["running"]] == ["Now on"]
    assert [c.name for c in response.context["upcoming"]] == ["Soon"]
    assert [c.name for c in response.context["ended"]] == ["Gone"]
    body = response.content.decode()
    assert "Now on" in body and "Soon" in body and "Gone" in body


def test_calendar_shows_which_days_a_campaign_runs(owner_client, tiers):
    today = shop_today()
    day = today + timedelta(days=2)
    CampaignFactory(
        name="One day",
        starts_on=today,
        ends_on=today + timedelta(days=10),
        schedule=Campaign.Schedule.DATES,
        dates=[day.isoformat()],
    )
    CampaignFactory(name="Paused", starts_on=today, is_active=False)
    calendar = owner_client.get(reverse("campaigns:list")).context["calendar"]
    assert [(e["day"], [c.name for c in e["campaigns"]]) for e in calendar] == [(day, ["One day"])]


def test_calendar_finds_every_18th_within_a_month(owner_client, tiers):
    today = shop_today()
    CampaignFactory(
        name="18th",
        starts_on=today,
        ends_on=today + timedelta(days=400),
        schedule=Campaign.Schedule.MONTH_DAYS,
        month_days=[18],
    )
    calendar = owner_client.get(reverse("campaigns:list")).context["calendar"]
    assert calendar and all(entry["day"].day == 18 for entry in calendar)


def test_list_query_count_does_not_grow(owner_client, tiers, django_assert_max_num_queries):
    for _ in range(15):
        CampaignFactory(tiers=[tiers["gold"], tiers["silver"]])
    with django_assert_max_num_queries(10):
        owner_client.get(reverse("campaigns:list"))


def test_list_is_translated(owner_client, tiers):
    CampaignFactory(name="Double")
    body = owner_client.get(
        reverse("campaigns:list"), headers={"accept-language": "zh-hant"}
    ).content.decode()
    assert "活動" in body


def test_stacking_setting_is_saved(owner_client, tiers):
    response = owner_client.post(reverse("campaigns:stacking"), {"stacking": "multiply"})
    assert response.status_code == 302
    assert CampaignSettings.current().stacking == "multiply"


def test_stacking_rejects_an_unknown_rule(owner_client, tiers):
    response = owner_client.post(reverse("campaigns:stacking"), {"stacking": "sometimes"})
    assert response.status_code == 400
    assert response.context["stacking_form"].errors
    assert CampaignSettings.current().stacking == "best"


def test_stacking_requires_post(owner_client, tiers):
    assert owner_client.get(reverse("campaigns:stacking")).status_code == 405


def test_stacking_is_for_owners_only(staff_client, tiers):
    response = staff_client.post(reverse("campaigns:stacking"), {"stacking": "add"})
    assert response.status_code == 403
    assert not CampaignSettings.objects.exists()


def test_list_rejects_post(owner_client, tiers):
    assert owner_client.post(reverse("campaigns:list")).status_code == 405
