"""A campaign can run in some stores only (a new store's opening week)."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from campaigns.models import Campaign
from campaigns.services import create_campaign
from config.clock import shop_today
from loyalty.sale import quote_purchase, record_purchase
from tests.factories import MemberFactory


def _opening_week(store):
    return create_campaign(
        name="Mall opening week",
        starts_on=shop_today(),
        ends_on=shop_today() + timedelta(days=6),
        schedule=Campaign.Schedule.EVERY_DAY,
        multiplier=Decimal("2"),
        stores=[store],
    )


def test_a_campaign_for_one_store_doubles_points_only_there(two_stores, tiers):
    main, mall = two_stores
    _opening_week(mall)
    member = MemberFactory(tier=tiers["member"])

    at_mall = record_purchase(member=member, amount="1000", idempotency_key="m", store=mall)
    at_main = record_purchase(member=member, amount="1000", idempotency_key="s", store=main)
    nowhere = record_purchase(member=member, amount="1000", idempotency_key="n")

    assert at_mall.points_earned == 1900
    assert at_main.points_earned == 950
    assert nowhere.points_earned == 950
    assert quote_purchase(member=member, amount="1000", store=mall).points_earned == 1900


def test_the_campaign_form_offers_stores_only_with_several(owner_client, two_stores):
    page = owner_client.get(reverse("campaigns:create")).content.decode()

    assert 'name="stores"' in page


def test_a_campaign_keeps_its_stores_when_edited_without_them(two_stores, tiers):
    from campaigns.services import update_campaign

    _main, mall = two_stores
    campaign = _opening_week(mall)

    update_campaign(campaign=campaign, name="Mall opening")

    assert list(campaign.stores.all()) == [mall]
