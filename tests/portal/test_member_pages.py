"""Every member page: it renders the signed-in member's own things, needs
a member session, and answers only the methods it takes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from config.clock import shop_today
from loyalty.sale import record_purchase
from rewards.services import redeem_reward
from tests.factories import CampaignFactory, coupon_reward, give_points

PAGES = ["home", "programme", "history", "rewards", "coupons", "profile"]


@pytest.mark.parametrize("name", PAGES)
def test_each_page_renders_for_the_member(member_client, member, name):
    response = member_client.get(reverse(f"portal:{name}"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("name", PAGES)
def test_each_page_sends_a_visitor_to_sign_in(client, member, name):
    response = client.get(reverse(f"portal:{name}"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:sign_in')}?next={reverse(f'portal:{name}')}"


@pytest.mark.parametrize("name", ["home", "programme", "history", "rewards", "coupons"])
def test_read_only_pages_refuse_post(member_client, name):
    assert member_client.post(reverse(f"portal:{name}")).status_code == 405


def test_programme_shows_progress_expiry_and_campaigns(member_client, member, tiers):
    tiers["silver"].qualify_lifetime_spend = Decimal("1000")
    tiers["silver"].save()
    record_purchase(member=member, amount=Decimal("700"), idempotency_key="p-1")
    CampaignFactory(name="Double Friday", starts_on=shop_today(), multiplier=Decimal("2"))
    body = member_client.get(reverse("portal:programme")).content.decode()
    assert "to reach Silver" in body
    assert 'role="progressbar"' in body
    assert "Double Friday" in body
    assert "×2 points" in body


def test_history_lists_sales_points_and_rewards(member_client, member):
    record_purchase(member=member, amount=Decimal("500"), idempotency_key="h-1")
    give_points(member, 200)
    reward = coupon_reward(name="Tea voucher", points_cost=100)
    redeem_reward(member=member, reward=reward, idempotency_key="h-2")
    body = member_client.get(reverse("portal:history")).content.decode()
    assert "Earned on a sale" in body
    assert "Tea voucher" in body
    assert "−100" in body


def test_campaigns_of_other_tiers_are_not_offered(member_client, member, tiers):
    CampaignFactory(name="Gold night", tiers=[tiers["gold"]])
    CampaignFactory(name="Everyone day", starts_on=shop_today() + timedelta(days=3))
    body = member_client.get(reverse("portal:programme")).content.decode()
    assert "Everyone day" in body
    assert "Gold night" not in body


def test_home_page_costs_a_fixed_number_of_queries(
    member_client, member, django_assert_max_num_queries
):
    give_points(member, 300)
    # 13: a member is no signed-in staff user, so the shop settings (the
    # language for a browser asking none of ours, the shop's name) are read.
    with django_assert_max_num_queries(13):
        assert member_client.get(reverse("portal:home")).status_code == 200
