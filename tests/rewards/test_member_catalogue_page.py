"""The catalogue as staff see it for a member, and redeeming from it."""

import pytest
from django.urls import reverse

from rewards.models import RewardRedemption
from tests.factories import RewardFactory, member_with_points


@pytest.fixture
def member(tiers):
    return member_with_points(500, name="Lin", tier=tiers["silver"])


def page(client, member):
    return client.get(reverse("rewards:member_catalogue", args=[member.pk]))


def group_of(response, reward):
    for title, items in response.context["groups"]:
        if any(item.reward == reward for item in items):
            return str(title)
    return None


def test_it_groups_what_the_member_can_and_cannot_take(staff_client, member, tiers):
    affordable = RewardFactory(name="Comb", points_cost=100)
    costly = RewardFactory(name="Dryer", points_cost=900)
    gold_only = RewardFactory(name="Spa", points_cost=100, min_tier=tiers["gold"])
    gone = RewardFactory(name="Mug", points_cost=100, stock=0)
    RewardFactory(name="Retired", is_active=False)
    response = page(staff_client, member)
    assert response.status_code == 200
    assert group_of(response, affordable) == "Can redeem now"
    assert group_of(response, costly) == "Needs more points"
    assert group_of(response, gold_only) == "Needs a higher tier"
    assert group_of(response, gone) == "Out of stock"
    body = response.content.decode()
    assert "Retired" not in body
    assert "reward-card greyed" in body
    assert "“Spa” is for Gold members and above; Lin is Silver." in body


def test_it_needs_login(client, member):
    assert page(client, member).status_code == 302


def test_missing_member_is_404(staff_client, tiers):
    response = staff_client.get(reverse("rewards:member_catalogue", args=[999]))
    assert response.status_code == 404


def test_query_count_does_not_grow(staff_client, member, tiers, django_assert_max_num_queries):
    RewardFactory.create_batch(20, min_tier=tiers["gold"], limit_per_member=1)
    RewardFactory.create_batch(20)
    with django_assert_max_num_queries(10):
        page(staff_client, member)


def test_redeem_works(staff_client, member, staff):
    reward = RewardFactory(name="Comb", points_cost=100)
    response = staff_client.post(
        reverse("rewards:redeem", args=[member.pk]),
        {"reward": reward.pk, "quantity": 2, "idempotency_key": "abc"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.points_balance == 300
    redemption = RewardRedemption.objects.get()
    assert (redemption.quantity, redemption.by) == (2, staff)


def test_redeem_twice_with_one_form_spends_once(staff_client, member):
    reward = RewardFactory(points_cost=100)
    data = {"reward": reward.pk, "quantity": 1, "idempotency_key": "same-form"}
    staff_client.post(reverse("rewards:redeem", args=[member.pk]), data)
    staff_client.post(reverse("rewards:redeem", args=[member.pk]), data)
    member.refresh_from_db()
    assert member.points_balance == 400


def test_redeem_refusal_is_shown(staff_client, member):
    reward = RewardFactory(name="Dryer", points_cost=900)
    response = staff_client.post(
        reverse("rewards:redeem", args=[member.pk]),
        {"reward": reward.pk, "quantity": 1, "idempotency_key": "abc"},
    )
    assert response.status_code == 400
    assert "“Dryer” costs 900 points; Lin has 500." in response.content.decode()
    assert not RewardRedemption.objects.exists()


def test_redeem_requires_post(staff_client, member):
    response = staff_client.get(reverse("rewards:redeem", args=[member.pk]))
    assert response.status_code == 405


def test_redeem_rejects_a_bad_quantity(staff_client, member):
    reward = RewardFactory()
    response = staff_client.post(
        reverse("rewards:redeem", args=[member.pk]),
        {"reward": reward.pk, "quantity": 0, "idempotency_key": "abc"},
    )
    assert response.status_code == 400
    assert not RewardRedemption.objects.exists()
