"""A campaign aimed at a saved segment ("who") lifts only the sales of the
members the segment keeps at the moment of the sale."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.selectors import campaigns_for_member
from campaigns.services import create_campaign, update_campaign
from config.clock import shop_today
from config.errors import LoyaltyError
from loyalty.sale import quote_purchase, record_purchase
from members.models import LifecycleRules, Tag
from portal.links import link_path
from segments import services as segments
from segments.models import Segment
from tests.factories import MemberFactory, give_points, owner_user


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def vip(db):
    return Tag.objects.create(name="VIP")


@pytest.fixture
def vips(vip, tiers):
    """A saved segment: the members tagged VIP in the first tier."""
    return Segment.objects.create(
        name="VIPs", criteria={"tags": [str(vip.pk)], "tier": str(tiers["member"].pk)}
    )


def _campaign(segment, **fields):
    return create_campaign(
        **{
            "name": "VIP double",
            "starts_on": shop_today(),
            "ends_on": shop_today() + timedelta(days=30),
            "multiplier": Decimal("2"),
            "saved_segment": segment,
            **fields,
        }
    )


def sale(member, **terms):
    return record_purchase(member=member, amount="1000", idempotency_key=uuid.uuid4().hex, **terms)


def test_it_lifts_a_member_in_the_segment_and_not_one_outside(vips, vip, tiers):
    campaign = _campaign(vips)
    inside = MemberFactory(tier=tiers["member"])
    inside.tags.add(vip)
    outside = MemberFactory(tier=tiers["member"])

    lifted, plain = sale(inside), sale(outside)

    assert lifted.points_earned == 1900  # 1000 less 5 %, ×2
    assert str(campaign.pk) in str(lifted.earning_detail["explanation"])
    # The receipt the member takes home names no segment (the owner's word).
    assert "selected members" in str(lifted.earning_detail["explanation"])
    assert "VIPs" not in str(lifted.earning_detail)
    assert plain.points_earned == 950
    assert quote_purchase(member=inside, amount="1000").points_earned == 1900
    assert quote_purchase(member=outside, amount="1000").points_earned == 950


def test_a_member_who_enters_the_segment_later_gets_it_from_then(vips, vip, tiers):
    _campaign(vips)
    member = MemberFactory(tier=tiers["member"])

    before = sale(member)
    member.tags.add(vip)
    after = sale(member)
    member.tags.remove(vip)
    left = sale(member)

    assert [before.points_earned, after.points_earned, left.points_earned] == [950, 1900, 950]


def test_the_counter_lifts_only_the_member_in_the_segment(staff_client, vips, vip, tiers):
    _campaign(vips)
    inside = MemberFactory(tier=tiers["member"])
    inside.tags.add(vip)
    outside = MemberFactory(tier=tiers["member"])
    htmx = {"HX-Request": "true"}

    for member, earned in [(inside, 1900), (outside, 950)]:
        quote = staff_client.get(
            reverse("counter:quote", args=[member.pk]), {"amount": "1000"}, headers=htmx
        )
        assert quote.context["quote"].points_earned == earned
        response = staff_client.post(
            reverse("counter:sale", args=[member.pk]),
            {"amount": "1000", "idempotency_key": uuid.uuid4().hex},
            headers=htmx,
        )
        assert response.status_code == 200
        assert member.purchases.get().points_earned == earned


def test_a_changed_segment_is_seen_by_the_next_sale(vips, tiers):
    _campaign(vips)
    member = MemberFactory(tier=tiers["member"])
    assert sale(member).points_earned == 950

    segments.save_segment(
        segment=vips, name="Members", criteria={"tier": str(tiers["member"].pk)}, by=_owner()
    )

    assert sale(member).points_earned == 1900


def test_a_double_value_day_for_a_segment(vips, vip, tiers):
    _campaign(vips, multiplier=Decimal("1"), redemption_multiplier=Decimal("2"))
    inside = MemberFactory(tier=tiers["member"])
    inside.tags.add(vip)
    outside = MemberFactory(tier=tiers["member"])
    give_points(inside, 200)
    give_points(outside, 200)

    assert quote_purchase(member=inside, amount="1000", points_to_redeem=100).value_multiplier == 2
    assert quote_purchase(member=outside, amount="1000", points_to_redeem=100).value_multiplier == 1


def test_a_campaign_without_a_segment_adds_no_query_and_one_with_adds_one(vip, tiers):
    """The sale's cost: the segment is asked once (one EXISTS on the member's
    key), though both the points' value and the earning read it; building
    its query (tier, tags, stage) is paid once and writes nothing."""
    new_vips = Segment.objects.create(
        name="New VIPs",
        criteria={"tags": [str(vip.pk)], "tier": str(tiers["member"].pk), "stage": "new"},
    )
    member = MemberFactory(tier=tiers["member"])
    member.tags.add(vip)
    give_points(member, 1000)
    campaign = _campaign(None, redemption_multiplier=Decimal("2"))

    def measured():
        sale(member, points_to_redeem=100)  # warm up: the rules are read once
        with CaptureQueriesContext(connection) as queries:
            purchase = sale(member, points_to_redeem=100)
        return purchase, [q["sql"] for q in queries]

    plain, everyone_queries = measured()
    update_campaign(campaign=campaign, saved_segment=new_vips)
    lifted, segment_queries = measured()

    assert plain.points_earned == lifted.points_earned
    assert lifted.earning_detail["explanation"]
    assert len(segment_queries) == len(everyone_queries) + 1
    assert sum("EXISTS" in sql.upper() for sql in segment_queries) == 1
    assert not LifecycleRules.objects.exists()  # its defaults were read, not saved


def test_the_member_page_lists_it_only_for_members_in_the_segment(client, vips, vip, tiers):
    _campaign(vips, name="VIP double")
    inside = MemberFactory(tier=tiers["member"], phone="+886912345678")
    inside.tags.add(vip)
    outside = MemberFactory(tier=tiers["member"], phone="+886922333444")

    client.get(link_path(inside))
    inside_page = client.get(reverse("portal:programme")).content.decode()
    client.logout()
    client.get(link_path(outside))
    outside_page = client.get(reverse("portal:programme")).content.decode()

    assert "VIP double" in inside_page
    assert "VIP double" not in outside_page
    assert campaigns_for_member(outside) == []
    assert len(campaigns_for_member(inside)) == 14  # every day of the fortnight


def test_the_member_page_asks_the_segment_once(vips, vip, tiers, django_assert_num_queries):
    _campaign(vips)
    _campaign(vips, name="VIP weekend", schedule="weekdays", weekdays=[5, 6])
    member = MemberFactory(tier=tiers["member"])
    member.tags.add(vip)
    campaigns_for_member(MemberFactory(tier=tiers["member"]))  # warm up the rules

    with django_assert_num_queries(2):  # the rules' version, then the segment
        found = campaigns_for_member(member)

    assert found


# --- the form, the list, the admin ------------------------------------------


def _form(**overrides):
    today = shop_today()
    return {
        "name": "VIP double",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
        "schedule": "every_day",
        "segment": "all",
        "min_spend": "0",
        "multiplier": "2",
        "bonus_points": "0",
        "priority": "0",
        "is_active": "on",
        **overrides,
    }


def test_the_form_offers_everyone_and_the_saved_segments(owner_client, vips):
    page = owner_client.get(reverse("campaigns:create")).content.decode()

    assert 'name="saved_segment"' in page
    assert ">Everyone<" in page
    assert ">VIPs<" in page


def test_the_form_round_trip(owner_client, vips):
    response = owner_client.post(reverse("campaigns:create"), _form(saved_segment=vips.pk))
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.saved_segment == vips

    edit = owner_client.get(reverse("campaigns:edit", args=[campaign.pk])).content.decode()
    assert f'<option value="{vips.pk}" selected>VIPs</option>' in edit
    listing = owner_client.get(reverse("campaigns:list")).content.decode()
    assert "members of “VIPs”" in listing
    results = owner_client.get(reverse("campaigns:results", args=[campaign.pk]))
    assert results.status_code == 200
    assert "members of “VIPs”" in results.content.decode()

    response = owner_client.post(
        reverse("campaigns:edit", args=[campaign.pk]), _form(saved_segment="")
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.saved_segment is None


def test_the_form_refuses_a_segment_that_is_gone(owner_client, vips):
    response = owner_client.post(reverse("campaigns:create"), _form(saved_segment="987654"))

    assert response.status_code == 400
    assert "saved_segment" in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_the_admin_saves_the_segment(owner_client, vips):
    data = {
        **_form(saved_segment=vips.pk),
        "weekdays": "[]",
        "month_days": "[]",
        "dates": "[]",
        "description": "",
        "redemption_multiplier": "1",
    }
    page = owner_client.get(reverse("admin:campaigns_campaign_add")).content.decode()
    response = owner_client.post(reverse("admin:campaigns_campaign_add"), data)

    assert "Everyone" in page
    assert response.status_code == 302
    assert Campaign.objects.get().saved_segment == vips


# --- deleting the segment -----------------------------------------------------


def _owner():
    return owner_user(username="segment-owner")


def test_a_segment_a_campaign_aims_at_cannot_be_deleted(vips):
    campaign = _campaign(vips)

    with pytest.raises(LoyaltyError) as refused:
        segments.delete_segment(segment=vips, by=_owner())

    assert refused.value.code == "segment_in_campaigns"
    assert "VIP double" in refused.value.message
    assert Segment.objects.filter(pk=vips.pk).exists()
    update_campaign(campaign=campaign, saved_segment=None)
    segments.delete_segment(segment=vips, by=_owner())
    assert not Segment.objects.filter(pk=vips.pk).exists()


def test_the_segments_page_says_why_it_cannot_delete(owner_client, vips):
    _campaign(vips)

    response = owner_client.post(
        reverse("segments:edit", args=[vips.pk]), {"delete": "1"}, follow=True
    )

    assert response.status_code == 200
    assert "Campaigns are aimed at this segment (“VIP double”)" in response.content.decode()
    assert Segment.objects.filter(pk=vips.pk).exists()


def test_the_message_is_translated(owner_client, vips):
    _campaign(vips)
    owner_client.cookies["django_language"] = "zh-hant"

    response = owner_client.post(
        reverse("segments:edit", args=[vips.pk]), {"delete": "1"}, follow=True
    )

    assert "Campaigns are aimed" not in response.content.decode()
    assert "VIP double" in response.content.decode()
