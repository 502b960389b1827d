"""Redeeming a reward from the counter card."""

import pytest
from django.urls import reverse

from rewards.models import Reward, RewardRedemption
from tests.factories import MemberFactory, RewardFactory, give_points

HTMX = {"HX-Request": "true"}


@pytest.fixture
def chen(tiers):
    member = MemberFactory(name="陳美玲", tier=tiers["member"])
    give_points(member, 500)
    return member


@pytest.fixture
def mask(db):
    return RewardFactory(name="Hair mask", points_cost=300, stock=2)


def panel(client, member):
    return client.get(reverse("counter:rewards", args=[member.pk]), headers=HTMX)


def redeem(client, member, reward, key="k1"):
    data = {"reward": reward.pk, "quantity": 1, "idempotency_key": key}
    return client.post(reverse("counter:redeem", args=[member.pk]), data, headers=HTMX)


def test_the_card_loads_the_rewards_panel(staff_client, chen):
    card = staff_client.get(reverse("counter:card", args=[chen.pk]), headers=HTMX)
    body = card.content.decode()
    assert f'hx-get="{reverse("counter:rewards", args=[chen.pk])}"' in body
    assert 'hx-trigger="load"' in body


def test_the_panel_offers_what_the_member_can_redeem_now(staff_client, chen, tiers, mask):
    RewardFactory(name="Spa day", points_cost=900)
    RewardFactory(name="Gold gift", points_cost=100, min_tier=tiers["gold"])
    response = panel(staff_client, chen)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Hair mask" in body and "2 left" in body
    assert "Spa day" not in body and "Gold gift" not in body
    assert reverse("rewards:member_catalogue", args=[chen.pk]) in body


def test_redeeming_shows_the_card_with_the_balance_dropped(staff_client, chen, mask):
    response = redeem(staff_client, chen, mask)
    assert response.status_code == 200
    chen.refresh_from_db()
    assert chen.points_balance == 200
    assert Reward.objects.get(pk=mask.pk).stock == 1
    body = response.content.decode()
    assert 'id="member-card"' in body and '<strong class="fact-value" data-balance>200' in body
    assert "“Hair mask” redeemed for 300 points." in body
    assert RewardRedemption.objects.get().by.username == "staff"


def test_the_same_form_twice_redeems_once(staff_client, chen, mask):
    redeem(staff_client, chen, mask)
    redeem(staff_client, chen, mask)
    assert RewardRedemption.objects.count() == 1
    chen.refresh_from_db()
    assert chen.points_balance == 200


def test_a_refusal_shows_on_the_card_in_chinese(staff_client, chen, mask):
    Reward.objects.filter(pk=mask.pk).update(stock=0)
    response = staff_client.post(
        reverse("counter:redeem", args=[chen.pk]),
        {"reward": mask.pk, "quantity": 1, "idempotency_key": "k"},
        headers={**HTMX, "accept-language": "zh-hant"},
    )
    assert response.status_code == 400
    assert response.context["redeem_error"]
    assert 'id="counter-redeem-error"' in response.content.decode()
    assert not RewardRedemption.objects.exists()


def test_redeem_requires_post(staff_client, chen):
    assert staff_client.get(reverse("counter:redeem", args=[chen.pk])).status_code == 405


def test_redeem_requires_a_role(client, chen, mask, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert redeem(client, chen, mask).status_code == 403
    assert panel(client, chen).status_code == 403
    assert not RewardRedemption.objects.exists()
