"""Stock per store for goods rewards: a store gives from its own shelf."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from config.errors import LoyaltyError
from rewards.models import Reward, RewardRedemption, RewardStock
from rewards.services import cancel_redemption, redeem_reward, set_store_stock
from tests.factories import (
    RewardFactory,
    StoreFactory,
    TierFactory,
    member_with_points,
    owner_user,
)
from tests.rewards.test_concurrent_redemption import run_at_once


def _stocked(main, mall, *, at_main, at_mall):
    reward = RewardFactory(name="Hand cream", points_cost=100, stock=None)
    set_store_stock(
        reward=reward, quantities={main: at_main, mall: at_mall}, by=owner_user(username="boss")
    )
    return reward


def test_a_redemption_at_a_store_takes_from_its_shelf(two_stores, tiers):
    main, mall = two_stores
    reward = _stocked(main, mall, at_main=2, at_mall=1)
    member = member_with_points(1000, tier=tiers["member"])

    redemption = redeem_reward(member=member, reward=reward, idempotency_key="a", store=mall)

    assert redemption.store == mall
    assert RewardStock.objects.get(reward=reward, store=mall).quantity == 0
    assert RewardStock.objects.get(reward=reward, store=main).quantity == 2
    assert Reward.objects.get(pk=reward.pk).stock == 2


def test_an_empty_shelf_refuses_though_another_store_has_some(two_stores, tiers):
    main, mall = two_stores
    reward = _stocked(main, mall, at_main=3, at_mall=0)
    member = member_with_points(1000, tier=tiers["member"])

    with pytest.raises(LoyaltyError) as refused:
        redeem_reward(member=member, reward=reward, idempotency_key="a", store=mall)

    assert refused.value.code == "out_of_stock"
    assert "at this store" in refused.value.message
    assert not RewardRedemption.objects.exists()
    member.refresh_from_db()
    assert member.points_balance == 1000


def test_a_store_without_a_shelf_for_it_refuses(two_stores, tiers):
    main, mall = two_stores
    reward = RewardFactory(points_cost=100, stock=None)
    set_store_stock(reward=reward, quantities={main: 5}, by=owner_user(username="boss"))
    member = member_with_points(1000, tier=tiers["member"])

    with pytest.raises(LoyaltyError, match="not stocked at this store"):
        redeem_reward(member=member, reward=reward, idempotency_key="a", store=mall)


def test_cancelling_puts_it_back_on_the_stores_shelf(two_stores, tiers):
    main, mall = two_stores
    reward = _stocked(main, mall, at_main=1, at_mall=1)
    member = member_with_points(1000, tier=tiers["member"])
    redemption = redeem_reward(member=member, reward=reward, idempotency_key="a", store=main)

    cancel_redemption(redemption=redemption)

    assert RewardStock.objects.get(reward=reward, store=main).quantity == 1
    assert Reward.objects.get(pk=reward.pk).stock == 2


def test_the_owner_sets_each_stores_stock_on_its_page(owner_client, two_stores):
    main, mall = two_stores
    reward = RewardFactory(stock=None)

    response = owner_client.post(
        reverse("rewards:store_stock", args=[reward.pk]),
        {f"store_{main.pk}": "4", f"store_{mall.pk}": "6"}
        | {f"store_{s.pk}": "0" for s in type(main).objects.exclude(pk__in=[main.pk, mall.pk])},
    )

    assert response.status_code == 302
    assert RewardStock.objects.get(reward=reward, store=mall).quantity == 6
    assert Reward.objects.get(pk=reward.pk).stock == 10


def test_a_negative_stock_is_refused_with_a_message(owner_client, two_stores):
    main, _mall = two_stores
    reward = RewardFactory(stock=None)

    response = owner_client.post(
        reverse("rewards:store_stock", args=[reward.pk]), {f"store_{main.pk}": "-1"}
    )

    assert response.status_code == 400
    assert not RewardStock.objects.exists()


def test_staff_may_not_set_stock(staff_client):
    reward = RewardFactory()
    assert staff_client.get(reverse("rewards:store_stock", args=[reward.pk])).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_redemptions_at_one_store_never_oversell_its_shelf():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    TierFactory(rank=1)
    main, mall = StoreFactory(name="Main Street"), StoreFactory(name="Mall")
    reward = RewardFactory(points_cost=100, stock=None)
    set_store_stock(reward=reward, quantities={main: 50, mall: 5}, by=owner_user(username="o"))
    members = [member_with_points(300) for _ in range(20)]

    outcomes = run_at_once(
        20,
        lambda i: redeem_reward(
            member=members[i], reward=reward, idempotency_key=f"race-{i}", store=mall
        ),
    )

    won = [o for o in outcomes if isinstance(o, RewardRedemption)]
    lost = [o for o in outcomes if isinstance(o, LoyaltyError)]
    assert len(won) == 5, outcomes
    assert len(lost) == 15 and {e.code for e in lost} == {"out_of_stock"}
    assert RewardStock.objects.get(reward=reward, store=mall).quantity == 0
    assert RewardStock.objects.get(reward=reward, store=main).quantity == 50
    assert Reward.objects.get(pk=reward.pk).stock == 50
    call_command("check_ledger")


def test_the_counter_offers_only_what_its_stores_shelf_holds(client, two_stores, tiers):
    from tests.factories import staff_user

    main, mall = two_stores
    reward = _stocked(main, mall, at_main=2, at_mall=0)
    member = member_with_points(1000, tier=tiers["member"])
    cashiers = {}
    for store in (main, mall):
        cashiers[store] = staff_user(username=f"at-{store.pk}")
        store.staff.add(cashiers[store])

    shown = {}
    for store, cashier in cashiers.items():
        client.force_login(cashier)
        page = client.get(reverse("counter:rewards", args=[member.pk])).content.decode()
        shown[store] = f'name="reward" value="{reward.pk}"' in page

    assert shown == {main: True, mall: False}
