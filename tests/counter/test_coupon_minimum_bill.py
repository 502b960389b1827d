"""A coupon with a minimum bill (spend 1,000, get 100 off) at the counter and the API."""

from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.sale import quote_purchase
from points.models import Purchase
from rewards.models import Reward
from rewards.services import issue_reward, save_reward
from tests.api.conftest import make_till, till  # noqa: F401 (a till)
from tests.factories import MemberFactory, coupon_reward

HTMX = {"HX-Request": "true"}


@pytest.fixture
def member(tiers):
    return MemberFactory(name="陳美玲", tier=tiers["member"])  # 5 % off


@pytest.fixture
def coupon(member):
    reward = coupon_reward(coupon_value=Decimal("100"), coupon_min_spend=Decimal("1000"))
    return issue_reward(member=member, reward=reward, reason="gift").coupons.get()


def _confirm(client, member, headers=HTMX, **data):
    data.setdefault("idempotency_key", "key-1")
    return client.post(reverse("counter:sale", args=[member.pk]), data, headers=headers)


def test_the_coupon_carries_its_rewards_minimum(coupon):
    assert coupon.min_spend == Decimal("1000")


def test_a_bill_reaching_the_minimum_takes_the_coupon(member, coupon):
    quote = quote_purchase(member=member, amount=Decimal("1100"), coupon_code=coupon.code)
    assert quote.coupon_discount == Decimal("100")  # 1,100 - 5 % = 1,045: over 1,000


def test_a_bill_below_the_minimum_is_refused_at_the_counter(staff_client, member, coupon):
    response = _confirm(staff_client, member, amount="1040", coupon=coupon.code)  # 988
    assert response.status_code == 400
    errors = response.context["sale_form"].errors
    assert list(errors) == ["coupon"]
    assert (
        f"Coupon {coupon.display_code} needs a bill of at least NT$1,000 after the member's "
        "discount; this bill comes to NT$988."
    ) in errors["coupon"][0]
    assert not Purchase.objects.exists()
    coupon.refresh_from_db()
    assert not coupon.is_used


def test_the_refusal_is_translated(staff_client, member, coupon):
    response = _confirm(
        staff_client,
        member,
        headers={**HTMX, "accept-language": "zh-hant"},
        amount="500",
        coupon=coupon.code,
    )
    assert response.status_code == 400
    assert "NT$1,000" in response.context["sale_form"].errors["coupon"][0]
    assert "needs a bill" not in response.context["sale_form"].errors["coupon"][0]


def test_the_api_refuses_it_with_the_same_code(till, member, coupon):  # noqa: F811
    body = {"member": member.member_number, "amount": "500", "coupon": coupon.code}
    response = till.post("/sales/quote", body, key=None)
    assert response.status_code == 422
    assert response.json()["code"] == "coupon_below_min_spend"
    assert "NT$1,000" in response.json()["detail"]


def test_a_minimum_on_a_goods_reward_is_dropped(tiers):
    reward = Reward(name="Mug", kind="goods", points_cost=100, coupon_min_spend=Decimal("500"))
    save_reward(reward=reward)
    assert reward.coupon_min_spend == 0


def test_the_api_lists_the_coupons_minimum(till, member, coupon):  # noqa: F811
    listed = till.get(f"/members/{member.member_number}/coupons").json()
    assert listed[0]["min_spend"] == "1000.00"


def test_the_members_page_names_the_minimum(client, member, coupon):
    from portal.links import link_path

    client.get(link_path(member))
    page = client.get(reverse("portal:coupons"))
    assert "On a bill of at least NT$1,000." in page.content.decode()
